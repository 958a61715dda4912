"""Dates: ISO (2021-03-04) or US (03/04/2021, MedCalc-Bench's own spelling)."""

from __future__ import annotations

import re
from datetime import date

from ...items import Item
from .base import UNPARSED, Extraction

_ANSWER_LINE = re.compile(r"^\W*answer\W*[:=]\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_US_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def _valid_date(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def parse_date(text: str, item: Item) -> Extraction:
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
