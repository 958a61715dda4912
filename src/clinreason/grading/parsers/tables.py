"""Rule "option_review", for tables: a markdown table with one row per option and a verdict cell in each row.

    | Option       | Fits? | Comment           |
    |--------------|-------|-------------------|
    | A. Cobalamin | No    | slower onset      |
    | B. Thiamine  | **Yes** | the classic triad |

The row whose verdict is yes (✅, "Correct", "Yes") is the answer, when every option has a row, each
row has exactly one verdict cell, and exactly one row says yes. Two rows saying yes, or a row without
a verdict, commit to nothing (the table compares; it doesn't choose).

A two-cell row whose first cell is the word for the answer ("| Option | C |", "| Final answer | **B** |")
is an answer line written as a table row (read with rule "answer_label").
"""

from __future__ import annotations

import re

from ...items import Item, TaskType
from .options import option_key
from .slots import parse_value
from .phrases import VERDICT_NO, VERDICT_YES

_ROW = re.compile(r"(?m)^[ \t>]*+\|(.*)\|[ \t]*+$")
_RULER = re.compile(r"[ \t:\-]*+")
# the first cell names the option: "A", "A. Cobalamin", "**(B)** Thiamine", "Option C"
_MARKER = re.compile(r"(?i)[ \t*_`]*+(?:(?:option|choice)[ \t]++)?\(?([a-z])(?![a-z0-9])\)?[.):]?[ \t*_`]*+")
_ANSWER_ROW = re.compile(
    r"(?im)^[ \t>]*+\|[ \t*_`]*+(?:(?:final|correct|chosen|best)[ \t]++)?(?:answer|option|choice)[ \t*_`:]*+\|"
    r"(?P<value>[^|\n]*+)\|[ \t]*+$"
)
_VERDICT = re.compile(rf"(?i)[ \t*_`]*+(?:(?P<yes>{VERDICT_YES})|(?P<no>{VERDICT_NO}))[ \t*_`.!]*+")


def _verdicts(cells: list[str]) -> list[bool]:
    """The cells that are nothing but a verdict, as True (yes) / False (no)."""
    out = []
    for cell in cells:
        m = _VERDICT.fullmatch(cell)
        if m:
            out.append(bool(m.group("yes")))
    return out


def rule_option_table(text: str, item: Item) -> str | None:
    """(mcq) The one option a verdict table marks yes (see the module doc); None otherwise."""
    if item.task != TaskType.mcq or "|" not in text:
        return None
    verdicts: dict[str, list[bool]] = {}
    for row in _ROW.finditer(text):
        cells = row.group(1).split("|")
        if all(_RULER.fullmatch(c) for c in cells):
            continue  # the |---|---| line under the header
        m = _MARKER.match(cells[0])
        key = option_key(m.group(1), item) if m else None
        if key is None:
            continue  # the header row ("| Option | Fits? |"), or a row about something else
        verdicts.setdefault(key, []).extend(_verdicts(cells[1:]))
    if set(verdicts) != set(item.options) or any(len(v) != 1 for v in verdicts.values()):
        return None
    chosen = [k for k, v in verdicts.items() if v[0]]
    return chosen[0] if len(chosen) == 1 else None


def answer_rows(text: str, item: Item) -> list[tuple[int, int, str]]:
    """(start, end, answer) of each "| Option | C |" row whose value cell is one answer (or CONFLICT);
    a header ("| Option | Finding |") holds no answer and is skipped."""
    found = []
    for m in _ANSWER_ROW.finditer(text) if "|" in text else ():
        got = parse_value(m.group("value"), item)
        if got is not None:
            found.append((m.start(), m.end(), got))
    return found
