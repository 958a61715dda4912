"""Numbers: the `ANSWER: <number>` line, else the last number written."""

from __future__ import annotations

import re

from ...items import Item
from .base import UNPARSED, Extraction

_NUMBER = r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?"
_ANSWER_LINE_NUMBER = re.compile(rf"^\W*answer\W*[:=]\W*?({_NUMBER})", re.IGNORECASE | re.MULTILINE)
_ANY_NUMBER = re.compile(_NUMBER)


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


def parse_number(text: str, item: Item) -> Extraction:
    value, rule = extract_number(text)
    if value is None:
        return UNPARSED
    return Extraction(canonical_number(value), rule, rule == "format")
