"""Control units: cases whose right verdict is known, judged beside the real ones so that a judge
is checked, not trusted. Stored as `judge:<rubric>@control` (one score per item and rubric, its
detail listing each control), so they never mix with real verdicts.

- equivalence: the item's gold answer as the candidate (must be judged a match / rank 1), and
  another item's gold (must be judged no match);
- claims: the item's own reference text as the response (its claims must be mostly supported), and
  another item's reference (mostly not supported: unverifiable or contradicted);
- reasoning: the item's reference explanation with the gold answer (must be judged sound), and,
  as a *soft* control, the same steps shuffled. A shuffle breaks the argument's order but keeps
  every step true, and steps that are independent facts still support the answer in any order,
  so "unsound" is expected but not required: soft controls are reported apart and never count
  toward control accuracy.
Citations, faithfulness and HealthBench rubric criteria have no verdict known in advance (they
need retrieved evidence, a dialogue, or a physician's criterion met by some text): no controls.

A control the judge answers with invalid output (e.g. its prompt's own example: see
base.repeats_example) counts as wrong: a judge that copies its prompt fails its controls."""

from __future__ import annotations

import asyncio
import hashlib
import random
from dataclasses import dataclass

from ..grading.reasoning import split_steps
from ..items import Item, TaskType
from .base import Judge
from .rubrics import MAIN, Rubric

CONTROL = "control"  # the scorer-name variant: judge:<rubric>@control
CONTROLLED = ("equivalence", "claims", "reasoning")


@dataclass(frozen=True)
class Control:
    kind: str  # gold, other_gold, reference, other_reference, shuffled
    output: str  # what the judge is shown as the response
    expected: tuple[str, ...]  # the labels a reliable judge may give
    hard: bool = True  # counts toward control accuracy


def has_controls(rubric: Rubric) -> bool:
    return rubric.needs_judge and rubric.name in CONTROLLED


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").strip().casefold() == (b or "").strip().casefold()


def pick_other(items: list[Item], index: int) -> Item | None:
    """The item after items[index] in run order (wrapping round) with a different gold answer: its
    gold is a wrong answer to this one. None in a run of one item (or of one answer)."""
    item = items[index]
    for step in range(1, len(items)):
        other = items[(index + step) % len(items)]
        if other.id != item.id and not _same(other.answer, item.answer):
            return other
    return None


def controls_for(rubric: Rubric, item: Item, other: Item | None) -> list[Control]:
    if rubric.name == "equivalence":
        match = ("rank1",) if item.task == TaskType.ranked_list else ("match",)
        out = [Control("gold", f"ANSWER: {item.answer}", match)]
        if other is not None:
            out.append(Control("other_gold", f"ANSWER: {other.answer}", ("no_match",)))
        return out
    if rubric.name == "claims":
        out = [Control("reference", item.explanation, ("supported",))] if item.explanation else []
        if other is not None and other.explanation and not _same(other.explanation, item.explanation):
            out.append(Control("other_reference", other.explanation, ("unverifiable", "contradicted")))
        return out
    if rubric.name == "reasoning":
        steps = split_steps(item.explanation or "")
        if not steps:
            return []
        out = [Control("reference", "\n".join(steps) + f"\nANSWER: {item.answer}", ("sound",))]
        if len(steps) >= 2:
            out.append(Control("shuffled", "\n".join(shuffled(steps, item.id)) + f"\nANSWER: {item.answer}",
                               ("unsound",), hard=False))
        return out
    return []


def shuffled(steps: list[str], key: str) -> list[str]:
    """A deterministic permutation of the steps (seeded by the item id) that is never the identity."""
    order = list(steps)
    random.Random(int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)).shuffle(order)
    return order if order != steps else steps[::-1]


async def judge_controls(rubric: Rubric, judge: Judge, item: Item, other: Item | None) -> dict | None:
    """Judge every control of the item; None when the rubric has none for it."""
    controls = controls_for(rubric, item, other)
    if not controls:
        return None
    scores = await asyncio.gather(*[rubric.score(judge, item, c.output, MAIN) for c in controls])
    results = [{"kind": c.kind, "expected": list(c.expected), "got": s["label"], "correct": s["label"] in c.expected,
                "hard": c.hard} for c, s in zip(controls, scores)]
    hard = [r for r in results if r["hard"]]
    right = sum(r["correct"] for r in hard)
    costs = [s["detail"].get("cost") or {} for s in scores]
    return {"value": right / len(hard) if hard else None, "label": f"{right}/{len(hard)} controls right",
            "detail": {"judge": judge.identity, "controls": results, "other_item": other.id if other else None,
                       "units": {r["kind"]: "right" if r["correct"] else "wrong" for r in results},
                       "cost": {"call_ids": [i for c in costs for i in c.get("call_ids", [])],
                                "prompt_tokens": sum(c.get("prompt_tokens", 0) for c in costs),
                                "completion_tokens": sum(c.get("completion_tokens", 0) for c in costs)}}}
