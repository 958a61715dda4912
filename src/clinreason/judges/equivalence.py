"""`judge:equivalence` — is a free-text answer the gold diagnosis (synonyms, specificity)? For a
ranked differential: at which rank does the gold appear (top-1 / top-k accuracy)? The `swap`
variant shows the same texts in the other order to measure position bias."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..grading.open_ended import extract_differential, extract_open_answer
from ..items import Item, TaskType
from .base import PLACEHOLDER_REASON, InvalidJudgement, Judge
from .rubrics import MAIN, RUBRICS, SWAP, REPEAT, Rubric, invalid_score, is_open, seed_offset


class EquivalenceJudgement(BaseModel):
    # Neutral placeholder content (base.PLACEHOLDER_REASON): a copied example is refused, never taken as a verdict.
    model_config = ConfigDict(json_schema_extra={"example": {"equivalent": False, "reason": PLACEHOLDER_REASON}})
    equivalent: bool
    reason: str = ""


class RankJudgement(BaseModel):
    # Neutral placeholder content (base.PLACEHOLDER_REASON): a copied example is refused, never taken as a verdict.
    model_config = ConfigDict(json_schema_extra={"example": {"match": 0, "reason": PLACEHOLDER_REASON}})
    match: int = Field(ge=0)
    reason: str = ""


@RUBRICS.register("equivalence")
class EquivalenceRubric(Rubric):
    name = "equivalence"
    description = "open-ended answer vs gold diagnosis/treatment; rank of the gold in a differential"
    variants = (REPEAT, SWAP)

    def applies(self, item: Item) -> bool:
        return is_open(item)

    async def score(self, judge: Judge, item: Item, output: str, variant: str = MAIN) -> dict:
        if item.task == TaskType.ranked_list:
            return await self._ranked(judge, item, output, variant)
        answer, rule = extract_open_answer(output)
        if answer is None:
            return {"value": 0.0, "label": "unparsed", "detail": {"rule": rule, "judge": judge.identity}}
        first, second = (answer, item.answer) if variant == SWAP else (item.answer, answer)
        verdict = await judge.ask("judge_equivalence", EquivalenceJudgement, item_id=item.id,
                                  tag="judge:equivalence", seed_offset=seed_offset(variant), item=item,
                                  first=first, second=second)
        if not verdict.ok:
            return invalid_score(verdict, judge, answer=answer, rule=rule)
        same = verdict.value.equivalent
        return {"value": float(same), "label": "match" if same else "no_match", "detail": {
            "judge": judge.identity, "answer": answer, "rule": rule, "gold": item.answer, "match_rank": 1 if same else 0,
            "units": {"match": "yes" if same else "no"}, "cost": verdict.cost()}}

    async def _ranked(self, judge: Judge, item: Item, output: str, variant: str) -> dict:
        candidates, rule = extract_differential(output)
        if not candidates:
            return {"value": 0.0, "label": "unparsed", "detail": {"rule": rule, "match_rank": 0, "judge": judge.identity}}
        shown = candidates[::-1] if variant == SWAP else candidates

        def check(j: RankJudgement) -> None:
            if j.match > len(shown):
                raise InvalidJudgement(f"match must be 0..{len(shown)}, got {j.match}")

        verdict = await judge.ask("judge_ranked", RankJudgement, item_id=item.id, tag="judge:equivalence",
                                  seed_offset=seed_offset(variant), check=check, item=item, gold=item.answer,
                                  candidates=shown)
        if not verdict.ok:
            return invalid_score(verdict, judge, candidates=candidates, rule=rule)
        shown_rank = verdict.value.match
        # Map back to the model's own ranking so variants are comparable.
        rank = (len(shown) - shown_rank + 1) if (variant == SWAP and shown_rank) else shown_rank
        return {"value": float(rank == 1), "label": f"rank{rank}" if rank else "no_match", "detail": {
            "judge": judge.identity, "candidates": candidates, "rule": rule, "gold": item.answer, "match_rank": rank,
            "units": {"rank": str(rank)}, "cost": verdict.cost()}}
