"""HealthBench Hard, 50-item "lite" sample (seed 42; a fork's re-dump of OpenAI's file).

test.jsonl: {prompt: [{role, content}], rubrics: [{criterion, points, tags}], example_tags, prompt_id,
ideal_completions_data}. The last user turn is the question, earlier turns the context; the rubric
(graded by `clinreason judge --rubric rubric`) is the item's rubric; the conversation its messages.
"""

from __future__ import annotations

from pathlib import Path

from ..items import DataError, Item, TaskType
from .base import Benchmark, item_or_error, iter_jsonl, register


def _transcript(turns: list[dict]) -> str:
    return "\n\n".join(f"{t['role']}: {t['content']}" for t in turns)


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    items = []
    for line, rec in iter_jsonl(path):
        if isinstance(rec, DataError):
            raise rec
        turns, rubrics = rec.get("prompt"), rec.get("rubrics")
        if not isinstance(turns, list) or not turns or turns[-1].get("role") != "user":
            raise DataError(str(path), line, "prompt", "expected a conversation ending with a user turn")
        if not isinstance(rubrics, list) or not rubrics:
            raise DataError(str(path), line, "rubrics", "missing or empty")
        for i, r in enumerate(rubrics):
            if not isinstance(r.get("points"), (int, float)) or not r.get("criterion"):
                raise DataError(str(path), line, f"rubrics[{i}]", "needs a criterion and numeric points")
        tags = rec.get("example_tags") or []
        theme = next((t.split(":", 1)[1] for t in tags if t.startswith("theme:")), None)
        ideal = (rec.get("ideal_completions_data") or {}).get("ideal_completion")
        items.append(item_or_error(
            path, line, id=str(rec.get("prompt_id") or line), benchmark=bench.name, question=turns[-1]["content"],
            context=_transcript(turns[:-1]) or None, answer=ideal or "", task=TaskType.open_ended,
            # The model answers the conversation itself (typed messages), not a flattened transcript.
            messages=[{"role": t["role"], "content": t["content"]} for t in turns],
            rubric=[{"criterion": r["criterion"], "points": r["points"], "tags": r.get("tags") or []}
                    for r in rubrics],
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
