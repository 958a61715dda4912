"""Free text: the answer line's text, else the whole response (a judge or a task scorer reads it)."""

from __future__ import annotations

import re

from ...items import Item
from .base import UNPARSED, Extraction, strip_thinking

_ANSWER_LINE = re.compile(r"^\W*answer\W*[:=]\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


def parse_text(text: str, item: Item) -> Extraction:
    """The answer line's text, else the whole response (a judge or task scorer reads it)."""
    body = strip_thinking(text or "").strip()
    lines = _ANSWER_LINE.findall(body)
    if lines:
        return Extraction(lines[-1].strip(), "format", True)
    return Extraction(body, "whole", False) if body else UNPARSED
