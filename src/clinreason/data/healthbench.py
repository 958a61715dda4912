"""HealthBench Hard, 50-item "lite" sample (seed 42; a fork's re-dump of OpenAI's file).

test.jsonl: {prompt: [{role, content}], rubrics: [{criterion, points, tags}], example_tags, prompt_id,
ideal_completions_data}. The last user turn is the question, earlier turns the context; the rubric
(graded by `clinreason judge --rubric rubric`) is the item's rubric; the conversation its messages.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..items import DataError, Item, TaskType
from .base import Benchmark, kind_of, as_text, item_or_error, iter_jsonl, register


def _transcript(turns: list[dict]) -> str:
    return "\n\n".join(f"{t['role']}: {t['content']}" for t in turns)


def _turns(rec: dict, path: Path, line: int) -> list[dict[str, str]]:
    turns = rec.get("prompt")
    if not isinstance(turns, list) or not turns:
        raise DataError(str(path), line, "prompt", "expected a conversation ending with a user turn")
    out = []
    for i, turn in enumerate(turns):
        if not isinstance(turn, dict):
            raise DataError(str(path), line, f"prompt[{i}]", f"expected a {{role, content}} object, got {kind_of(turn)}")
        role = as_text(turn.get("role"), path, line, f"prompt[{i}].role")
        content = as_text(turn.get("content"), path, line, f"prompt[{i}].content")
        if not role or content is None:
            raise DataError(str(path), line, f"prompt[{i}]", "needs a role and a content")
        out.append({"role": role, "content": content})
    if out[-1]["role"] != "user":
        raise DataError(str(path), line, "prompt", "expected a conversation ending with a user turn")
    return out


def _rubric(rec: dict, path: Path, line: int) -> list[dict]:
    rubrics = rec.get("rubrics")
    if not isinstance(rubrics, list) or not rubrics:
        raise DataError(str(path), line, "rubrics", "missing or empty")
    out = []
    for i, r in enumerate(rubrics):
        if not isinstance(r, dict):
            raise DataError(str(path), line, f"rubrics[{i}]", f"expected a {{criterion, points, tags}} object, got {kind_of(r)}")
        criterion = as_text(r.get("criterion"), path, line, f"rubrics[{i}].criterion")
        points = r.get("points")
        if not isinstance(points, (int, float)) or isinstance(points, bool) or not math.isfinite(points):
            raise DataError(str(path), line, f"rubrics[{i}].points", f"expected a finite number, got {kind_of(points)}")
        if not criterion:
            raise DataError(str(path), line, f"rubrics[{i}]", "needs a criterion and numeric points")
        tags = r.get("tags") or []
        if not isinstance(tags, list):
            raise DataError(str(path), line, f"rubrics[{i}].tags", f"expected a list of text, got {kind_of(tags)}")
        tags = [as_text(t, path, line, f"rubrics[{i}].tags[{j}]") for j, t in enumerate(tags)]
        out.append({"criterion": criterion, "points": points, "tags": [t for t in tags if t]})
    return out


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    items = []
    for line, rec in iter_jsonl(path):
        if isinstance(rec, DataError):
            raise rec
        turns, rubric = _turns(rec, path, line), _rubric(rec, path, line)
        tags = rec.get("example_tags") or []
        if not isinstance(tags, list):
            raise DataError(str(path), line, "example_tags", f"expected a list of text, got {kind_of(tags)}")
        tags = [t for j, t in enumerate(tags) if as_text(t, path, line, f"example_tags[{j}]")]
        theme = next((t.split(":", 1)[1] for t in tags if t.startswith("theme:")), None)
        ideal_data = rec.get("ideal_completions_data") or {}
        if not isinstance(ideal_data, dict):
            raise DataError(str(path), line, "ideal_completions_data", f"expected an object, got {kind_of(ideal_data)}")
        ideal = as_text(ideal_data.get("ideal_completion"), path, line, "ideal_completions_data.ideal_completion")
        prompt_id = as_text(rec.get("prompt_id"), path, line, "prompt_id", integral=True)
        items.append(item_or_error(
            path, line, id=prompt_id or str(line), benchmark=bench.name, question=turns[-1]["content"],
            context=_transcript(turns[:-1]) or None, answer=ideal or "", task=TaskType.open_ended,
            # The model answers the conversation itself (typed messages), not a flattened transcript.
            messages=turns, rubric=rubric,
            metadata={"answer_format": "conversation", "theme": theme, "example_tags": tags,
                      "ideal_completion": ideal},
        ))
    return items


register(Benchmark(
    name="healthbench_hard_lite50",
    description="HealthBench Hard, 50-item sample: health conversations graded against physician rubrics",
    task=TaskType.open_ended,
    subsets=("test",),
    paths={"test": "healthbench_hard_lite50/test.jsonl"},
    reader=read,
    scorers=("rubric",),
    aliases=("healthbench", "healthbench_hard"),
))
