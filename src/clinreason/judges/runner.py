"""Judge a stored run after the fact (or right after it ran): for each item with a prediction,
each applicable rubric scores it into the `scores` table. Resumable like runs: an item already
scored by a rubric is skipped unless `redo`; judge calls are cached, so redoing is cheap too.

A judge call that fails for good (a 413, retries exhausted) fails one unit (rubric x item), not
the session: the unit is stored as value None, label "judge_error" (detail: the error and the
judge), counted in the summary, and `retry_errors` redoes exactly those units.

Every judged item also gets the rubric's control units (controls.py), stored apart as
`judge:<rubric>@control`: the judge's accuracy on them says whether to believe its verdicts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Callable

from ..errors import ModelError
from ..items import Item
from ..store import Store
from .base import Judge
from .citations import evidence_from_prediction
from .controls import CONTROL, controls_for, has_controls, judge_controls, pick_other
from .rubrics import MAIN, RUBRICS, Rubric, scorer_name

AUTO = "auto"
JUDGE_ERROR = "judge_error"


def resolve_rubrics(names: list[str]) -> list[Rubric]:
    """Rubric names (or `auto` = every rubric; each then picks the items it applies to)."""
    if not names or AUTO in names:
        return [cls() for _, cls in RUBRICS.items()]
    return [RUBRICS.get(n)() for n in names]


@dataclass
class JudgeProgress:
    total: int
    done: int = 0
    invalid: int = 0
    errors: int = 0  # units whose judge call failed for good (stored as "judge_error")
    by_scorer: dict[str, int] = field(default_factory=dict)


def error_score(error: Exception, judge: Judge | None, rubric: Rubric, variant: str) -> dict:
    """A unit whose judge call failed for good: recorded and counted, never guessed."""
    return {"value": None, "label": JUDGE_ERROR,
            "detail": {"error": str(error) or type(error).__name__, "error_type": type(error).__name__,
                       "judge": judge.identity if judge is not None else None,
                       "rubric": rubric.name, "variant": variant}}


async def judge_run(store: Store, run_id: str, judge: Judge | None, rubrics: list[Rubric], *,
                    limit: int | None = None, trust: bool = False, redo: bool = False, workers: int = 1,
                    retry_errors: bool = False, controls: bool = True,
                    on_progress: Callable[[JudgeProgress], None] | None = None) -> JudgeProgress:
    """Judge the run's predictions. retry_errors: only the units stored as "judge_error";
    controls: also the control units of the rubrics that have them (see controls.py)."""
    if limit is not None and limit < 1:
        raise ValueError(f"--limit must be at least 1, got {limit}")
    store.require_run(run_id)
    missing = [r.name for r in rubrics if r.needs_judge and judge is None]
    if missing and judge is None:
        raise ValueError(f"rubric(s) {', '.join(missing)} need a judge model: pass --judge SPEC")
    ordered = store.run_items(run_id)
    items = {item.id: item for item in ordered}
    position = {item.id: i for i, item in enumerate(ordered)}
    preds = [p for p in store.predictions(run_id) if p["status"] == "ok" and p["item_id"] in items]
    if limit:
        preds = preds[:limit]
    stored = {(s["scorer"], s["item_id"]): s["label"] for s in store.scores(run_id)}
    tasks: list[tuple[Rubric, str, Item, str, dict | Item | None]] = []
    for pred in preds:
        item = items[pred["item_id"]]
        for rubric in rubrics:
            if not rubric.applies(item):
                continue
            evidence = None
            if getattr(rubric, "uses_evidence", False):
                # A rubric may read its own evidence from the trace (faithfulness: the dialogue's
                # exchanges); else the passages the method numbered and those its answer cited.
                own = getattr(rubric, "evidence_from", None)
                evidence = own(pred["trace"]) if own else evidence_from_prediction(pred)
                if not evidence:
                    continue
            for variant in (MAIN, *(rubric.variants if trust or retry_errors else ())):
                label = stored.get((scorer_name(rubric.scorer, variant), item.id))
                if retry_errors:
                    todo = label == JUDGE_ERROR
                else:
                    todo = redo or label is None
                if todo:
                    tasks.append((rubric, variant, item, pred["output"] or "", evidence))
            if controls and judge is not None and has_controls(rubric):
                label = stored.get((scorer_name(rubric.scorer, CONTROL), item.id))
                other = pick_other(ordered, position[item.id])  # its gold: a wrong answer to this item
                if ((label == JUDGE_ERROR) if retry_errors else (redo or label is None)) \
                        and controls_for(rubric, item, other):
                    tasks.append((rubric, CONTROL, item, "", other))
    progress = JudgeProgress(total=len(tasks))
    queue = iter(tasks)

    async def worker() -> None:
        for rubric, variant, item, output, evidence in queue:
            try:
                if variant == CONTROL:  # `evidence` holds the other item whose gold is a wrong answer
                    score = await judge_controls(rubric, judge, item, evidence)
                elif evidence is None:
                    score = await rubric.score(judge, item, output, variant)
                else:  # grounded answers: the passages the method retrieved, by id
                    score = await rubric.score(judge, item, output, variant, evidence=evidence)
            except ModelError as e:  # this unit failed for good; the others go on
                score = error_score(e, judge, rubric, variant)
            scorer = scorer_name(rubric.scorer, variant)
            store.save_score(run_id, item.id, scorer, score)
            progress.done += 1
            progress.invalid += int(score["label"] in ("judge_invalid", "judge_refused"))
            progress.errors += int(score["label"] == JUDGE_ERROR)
            progress.by_scorer[scorer] = progress.by_scorer.get(scorer, 0) + 1
            if on_progress:
                on_progress(progress)

    await asyncio.gather(*[worker() for _ in range(max(1, workers))])
    return progress
