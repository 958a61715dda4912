"""Sets of option letters (multi-answer exams): `ANSWER: A, C` -> "A,C"."""

from __future__ import annotations

import re

from ...items import Item
from .base import UNPARSED, Extraction, strip_thinking

_ANSWER_LINE = re.compile(r"^\W*answer\W*[:=]\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_LETTER_LIST = re.compile(r"\b([A-Z])\b")


def parse_letters(text: str, item: Item) -> Extraction:
    """A set of option letters on the answer line (`ANSWER: A, C`), written sorted: "A,C"."""
    lines = _ANSWER_LINE.findall(strip_thinking(text or ""))
    if not lines:
        return UNPARSED
    letters = sorted({tok for tok in _LETTER_LIST.findall(lines[-1].upper()) if tok in item.options})
    return Extraction(",".join(letters), "format", True) if letters else UNPARSED
