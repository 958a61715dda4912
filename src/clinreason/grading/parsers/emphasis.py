"""Rule "option_ref", for bold: the one option the response sets in bold inside its prose.

"Tendon rupture is a recognised adverse effect of **fluoroquinolones (B)**, ...": the bold span names one
option (its letter, its text, or its text with its own letter) and no other bold span names another one.
Not when the options are enumerated (a review), a bold span pairs a text with another option's letter,
the bold sentence negates or hedges ("**Macrolides (A)** are not the cause"), or the span heads a
paragraph ("**Option A:**").
"""

from __future__ import annotations

import re

from ...items import Item, TaskType
from .options import enumerated, option_at, option_key
from .phrases import NEGATIVE_CUES
from .slots import CONFLICT, parse_value

_BOLD = re.compile(r"\*\*(?P<a>[^*\n]{1,200}?)\*\*|(?<![\w_])__(?P<b>[^_\n]{1,200}?)__")
_WITH_LETTER = re.compile(r"(?i)(?P<said>.*?)[ \t]*+\([ \t]*+(?:option[ \t]++)?(?P<tok>[a-z])[ \t]*+\)[ \t.]*+")
_SENTENCE_END = re.compile(r"[.!?\n。]")
_WORD_START = re.compile(r"(?<![\w-])\w")


def _bold_answer(inner: str, item: Item) -> str | None:
    """The option a bold span names ("B", "Fluoroquinolones", "fluoroquinolones (B)"), CONFLICT, or None."""
    m = _WITH_LETTER.fullmatch(inner)
    if not m:
        return parse_value(inner, item) or _qualified(inner, item)
    key = option_key(m.group("tok"), item)
    if key is None or not m.group("said").strip():
        return key
    said = parse_value(m.group("said"), item)
    return None if said is None else key if said == key else CONFLICT


def _qualified(inner: str, item: Item) -> str | None:
    """(round 9) An option's whole text closing the span after a qualifier of at most three words
    ("**lithium-induced nephrogenic diabetes insipidus**" names "Nephrogenic diabetes insipidus"); the
    earliest start wins, so the longest option text is the one named."""
    inner = inner.rstrip(" \t.")
    for n, w in enumerate(_WORD_START.finditer(inner)):
        if n > 3:
            break
        got = option_at(inner, w.start(), item) if w.start() > 0 else None
        if got is not None and got[1] == len(inner):
            return got[0]
    return None


def rule_bold(text: str, item: Item) -> str | None:
    """(mcq) see the module doc."""
    if item.task != TaskType.mcq or ("**" not in text and "__" not in text):
        return None
    picks, where = set(), None
    for m in _BOLD.finditer(text):
        inner = (m.group("a") or m.group("b") or "").strip()
        if not inner or inner.endswith(":"):
            continue  # "**Option A:**" heads a paragraph about A
        got = _bold_answer(inner, item)
        if got == CONFLICT:
            return None
        if got is not None:
            picks.add(got)
            where = m
    if len(picks) != 1 or where is None or len(enumerated(text, item)) >= 2:
        return None
    starts = [x.end() for x in _SENTENCE_END.finditer(text, 0, where.start())]
    stop = _SENTENCE_END.search(text, where.end())
    sentence = text[starts[-1] if starts else 0 : stop.start() if stop else len(text)]
    return None if NEGATIVE_CUES.search(sentence) else picks.pop()
