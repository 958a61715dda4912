"""What a reward function needs to grade a completion without the benchmark files: the gold fields
of an item as one JSON-able dict (the `gold` column of a GRPO export, verifiers' `info`, OpenRLHF's
label), and the Item rebuilt from it, so rewards grade with exactly the parsers and scorers that
evaluation uses."""

from __future__ import annotations

import json
from typing import Any, Mapping

from pydantic import ValidationError

from ..grading.scorers.answer import GRADABLE as ANSWER_SCORER_FORMATS
from ..items import AnswerFormat, Item, TaskType, Tolerance

# Bumped when the dict's meaning changes; item_from_gold refuses a newer one rather than misread it.
GOLD_VERSION = 1
# Free-text formats are accepted too: rule-based rewards give None for them (TRL skips that row), and the
# judge reward grades them.
FORMATS = {f.value for f in AnswerFormat}
# The formats rule-based rewards grade (the answer scorer's): what a GRPO export and an environment hold.
GRADABLE = {f.value for f in ANSWER_SCORER_FORMATS}


class GoldError(ValueError):
    """A gold record a reward cannot grade with: says which field is wrong."""


def gold_spec(item: Item) -> dict[str, Any]:
    """The gold fields of `item`: answer, answer format, options, tolerance, accepted alternatives and
    the ids that trace the record back to its source item."""
    tol = item.tolerance_range
    return {
        "v": GOLD_VERSION,
        "benchmark": item.benchmark,
        "item_id": item.id,
        "source_id": item.original_id,
        "task": item.task.value,
        "answer_format": item.format.value,
        "answer": item.answer,
        "options": dict(item.options),
        "tolerance": tol.model_dump(exclude_none=True) if tol else None,
        "accepted_answers": list(item.metadata.get("accepted_answers") or []),
        "language": item.language,
        # For the judge reward (it reads the question and the reference reasoning); rules never do.
        "question": item.question,
        "explanation": item.explanation,
    }


def item_from_gold(gold: str | Mapping[str, Any], *, question: str | None = None) -> Item:
    """The Item a gold dict (or its JSON text) describes, ready for `parse_answer` and the answer scorer.
    Raises GoldError naming the field for anything a reward could not grade with."""
    if isinstance(gold, (str, bytes)):
        try:
            gold = json.loads(gold)
        except json.JSONDecodeError as e:
            raise GoldError(f"gold is not valid JSON: {e.msg} at position {e.pos}") from None
    if not isinstance(gold, Mapping):
        raise GoldError(f"gold must be an object with answer and answer_format, not {type(gold).__name__}")
    if int(gold.get("v", GOLD_VERSION)) > GOLD_VERSION:
        raise GoldError(f"gold version {gold.get('v')} is newer than this clinreason understands ({GOLD_VERSION})")
    fmt = gold.get("answer_format")
    if fmt not in FORMATS:
        raise GoldError(f"answer_format: {fmt!r} is not an answer format (use one of {', '.join(sorted(FORMATS))})")
    answer = gold.get("answer")
    if answer is None or str(answer).strip() == "":
        raise GoldError("answer: missing or empty")
    options = gold.get("options") or {}
    if not isinstance(options, Mapping):
        raise GoldError("options: must map letters to option text")
    if fmt == AnswerFormat.letter.value and options and str(answer) not in options:
        raise GoldError(f"answer: {answer!r} is not one of the options {', '.join(options)}")
    tolerance = gold.get("tolerance")
    try:
        return Item(
            id=str(gold.get("item_id") or "gold"), benchmark=str(gold.get("benchmark") or "rewards"),
            question=question or str(gold.get("question") or "") or "(not recorded)", options={str(k): str(v) for k, v in options.items()},
            answer=str(answer), task=TaskType(gold.get("task") or _task_for(fmt)),
            answer_format=AnswerFormat(fmt), language=str(gold.get("language") or "en"),
            tolerance=Tolerance(**tolerance) if tolerance else None,
            metadata={"accepted_answers": list(gold.get("accepted_answers") or [])},
            explanation=gold.get("explanation") or None,
        )
    except (ValidationError, TypeError, ValueError) as e:
        raise GoldError(f"gold does not describe a gradable item: {e}") from None


def _task_for(fmt: str) -> str:
    if fmt == AnswerFormat.yes_no_maybe.value:
        return TaskType.yes_no_maybe.value
    if fmt in (AnswerFormat.number.value, AnswerFormat.date.value, AnswerFormat.weeks_days.value):
        return TaskType.numeric.value
    if fmt == AnswerFormat.text.value:
        return TaskType.open_ended.value
    if fmt == AnswerFormat.ranked_list.value:
        return TaskType.ranked_list.value
    return TaskType.mcq.value
