"""The scorer contract: pure functions of (item, prediction) -> Score, chosen per benchmark, each
declaring the metrics its scores aggregate into, so the store summarises any scorer generically."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from ...items import Item
from ...registry import Registry
from ...results import Prediction, Score

MetricKind = Literal["mean", "label_rate", "value_where", "detail_mean", "detail_counts", "chance"]


@dataclass(frozen=True)
class Metric:
    """One number (or table) a scorer's stored scores aggregate into, computed in SQL by the store.

    mean           mean of `value` over graded items, with a 95% CI (the headline)
    label_rate     share of graded items whose label is `arg` (e.g. "unparsed")
    value_where    mean of `value` counting only items whose detail[`arg`] is true (e.g. strict format)
    detail_mean    mean of the number detail[`arg`] where present, with a 95% CI (e.g. rouge_l)
    detail_counts  how many items have each value of detail[`arg`] (e.g. which parser rule fired)
    chance         expected `mean` of a uniform guess among the item's options
    """

    name: str
    kind: MetricKind
    arg: str | None = None


class Scorer:
    """Subclass, set `name`, `version` and `metrics`, implement `score`; register in SCORERS.
    Bump `version` whenever the scores it gives could change: `clinreason regrade` redoes the
    stored scores of older versions."""

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    description: ClassVar[str] = ""
    metrics: ClassVar[tuple[Metric, ...]] = (Metric("mean", "mean"),)
    needs_model: ClassVar[bool] = False  # judges: scored by `clinreason judge`, not inline
    # Scorers that read what the method recorded besides its prediction (dialogue turns, model calls)
    # set this: `score` then also gets `trace`, the item's events as stored JSON dicts (the engine
    # and `regrade` pass them; the scorer stays a pure function of its inputs).
    uses_trace: ClassVar[bool] = False

    def applies(self, item: Item) -> bool:
        return True

    def score(self, item: Item, prediction: Prediction) -> Score:
        raise NotImplementedError

    def __call__(self, item: Item, prediction: Prediction, trace: list[dict] | None = None) -> Score:
        score = self.score(item, prediction, trace) if self.uses_trace else self.score(item, prediction)
        return score.model_copy(update={"version": self.version})


SCORERS: Registry[type[Scorer]] = Registry("scorer")  # filled by the package's modules (see __init__)


def error_score(item: Item, message: str) -> Score:
    """A prediction that failed (the model errored): counted as wrong, labelled so."""
    return Score(value=0.0, label="error", detail={"rule": "error", "strict": False, "gold": item.answer,
                                                   "error": message})


def build_scorers(names: tuple[str, ...] | list[str]) -> list[Scorer]:
    if not names:
        raise ValueError("a run needs at least one scorer")
    return [SCORERS.get(n)() for n in names]
