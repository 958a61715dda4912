"""One answer parser per answer format, shared by scoring and voting.

`parse_answer(text, item)` reads what a response commits to, in the item's own terms: an option
letter, a set of letters, yes/no/maybe, a number, an ISO date, or the final text. Scorers compare
that with the gold; voting methods count it. Because both use this one function, a vote can never
disagree with the grade about what a sample said. Pure, never raises on any string.
"""

from __future__ import annotations

from collections.abc import Callable

from ...items import AnswerFormat, Item
from .base import UNPARSED, Extraction, strip_thinking
from .date import parse_date
from .letter import extract_answer
from .letters import parse_letters
from .number import canonical_number, extract_number, parse_number
from .text import parse_text

PARSERS: dict[AnswerFormat, Callable[[str, Item], Extraction]] = {
    AnswerFormat.letter: extract_answer,
    AnswerFormat.yes_no_maybe: extract_answer,
    AnswerFormat.number: parse_number,
    AnswerFormat.date: parse_date,
    AnswerFormat.letters: parse_letters,
    AnswerFormat.text: parse_text,
    AnswerFormat.ranked_list: parse_text,
}


def parse_answer(text: str, item: Item) -> Extraction:
    """What `text` answers to `item`, read by the parser of the item's answer format."""
    return PARSERS[item.format](text or "", item)


__all__ = ["PARSERS", "UNPARSED", "Extraction", "canonical_number", "extract_answer", "extract_number",
           "parse_answer", "strip_thinking"]
