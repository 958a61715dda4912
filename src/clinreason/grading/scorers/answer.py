"""`answer`: the final answer read by the item format's parser, compared with the gold exactly
(letters, yes/no/maybe, dates, (weeks, days) pairs, sets of letters) or within the item's tolerance
(numbers). Sets of letters also get the Hamming score (FrenchMedMCQA: |pred ∩ gold| / |pred ∪ gold|)
in `detail["hamming"]`, averaged as the `hamming` metric."""

from __future__ import annotations

from ...items import AnswerFormat, Item
from ...results import Prediction, Score
from ..parsers import Extraction, canonical_number, parse_answer, parse_gold
from .base import SCORERS, Metric, Scorer

SCORER = "answer"
GRADABLE = {AnswerFormat.letter, AnswerFormat.letters, AnswerFormat.yes_no_maybe, AnswerFormat.number,
            AnswerFormat.date, AnswerFormat.weeks_days}


def read_prediction(item: Item, prediction: Prediction) -> Extraction:
    """What a prediction answers, and how that was read: the method's own answer when it set one (a
    vote, the extractor: its `rule`/`strict`, or "method" and strict when it gave none), else the
    item format's parser reading the output."""
    if prediction.answer is None:
        return parse_answer(prediction.output, item)
    answer: str | None = prediction.answer
    if item.format in (AnswerFormat.number, AnswerFormat.weeks_days):  # several spellings: the parser's own
        try:
            answer = canonical_number(float(answer)) if item.format == AnswerFormat.number else None
        except (ValueError, OverflowError):
            answer = None
        answer = answer or parse_answer(prediction.answer, item).answer
    rule = prediction.rule or "method"
    strict = True if prediction.strict is None else prediction.strict
    return Extraction(answer, rule, strict)


def hamming(answer: str | None, gold: str) -> float:
    """|pred ∩ gold| / |pred ∪ gold| over sets of option letters (0 for no answer)."""
    pred = {x for x in (answer or "").split(",") if x}
    true = {x for x in gold.split(",") if x}
    return len(pred & true) / len(pred | true) if pred | true else 1.0


@SCORERS.register(SCORER, aliases=("exact", "letter", "multi_letter", "numeric", "tolerance"))
class AnswerScorer(Scorer):
    name = SCORER
    version = "3"
    description = ("final answer vs gold: exact letter(s) / yes-no-maybe / date / (weeks, days), numbers within "
                   "tolerance; Hamming score for sets of letters")
    metrics = (
        Metric("accuracy", "mean"),
        # Only answers given in the requested `ANSWER: X` format count here: loose extraction rules
        # can turn noise into chance-level "accuracy", and this shows how much of that there is.
        Metric("accuracy_strict_format", "value_where", "strict"),
        Metric("unparsed_rate", "label_rate", "unparsed"),
        Metric("answer_rules", "detail_counts", "rule"),
        Metric("chance_accuracy", "chance"),
        Metric("hamming", "detail_mean", "hamming"),  # sets of letters only (FrenchMedMCQA)
    )

    def score(self, item: Item, prediction: Prediction) -> Score:
        fmt = item.format
        if fmt not in GRADABLE:
            return Score(value=None, label="needs_judge", detail={"rule": "none", "strict": False, "gold": item.answer})
        read = read_prediction(item, prediction)
        answer = read.answer
        detail = {"rule": read.rule, "strict": read.strict, "gold": item.answer}
        if fmt == AnswerFormat.number:
            return _numeric(item, answer, detail)
        gold = parse_gold(item)
        if fmt == AnswerFormat.letters:
            detail["hamming"] = hamming(answer, gold)
        # An exam that accepted several answers (IgakuQA 112B30: "a or d") lists them in metadata.
        accepted = {gold, *(item.metadata.get("accepted_answers") or [])}
        correct = answer is not None and answer in accepted
        return Score(value=float(correct), label=answer or "unparsed", detail=detail)


def _numeric(item: Item, answer: str | None, detail: dict) -> Score:
    gold = float(item.answer)
    tol = item.tolerance_range
    lower = tol.lower if tol and tol.lower is not None else gold
    upper = tol.upper if tol and tol.upper is not None else gold
    value = float(answer) if answer is not None else None
    if value is not None and tol is not None and tol.rule == "rounded":
        value = round(value, tol.decimals or 0)
    correct = value is not None and lower <= value <= upper
    detail.update(lower=lower, upper=upper)
    return Score(value=float(correct), label="unparsed" if value is None else repr(value), detail=detail)
