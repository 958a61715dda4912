"""Scorers that need a model: a judge's rubric verdicts. They are named in a benchmark's scorers so
the plan records them, but they run in `clinreason judge` (or `run --judge`), never inline, because
they need a judge role (see clinreason.judges)."""

from __future__ import annotations

from ...items import Item
from ...results import Prediction, Score
from .base import SCORERS, Metric, Scorer


class _Judged(Scorer):
    needs_model = True
    rubric: str = ""

    def score(self, item: Item, prediction: Prediction) -> Score:
        raise RuntimeError(f"scorer {self.name!r} needs a judge model: run `clinreason judge RUN --rubric {self.rubric}`")


@SCORERS.register("judge", aliases=("equivalence",))
class EquivalenceScorer(_Judged):
    name = "judge"
    rubric = "equivalence"
    description = "a judge model decides whether a free-text answer means the gold (clinreason judge)"
    metrics = (Metric("accuracy", "mean"),)


@SCORERS.register("rubric")
class RubricScorer(_Judged):
    name = "rubric"
    rubric = "rubric"
    description = "a judge model checks each criterion of the item's rubric (HealthBench; clinreason judge)"
    metrics = (Metric("score", "detail_mean", "score"),)
