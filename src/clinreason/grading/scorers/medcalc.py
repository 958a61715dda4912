"""`medcalc_errors`: where a tool-using answer to a MedCalc-Bench item went wrong, from the tool
inputs the model chose (`prediction.info["tool_uses"]`, written by the `tools` method) and the
item's Relevant Entities: no call to the item's calculator / entity-extraction error (inputs differ
from the entities beyond tolerance) / arithmetic-or-reading error (right inputs, wrong final answer)
/ correct. The value is 1 when the inputs matched the entities (entity-extraction accuracy); items
answered without the tools method are not graded (None)."""

from __future__ import annotations

import math
from typing import Any

from ...items import Item
from ...results import Prediction, Score
from ...units import UnitError, normalise
from .answer import AnswerScorer
from .base import SCORERS, Metric, Scorer

RELATIVE_TOLERANCE = 0.05  # a value read within 5% of the annotated entity counts as read right
LABELS = ("correct", "no_tool_call", "extraction_error", "arithmetic_error")


def _same_number(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return False
    return math.isclose(float(a), float(b), rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-9)


def same_value(given: Any, gold: Any) -> bool:
    """Whether a model's input equals an annotated entity: booleans and text exactly (text up to case),
    numbers within 5%, [value, unit] after converting the model's unit to the entity's."""
    if isinstance(gold, bool) or isinstance(given, bool):
        return given is gold
    if isinstance(gold, (int, float)):
        return _same_number(given, gold)
    if isinstance(gold, str):
        return isinstance(given, str) and given.strip().lower() == gold.strip().lower()
    if isinstance(given, dict) and set(given) == {"value", "unit"}:
        given = [given["value"], given["unit"]]
    if isinstance(gold, (list, tuple)) and isinstance(given, (list, tuple)) and len(given) == len(gold):
        *head, value, unit = given
        *gold_head, gold_value, gold_unit = gold
        if [str(h).lower() for h in head] != [str(h).lower() for h in gold_head]:
            return False
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return False
        try:
            converted, _ = normalise(float(value), str(unit), [str(gold_unit)], "input")
        except UnitError:
            return False
        return _same_number(converted, gold_value)
    return False


def entity_differences(arguments: dict, entities: dict) -> list[str]:
    """Entity names whose input differs; an absent false/"no" entity counts as given (the calculators'
    default)."""
    wrong = [name for name, gold in entities.items()
             if not (name not in arguments and gold is False) and not same_value(arguments.get(name), gold)]
    return wrong + sorted(set(arguments) - set(entities))


@SCORERS.register("medcalc_errors", aliases=("medcalc_error_kind",))
class MedCalcErrors(Scorer):
    name = "medcalc_errors"
    version = "1"
    description = ("MedCalc tool runs: no tool call / entity-extraction error / arithmetic-or-reading error / "
                   "correct; value = the calculator inputs matched the Relevant Entities")
    metrics = (
        Metric("entity_accuracy", "mean"),
        Metric("extraction_error_rate", "label_rate", "extraction_error"),
        Metric("arithmetic_error_rate", "label_rate", "arithmetic_error"),
        Metric("no_tool_call_rate", "label_rate", "no_tool_call"),
        Metric("error_kinds", "detail_counts", "kind"),
    )

    def applies(self, item: Item) -> bool:
        return isinstance(item.metadata.get("relevant_entities"), dict)

    def score(self, item: Item, prediction: Prediction) -> Score:
        uses = prediction.info.get("tool_uses")
        if not isinstance(uses, list) or not self.applies(item):
            return Score(value=None, label="no_tools", detail={"kind": "no_tools"})
        own = set(item.metadata.get("tools") or ())
        calls = [u for u in uses if isinstance(u, dict) and u.get("name") in own]
        good = [u for u in calls if not u.get("error") and isinstance(u.get("arguments"), dict)]
        detail: dict[str, Any] = {"calls": len(calls), "failed_calls": len(calls) - len(good)}
        correct = AnswerScorer().score(item, prediction).value == 1.0
        if not good:
            kind = "correct" if correct else "no_tool_call"
            return Score(value=0.0, label=kind, detail={**detail, "kind": kind})
        wrong = entity_differences(good[-1]["arguments"], item.metadata["relevant_entities"])
        kind = "correct" if correct else ("extraction_error" if wrong else "arithmetic_error")
        return Score(value=float(not wrong), label=kind, detail={**detail, "kind": kind, "wrong_entities": wrong})
