"""One answer parser per answer format, shared by scoring and voting.

`parse_answer(text, item)` reads what a response commits to, in the item's own terms: an option
letter, a set of letters, yes/no/maybe, a number, an ISO date, or the final text. Scorers compare
that with the gold; voting methods count it. Because both use this one function, a vote can never
disagree with the grade about what a sample said. Pure, never raises on any string.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from ..items import AnswerFormat, Item
from .extract import UNPARSED, Extraction, extract_answer, strip_thinking

_NUMBER = r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?"
_ANSWER_LINE = re.compile(r"^\W*answer\W*[:=]\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_ANSWER_LINE_NUMBER = re.compile(rf"^\W*answer\W*[:=]\W*?({_NUMBER})", re.IGNORECASE | re.MULTILINE)
_ANY_NUMBER = re.compile(_NUMBER)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_US_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_LETTER_LIST = re.compile(r"\b([A-Z])\b")


def extract_number(text: str) -> tuple[float | None, str]:
    """The requested `ANSWER: <number>` line, else the last number written (a loose rule)."""
    found = _ANSWER_LINE_NUMBER.findall(text or "")
    rule = "format"
    if not found:
        found, rule = _ANY_NUMBER.findall(text or ""), "last_number"
    if not found:
        return None, "unparsed"
    return float(found[-1].replace(",", "")), rule


def canonical_number(value: float) -> str:
    """One spelling per number, so votes on 7, 7.0 and 7.00 count together."""
    return repr(float(value)) if value != int(value) else str(int(value))


def _number(text: str, item: Item) -> Extraction:
    value, rule = extract_number(text)
    if value is None:
        return UNPARSED
    return Extraction(canonical_number(value), rule, rule == "format")


def _valid_date(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _date(text: str, item: Item) -> Extraction:
    """An ISO date (2021-03-04) or a US date (03/04/2021, MedCalc-Bench's own spelling); the one on
    the answer line wins, else the last one written."""
    lines = _ANSWER_LINE.findall(text or "")
    for source, rule in ((lines[-1] if lines else "", "format"), (text or "", "last_date")):
        found = [(m.start(), _valid_date(int(m[1]), int(m[2]), int(m[3]))) for m in _ISO_DATE.finditer(source)]
        found += [(m.start(), _valid_date(int(m[3]), int(m[1]), int(m[2]))) for m in _US_DATE.finditer(source)]
        found = sorted((pos, d) for pos, d in found if d)
        if found:
            return Extraction(found[-1][1], rule, rule == "format")
    return UNPARSED


def _letters(text: str, item: Item) -> Extraction:
    """A set of option letters on the answer line (`ANSWER: A, C`), written sorted: "A,C"."""
    lines = _ANSWER_LINE.findall(strip_thinking(text or ""))
    if not lines:
        return UNPARSED
    letters = sorted({tok for tok in _LETTER_LIST.findall(lines[-1].upper()) if tok in item.options})
    return Extraction(",".join(letters), "format", True) if letters else UNPARSED


def _text(text: str, item: Item) -> Extraction:
    """The answer line's text, else the whole response (a judge or task scorer reads it)."""
    body = strip_thinking(text or "").strip()
    lines = _ANSWER_LINE.findall(body)
    if lines:
        return Extraction(lines[-1].strip(), "format", True)
    return Extraction(body, "whole", False) if body else UNPARSED


PARSERS: dict[AnswerFormat, Callable[[str, Item], Extraction]] = {
    AnswerFormat.letter: extract_answer,
    AnswerFormat.yes_no_maybe: extract_answer,
    AnswerFormat.number: _number,
    AnswerFormat.date: _date,
    AnswerFormat.letters: _letters,
    AnswerFormat.text: _text,
    AnswerFormat.ranked_list: _text,
}


def parse_answer(text: str, item: Item) -> Extraction:
    """What `text` answers to `item`, read by the parser of the item's answer format."""
    return PARSERS[item.format](text or "", item)
