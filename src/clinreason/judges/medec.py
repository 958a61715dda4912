"""`medec` — MEDEC error flag / sentence / correction scores. Rule-based (no judge model): MEDEC
runs score it inline; registered here too so `clinreason judge RUN --rubric medec` (or `auto`)
scores a run stored before that, or one of a user's own MEDEC-format file."""

from __future__ import annotations

from ..grading.scorers.medec import MedecScorer
from ..items import Item
from ..results import Prediction
from .rubrics import MAIN, RUBRICS, Rubric


@RUBRICS.register("medec")
class MedecRubric(Rubric):
    name = "medec"
    description = "MEDEC error flag accuracy, sentence accuracy, ROUGE-L of the correction (no judge model)"
    needs_judge = False
    variants = ()

    def applies(self, item: Item) -> bool:
        return MedecScorer().applies(item)

    async def score(self, judge, item: Item, output: str, variant: str = MAIN) -> dict:
        # The same scorer a MEDEC run applies inline: one definition of MEDEC's scores.
        return MedecScorer()(item, Prediction(output=output)).as_dict()
