"""`answer`: the final answer read by the item format's parser, compared with the gold exactly
(letters, yes/no/maybe, dates, sets of letters) or within the item's tolerance (numbers)."""

from __future__ import annotations

from ...items import AnswerFormat, Item
from ...results import Prediction, Score
from ..parsers import parse_answer
from .base import SCORERS, Metric, Scorer

SCORER = "answer"
GRADABLE = {AnswerFormat.letter, AnswerFormat.letters, AnswerFormat.yes_no_maybe, AnswerFormat.number,
            AnswerFormat.date}


@SCORERS.register(SCORER, aliases=("exact", "letter", "multi_letter", "numeric", "tolerance"))
class AnswerScorer(Scorer):
    name = SCORER
    version = "2"
    description = "final answer vs gold: exact letter(s) / yes-no-maybe / date, numbers within tolerance"
    metrics = (
        Metric("accuracy", "mean"),
        # Only answers given in the requested `ANSWER: X` format count here: loose extraction rules
        # can turn noise into chance-level "accuracy", and this shows how much of that there is.
        Metric("accuracy_strict_format", "value_where", "strict"),
        Metric("unparsed_rate", "label_rate", "unparsed"),
        Metric("answer_rules", "detail_counts", "rule"),
        Metric("chance_accuracy", "chance"),
    )

    def score(self, item: Item, prediction: Prediction) -> Score:
        fmt = item.format
        if fmt not in GRADABLE:
            return Score(value=None, label="needs_judge", detail={"rule": "none", "strict": False, "gold": item.answer})
        if prediction.answer is not None and fmt != AnswerFormat.number:
            answer = prediction.answer
            rule = prediction.rule or "method"
            strict = True if prediction.strict is None else prediction.strict
        else:
            read = parse_answer(prediction.output if prediction.answer is None else prediction.answer, item)
            answer, rule, strict = read.answer, read.rule, read.strict
        detail = {"rule": rule, "strict": strict, "gold": item.answer}
        if fmt == AnswerFormat.number:
            return _numeric(item, answer, detail)
        if fmt == AnswerFormat.letters:
            gold = ",".join(sorted(x.strip() for x in item.answer.split(",") if x.strip()))
            correct = answer is not None and answer == gold
        else:
            correct = answer is not None and answer == item.answer
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
    if detail["rule"] == "method":
        detail["strict"] = True
    return Score(value=float(correct), label="unparsed" if value is None else repr(value), detail=detail)
