"""`judge:rubric` — HealthBench-style rubric grading: one judge call per physician-written
criterion (as simple-evals does), points summed with negative criteria, normalized and clipped."""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, ConfigDict

from ..grading.rubric import rubric_score, tag_scores
from ..items import Item
from .base import PLACEHOLDER_REASON, Judge
from .rubrics import MAIN, RUBRICS, Rubric, seed_offset


class CriterionJudgement(BaseModel):
    # A placeholder, not a statement about any response (a verdict identical to it is refused).
    model_config = ConfigDict(json_schema_extra={"example": {"explanation": PLACEHOLDER_REASON, "met": False}})
    explanation: str = ""
    met: bool


def conversation_text(item: Item) -> str:
    if item.messages:
        turns = [{"role": m.role, "content": m.content} for m in item.messages]
    else:  # items stored before v2 kept the conversation in metadata
        turns = item.metadata.get("conversation") or [{"role": "user", "content": item.question}]
    return "\n\n".join(f"{t['role']}: {t['content']}" for t in turns)


def criteria_of(item: Item) -> list[dict]:
    """The item's rubric (Item v2), or the metadata copy that items stored before v2 carry."""
    if item.rubric:
        return [c.model_dump() for c in item.rubric]
    return item.metadata.get("rubrics") or []


@RUBRICS.register("rubric")
class HealthBenchRubric(Rubric):
    name = "rubric"
    description = "HealthBench criteria met / not met -> clipped points score, per-axis/theme breakdown"

    def applies(self, item: Item) -> bool:
        return bool(criteria_of(item))

    async def score(self, judge: Judge, item: Item, output: str, variant: str = MAIN) -> dict:
        criteria = criteria_of(item)
        conversation = conversation_text(item)
        verdicts = await asyncio.gather(*[
            judge.ask("judge_rubric", CriterionJudgement, item_id=item.id, tag=f"judge:rubric:{i}",
                      seed_offset=seed_offset(variant), conversation=conversation, response=output,
                      criterion=c["criterion"], points=c["points"])
            for i, c in enumerate(criteria)])
        met = [v.value.met if v.ok else None for v in verdicts]
        invalid = sum(m is None for m in met)
        cost = {"call_ids": [i for v in verdicts for i in v.call_ids],
                "prompt_tokens": sum(v.prompt_tokens for v in verdicts),
                "completion_tokens": sum(v.completion_tokens for v in verdicts),
                "cached_calls": sum(v.cached_calls for v in verdicts), "attempts": sum(v.attempts for v in verdicts)}
        judged = [(c, m) for c, m in zip(criteria, met) if m is not None]
        value = rubric_score([c["points"] for c, _ in judged], [m for _, m in judged]) if judged else None
        # Item-level tags (themes) score the whole item; criterion tags (axes) score their subset.
        tags = tag_scores(criteria, met)
        if value is not None:
            for tag in item.metadata.get("example_tags") or []:
                tags[tag] = value
        return {"value": value, "label": "judge_invalid" if value is None else f"{sum(bool(m) for m in met)}/{len(met)} met",
                "detail": {"judge": judge.identity, "n_criteria": len(criteria), "n_invalid": invalid,
                           "met": met, "points": [c["points"] for c in criteria], "tag_scores": tags,
                           "errors": [v.error for v in verdicts if not v.ok][:3],
                           "units": {f"c{i}": ("met" if m else "not_met") for i, m in enumerate(met) if m is not None},
                           "cost": cost}}
