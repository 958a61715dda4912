"""`judge:reasoning` — per-step relevance and factuality, coverage of the reference reasoning,
and an overall soundness verdict (for "right answer, wrong reasoning")."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..grading.reasoning import completeness, efficiency, factuality, key_points, split_steps
from ..items import Item
from .base import PLACEHOLDER_REASON, InvalidJudgement, Judge
from .rubrics import MAIN, RUBRICS, Rubric, invalid_score, seed_offset


class StepVerdict(BaseModel):
    step: int
    relevant: bool
    correct: bool


class ReasoningJudgement(BaseModel):
    # Neutral placeholder content (base.PLACEHOLDER_REASON): a copied example is refused, never taken as a verdict.
    model_config = ConfigDict(json_schema_extra={"example": {
        "steps": [{"step": 1, "relevant": True, "correct": True}, {"step": 2, "relevant": False, "correct": True}],
        "covered_key_points": [1, 3], "sound": False, "reason": PLACEHOLDER_REASON}})
    steps: list[StepVerdict]
    covered_key_points: list[int] = Field(default_factory=list)
    sound: bool
    reason: str = ""


def gold_text(item: Item) -> str:
    if item.options and item.answer in item.options:
        return f"{item.answer}. {item.options[item.answer]}"
    return item.answer


@RUBRICS.register("reasoning")
class ReasoningRubric(Rubric):
    name = "reasoning"
    description = "step relevance (efficiency), step factuality, reference coverage (completeness), soundness"

    async def score(self, judge: Judge, item: Item, output: str, variant: str = MAIN) -> dict:
        steps = split_steps(output)
        points = key_points(item.explanation)
        if not steps:
            return {"value": None, "label": "no_reasoning", "detail": {"n_steps": 0, "judge": judge.identity}}

        def check(j: ReasoningJudgement) -> None:
            if len(j.steps) != len(steps):
                raise InvalidJudgement(f"expected {len(steps)} step verdicts, got {len(j.steps)}")

        verdict = await judge.ask("judge_reasoning", ReasoningJudgement, item_id=item.id, tag="judge:reasoning",
                                  seed_offset=seed_offset(variant), check=check, item=item, gold=gold_text(item),
                                  steps=steps, key_points=points)
        if not verdict.ok:
            return invalid_score(verdict, judge, n_steps=len(steps))
        j = verdict.value
        relevant = [s.relevant for s in j.steps]
        correct = [s.correct for s in j.steps]
        units = {"sound": "yes" if j.sound else "no"}
        for i, s in enumerate(j.steps, start=1):
            units[f"step{i}.relevant"] = str(s.relevant).lower()
            units[f"step{i}.correct"] = str(s.correct).lower()
        return {"value": float(j.sound), "label": "sound" if j.sound else "unsound", "detail": {
            "judge": judge.identity, "n_steps": len(steps), "n_key_points": len(points),
            "efficiency": efficiency(relevant), "factuality": factuality(correct),
            "completeness": completeness(j.covered_key_points, len(points)),
            "covered_key_points": sorted({c for c in j.covered_key_points if 1 <= c <= len(points)}),
            "sound": j.sound, "steps": [s.model_dump() for s in j.steps], "units": units, "cost": verdict.cost()}}
