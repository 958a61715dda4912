"""Dates and (weeks, days) durations, MedCalc-Bench's two non-numeric answer kinds.

Dates, read as ISO text (2021-03-04): ISO ("2021-03-04", "2021/03/04"), US month-first
("03/04/2021", MedCalc-Bench's own spelling; day-first only when the first part cannot be a month:
"13/04/2021"), day-first with dots ("04.03.2021"), and month names ("March 4, 2021", "Mar. 4th
2021", "4 March 2021", "the 4th of March, 2021"). The date on the `ANSWER:` line wins (rule
"format"), else the last date written ("last_date").

(weeks, days), read as "(4 weeks, 2 days)" (gestational age; MedCalc-Bench compares the pair):
"(4 weeks, 2 days)", "4 weeks and 2 days", "4w2d", "4 wk 2 d", "('4 weeks', '2 days')",
"(4, 2)", "4+2" and "4 weeks" (0 days) on the answer line."""

from __future__ import annotations

import re
from datetime import date

from ...items import Item
from ._read import answer_lines, visible
from .base import UNPARSED, Extraction

_MONTHS = {name: i + 1 for i, names in enumerate((
    "january jan", "february feb", "march mar", "april apr", "may", "june jun", "july jul",
    "august aug", "september sep sept", "october oct", "november nov", "december dec",
)) for name in names.split()}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"

_ISO = re.compile(r"(?<![\d/.-])(?P<year>\d{4})([-/.])(?P<month>\d{1,2})\2(?P<day>\d{1,2})(?![\d/.-]\d)")
_SLASH = re.compile(r"(?<![\d/.-])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<year>\d{4})(?![\d/])")
_DOTS = re.compile(r"(?<![\d/.-])(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})(?![\d])")
_MONTH_FIRST = re.compile(r"(?i)\b" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + r"\b")
_DAY_FIRST = re.compile(r"(?i)\b" + _DAY + r"(?:\s+of)?\s+" + _MONTH + r",?\s+" + _YEAR + r"\b")


def _valid(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _dates(text: str) -> list[tuple[int, str]]:
    """(position, ISO date) of every date written in `text`."""
    found = []
    for m in _ISO.finditer(text):
        found.append((m.start(), _valid(int(m["year"]), int(m["month"]), int(m["day"]))))
    for m in _SLASH.finditer(text):
        a, b, y = int(m["a"]), int(m["b"]), int(m["year"])
        found.append((m.start(), _valid(y, a, b) if a <= 12 else _valid(y, b, a)))
    for m in _DOTS.finditer(text):
        found.append((m.start(), _valid(int(m["year"]), int(m["month"]), int(m["day"]))))
    for pattern in (_MONTH_FIRST, _DAY_FIRST):
        for m in pattern.finditer(text):
            found.append((m.start(), _valid(int(m["year"]), _MONTHS[m["month"].lower()], int(m["day"]))))
    return sorted((pos, d) for pos, d in found if d)


def parse_date(text: str, item: Item) -> Extraction:
    """The date on the last answer line that has one, else the last date written (see module doc)."""
    shown, suffix = visible(text)
    lines = answer_lines(shown)
    for line in reversed(lines):
        if found := _dates(line):
            return Extraction(found[0][1], "format" + suffix, not suffix)
    if lines:
        return UNPARSED  # the answer line said something else: the reasoning's dates are not the answer
    if found := _dates(shown):
        return Extraction(found[-1][1], "last_date" + suffix, False)
    return UNPARSED


# --- (weeks, days) --------------------------------------------------------------------------------

_W = r"(?:weeks?|wks?|w)"
_D = r"(?:days?|d)"
_WEEKS_DAYS = re.compile(
    r"(?i)(?<![\w.])(?P<w>\d{1,2})\s*['\"]?\s*" + _W + r"['\"]?\s*(?:,|and|\+|;)?\s*['\"]?\s*(?P<d>\d{1,2})\s*" + _D
    + r"(?![a-z])")
_PAIR = re.compile(r"\(\s*['\"]?\s*(?P<w>\d{1,2})\s*(?:" + _W + r")?\s*['\"]?\s*,\s*['\"]?\s*(?P<d>\d{1,2})\s*(?:"
                   + _D + r")?\s*['\"]?\s*\)", re.IGNORECASE)
_PLUS = re.compile(r"(?<![\w.])(?P<w>\d{1,2})\s*\+\s*(?P<d>\d)(?![\w.])")
_WEEKS_ONLY = re.compile(r"(?i)(?<![\w.])(?P<w>\d{1,2})\s*" + _W + r"(?![a-z])(?!\s*(?:,|and|\+)?\s*\d)")


def canonical_weeks_days(weeks: int, days: int) -> str:
    return f"({weeks} weeks, {days} days)"


def _pairs(text: str, *, answer_line: bool) -> list[tuple[int, str]]:
    patterns = [_WEEKS_DAYS, _PAIR] + ([_PLUS] if answer_line else [])
    found = [(m.start(), canonical_weeks_days(int(m["w"]), int(m["d"]))) for p in patterns for m in p.finditer(text)]
    if answer_line and not found:
        found = [(m.start(), canonical_weeks_days(int(m["w"]), 0)) for m in _WEEKS_ONLY.finditer(text)]
    return sorted(found)


def parse_weeks_days(text: str, item: Item | None = None) -> Extraction:
    """A (weeks, days) pair, written "(W weeks, D days)": the answer line's, else the last written."""
    shown, suffix = visible(text)
    lines = answer_lines(shown)
    for line in reversed(lines):
        if found := _pairs(line, answer_line=True):
            return Extraction(found[0][1], "format" + suffix, not suffix)
    if lines:
        return UNPARSED
    if found := _pairs(shown, answer_line=False):
        return Extraction(found[-1][1], "last_pair" + suffix, False)
    # the whole response is the answer ("4+2", "38 weeks"): read it as an answer line
    if len(shown) <= 40 and (found := _pairs(shown, answer_line=True)):
        return Extraction(found[0][1], "bare" + suffix, False)
    return UNPARSED
