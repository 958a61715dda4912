"""`medec`: MEDEC's own scores, rule-based (no model): error-flag accuracy, erroneous-sentence
accuracy (the headline, as in the paper), ROUGE of the corrected sentence."""

from __future__ import annotations

from ...items import Item
from ...results import Prediction, Score
from ..medec import score_medec
from .base import SCORERS, Metric, Scorer


@SCORERS.register("medec")
class MedecScorer(Scorer):
    name = "medec"
    version = "1"
    description = "MEDEC error flag, error sentence and correction (ROUGE-L/ROUGE-1), rule-based"
    metrics = (
        Metric("sentence_accuracy", "mean"),
        Metric("flag_accuracy", "detail_mean", "flag_correct"),
        Metric("rouge_l", "detail_mean", "rouge_l"),
        Metric("rouge_1", "detail_mean", "rouge_1"),
        Metric("unparsed_rate", "label_rate", "unparsed"),
    )

    def applies(self, item: Item) -> bool:
        return item.metadata.get("answer_format") == "medec"

    def score(self, item: Item, prediction: Prediction) -> Score:
        m = item.metadata
        s = score_medec(prediction.output, int(m["error_flag"]), int(m["error_sentence_id"]),
                        m.get("corrected_sentence"))
        return Score(value=s["sentence_correct"], label="parsed" if s["prediction"]["parsed"] else "unparsed",
                     detail={**s, "gold": {"flag": m["error_flag"], "sentence_id": m["error_sentence_id"],
                                           "correction": m.get("corrected_sentence")}})
