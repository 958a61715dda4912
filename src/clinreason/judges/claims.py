"""`judge:claims` — decompose a free-form answer into atomic medical claims and verify each
against the item's reference text (MedScore style)."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..grading.claims import claim_shares
from ..items import Item
from .base import Judge
from .reasoning import gold_text
from .rubrics import MAIN, RUBRICS, Rubric, invalid_score, seed_offset

MAX_CLAIMS = 12


class Claim(BaseModel):
    claim: str = Field(min_length=1)
    verdict: Literal["supported", "contradicted", "unverifiable"]


class ClaimsJudgement(BaseModel):
    # Neutral placeholders, not medical statements: a judge that copies the example must not look
    # like it checked the case (and a verdict identical to the example is refused, see base.py).
    model_config = ConfigDict(json_schema_extra={"example": {"claims": [
        {"claim": "<first atomic claim of the response, in its words>", "verdict": "supported"},
        {"claim": "<second atomic claim>", "verdict": "unverifiable"}]}})
    claims: list[Claim]


def reference_text(item: Item) -> str | None:
    """What claims are checked against: the reference reasoning and answer, or the rubric's
    ideal completion. None when the item has nothing to check against."""
    parts = []
    if item.explanation:
        parts.append(item.explanation)
    if item.metadata.get("ideal_completion"):
        parts.append(str(item.metadata["ideal_completion"]))
    if parts or item.answer:
        parts.append(f"Correct answer: {gold_text(item)}")
    return "\n\n".join(parts) if parts else None


@RUBRICS.register("claims")
class ClaimsRubric(Rubric):
    name = "claims"
    description = "atomic claims: supported / contradicted / unverifiable shares against the reference"

    async def score(self, judge: Judge, item: Item, output: str, variant: str = MAIN) -> dict:
        reference = reference_text(item)
        if not (output or "").strip():
            return {"value": None, "label": "no_response", "detail": {"judge": judge.identity}}
        if reference is None:  # nothing to verify against: every claim would be "unverifiable"
            return {"value": None, "label": "no_reference", "detail": {"judge": judge.identity}}
        verdict = await judge.ask("judge_claims", ClaimsJudgement, item_id=item.id, tag="judge:claims",
                                  seed_offset=seed_offset(variant), reference=reference, response=output,
                                  max_claims=MAX_CLAIMS)
        if not verdict.ok:
            return invalid_score(verdict, judge)
        claims = verdict.value.claims[:MAX_CLAIMS]
        verdicts = [c.verdict for c in claims]
        shares = claim_shares(verdicts)
        # One item-level label for agreement: claim splits differ between calls, so units are
        # the verdict counts' majority rather than individual claims.
        majority = Counter(verdicts).most_common(1)[0][0] if verdicts else "none"
        return {"value": shares["supported"], "label": majority, "detail": {
            "judge": judge.identity, **shares, "claims": [c.model_dump() for c in claims],
            "units": {"majority": majority}, "cost": verdict.cost()}}
