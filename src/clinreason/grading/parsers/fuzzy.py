"""An option's text written with a small slip: a typo ("protamine sufate"), a spelling variant
("sulphate", "haemoglobin", "oesophagus"), accents left off, or the conjunction of another language
("parvus y tardus" for "parvus et tardus"). Used by option_text.py where a response names an option's
text instead of its letter.

Conservative on purpose: a word may differ by one edit only when the longer spelling has 7+ letters,
the first two letters agree and neither word has digits; short words must be equal after folding
(British/American and accent variants). Medical prefixes that flip the meaning (hypo/hyper, ...)
never count as a slip. An option is named only when every one of its words lines up, in order.
"""

from __future__ import annotations

import re
import unicodedata

from ...items import Item

_WORD = re.compile(r"[^\W_]+")
_CONJ = frozenset({"and", "et", "y", "e", "und"})
# pairs whose swap changes the meaning (a one-letter change in a long word is otherwise a typo)
_OPPOSED = (("hypo", "hyper"), ("inter", "intra"), ("pre", "post"), ("ante", "anti"), ("ab", "ad"), ("endo", "exo"),
            ("itis", "osis"), ("itis", "oma"), ("emia", "uria"))


def fold(word: str) -> str:
    """Lowercase, accents dropped, British spellings American: "Haemoglobine" -> "hemoglobine"."""
    word = "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))
    return word.replace("ph", "f").replace("ae", "e").replace("oe", "e")


def _one_edit(a: str, b: str) -> bool:
    """Exactly one insertion, deletion, substitution or swap of neighbours turns a into b."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :] or (a[i + 2 :] == b[i + 2 :] and a[i : i + 2] == b[i : i + 2][::-1])
    return a[i:] == b[i + 1 :] if len(b) > len(a) else a[i + 1 :] == b[i:]


def _opposed(a: str, b: str) -> bool:
    for x, y in _OPPOSED:
        for p, q in ((x, y), (y, x)):
            if (a.startswith(p) and b.startswith(q)) or (a.endswith(p) and b.endswith(q)):
                return True
    return False


def alike(said: str, own: str) -> bool:
    """Is the response's word `said` the option's word `own`, allowing a slip (see the module doc)?"""
    a, b = fold(said), fold(own)
    if a == b:
        return True
    if b in _CONJ and a in _CONJ:
        return True
    if max(len(a), len(b)) < 7 or a[:2] != b[:2] or any(c.isdigit() for c in a + b) or _opposed(a, b):
        return False
    return _one_edit(a, b)


def near_mentions(text: str, item: Item) -> set[str]:
    """The options whose whole text the response writes, word for word, allowing a slip in one word; in
    Chinese / Japanese (no spaces between words) the option's exact text anywhere in a sentence. A mention
    inside a longer one is dropped ("The ribs" inside "The ribs, sternum and femur"), and so is a slip that
    lands where another option's exact text stands (that one is meant)."""
    spans: list[tuple[int, int, str, bool]] = []  # (start, end, key, exact), in characters
    words = list(_WORD.finditer(text))
    folded = [fold(m.group()) for m in words]
    for key, option in item.options.items():
        own = _WORD.findall(option)
        if not own or sum(len(w) for w in own) < 4 or not any(ch.isalpha() for ch in option):
            if not (own and _cjk(option) and len(option.strip()) >= 2):
                continue
        if _cjk(option):
            at = text.find(option.strip())
            while at >= 0:
                spans.append((at, at + len(option.strip()), key, True))
                at = text.find(option.strip(), at + 1)
            continue
        size, exact_own = len(own), [fold(w) for w in own]
        for i in range(len(words) - size + 1):
            pairs = list(zip(folded[i : i + size], exact_own))
            if sum(a != b for a, b in pairs) <= 1 and all(alike(a, b) for a, b in pairs):
                spans.append((words[i].start(), words[i + size - 1].end(), key, folded[i : i + size] == exact_own))
    named = set()
    for start, end, key, exact in spans:
        inside = any(s <= start and end <= e and (s, e) != (start, end) for s, e, _, _ in spans)
        beaten = not exact and any((s, e) == (start, end) and x for s, e, _, x in spans)
        if not inside and not beaten:
            named.add(key)
    return named


def _cjk(option: str) -> bool:
    """Written in Chinese / Japanese characters (no spaces to find its words by)."""
    letters = [ch for ch in option if ch.isalpha()]
    return bool(letters) and not any(ch.isascii() for ch in letters)
