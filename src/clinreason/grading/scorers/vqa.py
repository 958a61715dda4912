"""`vqa`: short answers of visual question answering (VQA-RAD). Yes/no items are read and graded
exactly as the `answer` scorer grades them (the yes/no parser, so a vote and the grade agree); every
other item (closed answers such as "left" or "flair", open answers) by normalised exact match, with
the token F1 in `detail["f1"]` (averaged as the `token_f1` metric).

Normalisation: lower case, punctuation dropped, the articles a/an/the dropped, number words up to
twenty written as digits ("two" == "2"), whitespace collapsed."""

from __future__ import annotations

import re
import string
from collections import Counter

from ...items import AnswerFormat, Item
from ...results import Prediction, Score
from ..medec import overlap_f1
from .answer import AnswerScorer, read_prediction
from .base import SCORERS, Metric, Scorer

SCORER = "vqa"
_NUMBERS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
            "sixteen seventeen eighteen nineteen twenty").split()
NUMBER_WORDS = {word: str(i) for i, word in enumerate(_NUMBERS)}
ARTICLES = {"a", "an", "the"}
# Punctuation becomes a space, except inside numbers ("2.5") and a hyphen/apostrophe inside words.
_PUNCT = re.compile(rf"(?<!\d)\.|\.(?!\d)|[{re.escape(string.punctuation.replace('.', ''))}]")


def tokens(text: str | None) -> list[str]:
    """The normalised tokens of an answer."""
    words = _PUNCT.sub(" ", (text or "").lower()).split()
    return [NUMBER_WORDS.get(w, w) for w in words if w not in ARTICLES]


def normalize(text: str | None) -> str:
    return " ".join(tokens(text))


def token_f1(prediction: str | None, gold: str) -> float:
    """SQuAD-style token F1 between the normalised answers (1.0 when both are empty)."""
    pred, true = tokens(prediction), tokens(gold)
    if not pred or not true:
        return float(pred == true)
    return overlap_f1(sum((Counter(pred) & Counter(true)).values()), len(pred), len(true))


@SCORERS.register(SCORER, aliases=("vqa_exact",))
class VqaScorer(Scorer):
    name = SCORER
    version = "1"
    description = "VQA short answers: yes/no as the answer scorer; others normalised exact match + token F1"
    metrics = (
        Metric("accuracy", "mean"),
        Metric("token_f1", "detail_mean", "f1"),
        Metric("accuracy_strict_format", "value_where", "strict"),
        Metric("unparsed_rate", "label_rate", "unparsed"),
        Metric("answer_rules", "detail_counts", "rule"),
    )

    def score(self, item: Item, prediction: Prediction) -> Score:
        if item.format == AnswerFormat.yes_no_maybe:
            score = AnswerScorer().score(item, prediction)
            return score.model_copy(update={"detail": {**score.detail, "f1": score.value, "exact": score.value == 1.0}})
        read = read_prediction(item, prediction)
        exact = read.answer is not None and normalize(read.answer) == normalize(item.answer) != ""
        f1 = token_f1(read.answer, item.answer) if read.answer is not None else 0.0
        detail = {"rule": read.rule, "strict": read.strict, "gold": item.answer, "exact": exact, "f1": f1}
        label = "unparsed" if read.answer is None else (normalize(read.answer) or "unparsed")[:80]
        return Score(value=float(exact), label=label, detail=detail)
