"""One answer parser per answer format, shared by scoring and voting.

`parse_answer(text, item)` reads what a response commits to, in the item's own terms: an option
letter, a set of letters, yes/no/maybe, a number, an ISO date, a (weeks, days) pair, or the final
text. Scorers compare
that with the gold; voting methods count it. Because both use this one function, a vote can never
disagree with the grade about what a sample said. Pure, never raises on any string.
"""

from __future__ import annotations

from collections.abc import Callable

from ...items import AnswerFormat, Item
from .base import UNPARSED, Extraction, strip_thinking
from .date import canonical_weeks_days, parse_date, parse_weeks_days
from .letter import extract_answer
from .letters import parse_letters
from .number import canonical_number, extract_number, parse_number
from .text import parse_text

PARSERS: dict[AnswerFormat, Callable[[str, Item], Extraction]] = {
    AnswerFormat.letter: extract_answer,
    AnswerFormat.yes_no_maybe: extract_answer,
    AnswerFormat.number: parse_number,
    AnswerFormat.date: parse_date,
    AnswerFormat.weeks_days: parse_weeks_days,
    AnswerFormat.letters: parse_letters,
    AnswerFormat.text: parse_text,
    AnswerFormat.ranked_list: parse_text,
}


def parse_answer(text: str, item: Item) -> Extraction:
    """What `text` answers to `item`, read by the parser of the item's answer format."""
    return PARSERS[item.format](text or "", item)


def parse_gold(item: Item) -> str | None:
    """The item's gold answer in the form its parser writes answers (numbers and (weeks, days)
    pairs have several spellings; letters, yes/no/maybe and ISO dates are stored as written)."""
    if item.format == AnswerFormat.number:
        return canonical_number(float(item.answer))
    if item.format == AnswerFormat.weeks_days:
        return parse_weeks_days(item.answer).answer
    if item.format == AnswerFormat.letters:
        return ",".join(sorted(x.strip() for x in item.answer.split(",") if x.strip()))
    return item.answer


__all__ = ["PARSERS", "UNPARSED", "Extraction", "canonical_number", "canonical_weeks_days", "extract_answer",
           "extract_number", "parse_answer", "parse_gold", "strip_thinking"]
