"""Option letters written in another script, and quotation marks that wrap a letter with spaces.

Hindi exams letter their options क, ख, ग, घ, ङ (the first consonants, in order) where English ones write
A-E: a response in Devanagari may answer "उत्तर: (क)". Such a letter stands alone (no vowel sign, no
other Devanagari letter glued to it); it reads as A-E only when the item's own options are lettered
A-E in order and the response writes Devanagari elsewhere too. Replacing one character by one keeps
every position in the text, so the rules read the result as if the model had written Latin letters.

French quotes « B » (with their inner spaces) become “B”, which the rules already read as markup.
"""

from __future__ import annotations

import re

from ...items import Item

_DEVANAGARI_LETTERS = "कखगघङ"
_DEVA = "\u0900-\u097f"
_TOKEN = re.compile(rf"(?<![{_DEVA}])[{_DEVANAGARI_LETTERS}](?![{_DEVA}])")
_SCRIPT = re.compile(rf"[{_DEVA}]")
_GUILLEMETS = ((re.compile(r"«[ \t\u00a0\u202f]*+"), "“"), (re.compile(r"[ \t\u00a0\u202f]*+»"), "”"))


def latin_letters(text: str, item: Item) -> str:
    """`text` with standalone Devanagari option letters written as the item's A-E (see the module doc)."""
    keys = list(item.options)
    if not keys or keys != list("ABCDE"[: len(keys)]) or not _TOKEN.search(text):
        return text
    if not _SCRIPT.search(_TOKEN.sub("", text)):
        return text  # a lone क in a response written in another script is no option letter
    return _TOKEN.sub(lambda m: _swap(m.group(), keys), text)


def _swap(letter: str, keys: list[str]) -> str:
    n = _DEVANAGARI_LETTERS.index(letter)
    return keys[n] if n < len(keys) else letter


def plain_quotes(text: str) -> str:
    """« B » -> “B”."""
    for rx, mark in _GUILLEMETS:
        text = rx.sub(mark, text)
    return text
