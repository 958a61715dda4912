"""The item's options in a response: letters and yes/no/maybe words resolved to the item's answers, an
option's text found at a position, option lists, and text after a letter that is no option's.

Shared by the letter / yes-no-maybe rules (slots.py, letter.py, option_text.py). Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

from ...items import Item, TaskType
from .base import BOX_TOKENS
from .phrases import VERDICT_YES, WORD_CLASS, WORD_LANGS

# A line that enumerates an option: "A. ...", "(b) ...", "- **C)** ...", "Option B: ...".
ENUM_LINE = re.compile(r"(?im)^[ \t*_#>-]*+(?:(?:option|choice)[ \t]++)?\(?([a-z])[.):]")
# "a CK-MB：..." (IgakuQA style): a letter, a space, then (checked in Python) that option's text
_ENUM_SPACED = re.compile(r"(?im)^[ \t*_#>-]*+([a-z])[ \t]++")

# After an answer token in prose, these words show the token was meant as the answer.
CONNECTIVES = frozenset(
    {"because", "since", "as", "given", "due", "which", "over", "rather", "instead", "based", "considering"}
)
# "C. Correct.": an affirmation after the letter, not a (garbled) option text
_AFFIRM = re.compile(rf"(?:{VERDICT_YES}|definitely|indeed|final|answer|best)$")
# a line holding nothing but an option marker so far: "A: ", "**(B)** "
_MARKER_ONLY = re.compile(r"(?i)[ \t*_#>-]*+\(?[a-z][ \t]*+[.):]?[ \t*_]*+")
# a Japanese polite ending after a letter ("正解は(a)です。") closes the sentence; it is no option text
# and so does a Hindi one ("सही उत्तर (ख) है।")
_COPULA = re.compile(r"(?:です|でした|である|だ|となります|になります|でしょう|है|हैं|होगा|होगी)[ \t]*+।?[ \t]*+")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_NON_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """NFKC (full-width "ＡＮＳＷＥＲ：Ｃ" -> "ANSWER:C"), Windows/old-Mac newlines, zero-width chars."""
    text = BOX_TOKENS.sub("", unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def norm(text: str) -> str:
    """Case/punctuation-insensitive form for option-text matching, padded so ' x ' finds whole words."""
    return " " + _NON_WORD.sub(" ", text.lower()).strip() + " "


def is_letter(tok: str) -> bool:
    return len(tok) == 1 and tok.isascii() and tok.isalpha()


def word_class(text: str) -> str | None:
    """"yes" / "no" / "maybe" when `text` is one of those words in any language ("Peut-être" -> maybe)."""
    return WORD_CLASS.get(text.strip().lower()) or WORD_CLASS.get(norm(text).strip())


def option_key(tok: str, item: Item) -> str | None:
    for cand in (tok, tok.upper(), tok.lower()):
        if cand in item.options:
            return cand
    return None


def resolve(tok: str, item: Item, langs: set[str] | None = None) -> str | None:
    """A token ("C", "c", "yes", "否") -> the item's answer value, or None when it isn't one.
    `langs` limits the yes/no/maybe words accepted to those languages."""
    word = WORD_CLASS.get(tok.lower())
    if word and langs is not None and not WORD_LANGS[tok.lower()] & langs:
        return None
    if item.task == TaskType.yes_no_maybe:
        if word:
            return word
        key = option_key(tok, item) if is_letter(tok) else None
        # a letter answers a yes/no/maybe item only when the item shows lettered options for the words
        return word_class(item.options[key]) if key else None
    if is_letter(tok):
        return option_key(tok, item)
    # a yes/no/maybe word in an mcq: only if exactly one option's text is that word
    hits = [k for k, v in item.options.items() if word and word_class(v) == word]
    return hits[0] if len(hits) == 1 else None


_CONJ = frozenset({"and", "et", "y", "e", "und"})
_CONJ_ALT = r"(?:and|et|y|e|und)"


@lru_cache(maxsize=4096)
def _option_regex(option: str) -> re.Pattern | None:
    """An option's text at a position (markup before it skipped, not across a line), any spacing and
    punctuation between its words."""
    words = [w for w in _NON_WORD.split(option.lower()) if w]
    if not words:
        return None
    end = r"(?![a-z0-9])" if words[-1][-1:].isascii() else ""
    # a conjunction inside the text may be written in the response's language: "parvus y tardus"
    parts = [_CONJ_ALT if 0 < i < len(words) - 1 and w in _CONJ else re.escape(w) for i, w in enumerate(words)]
    return re.compile(r"(?:[^\w\n]|_)*+" + r"[\W_]++".join(parts) + end, re.IGNORECASE)


def option_at(text: str, pos: int, item: Item, key: str | None = None) -> tuple[str, int] | None:
    """(letter, end) of the option whose text starts at `pos`: option `key` if given, else the longest."""
    best = None
    for letter, option in item.options.items():
        rx = _option_regex(option) if key in (None, letter) else None
        m = rx.match(text, pos) if rx else None
        if m and (best is None or m.end() > best[1]):
            best = (letter, m.end())
    return best


_WORD_AT = re.compile(r"[ \t]*+(?:[^\w\n]|_)*+([^\W_]++)")


def own_prefix(text: str, pos: int, item: Item, key: str) -> int:
    """Where the text at `pos` stops following option `key`'s words in order (`pos` itself when its
    first word is not the option's): a copy of the option cut short ("D. Pupillary dilation,
    vasoconstriction of facial vessels" for a longer option D) reads as that option."""
    words = [w for w in _NON_WORD.split(item.options[key].lower()) if w]
    end = pos
    for want in words:
        m = _WORD_AT.match(text, end)
        if not m or m.group(1).lower() != want:
            break
        end = m.end()
    return end


def gloss_owners(inner: str, item: Item) -> set[str]:
    """The options whose text begins with the words of `inner` (a bracketed gloss after a letter:
    "B (intravenous fluids)" glosses the option "Intravenous fluids (normal saline)"), or whose
    yes/no/maybe word it is ("C (可能)")."""
    said = norm(inner).split()
    if not said:
        return set()
    word = word_class(inner)
    return {k for k, v in item.options.items()
            if norm(v).split()[: len(said)] == said or (word is not None and word_class(v) == word)}


def labelled(text: str, end: int, key: str, item: Item) -> bool:
    """The option text ending at `end` is followed by its own letter in brackets: "Naloxone (A)"."""
    m = re.match(r"[ \t]*+\([ \t]*+([a-z])[ \t]*+\)", text[end : end + 12], re.IGNORECASE)
    return bool(m) and option_key(m.group(1), item) == key


def enumerated(text: str, item: Item) -> set[str]:
    """The options the text enumerates line by line ("A. ...", "Option B: ...", "c ミオグロビン")."""
    found = {resolve(x, item) for x in ENUM_LINE.findall(text)}
    for m in _ENUM_SPACED.finditer(text):
        key = option_key(m.group(1), item) if item.task == TaskType.mcq else None
        if key and option_at(text, m.end(), item, key=key):
            found.add(key)
    return found - {None}


def _words(text: str) -> list[str]:
    """Words without accents ("endocrinás" = "endocrinas"), single letters left out."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", norm(text)) if not unicodedata.combining(c))
    return [w for w in bare.split() if len(w) > 1 or not w.isascii()]


def _size(words: list[str]) -> int:
    """Word count, a run of CJK characters counting one per two characters."""
    return sum(1 if w.isascii() else max(1, len(w) // 2) for w in words)


def _same(a: str, b: str) -> bool:
    """The same word, allowing a typo in a longer one ("Nitroglycerine", "Hyperpiturism")."""
    if a == b:
        return True
    if min(len(a), len(b)) < 6 or abs(len(a) - len(b)) > 4 or a[:2] != b[:2]:
        return False
    return SequenceMatcher(None, a, b).ratio() >= 0.8


def _in_order(words: list[str], said: list[str]) -> float:
    """The share of `words` that `said` repeats in the same order (typos allowed): a longest common
    subsequence, on at most 60 words each (a line after a letter)."""
    words, said = words[:60], said[:60]
    if not words:
        return 0.0
    row = [0] * (len(said) + 1)
    for w in words:
        prev = 0  # row[j - 1] of the previous word's row
        for j, x in enumerate(said, 1):
            prev, row[j] = row[j], prev + 1 if _same(w, x) else max(row[j], row[j - 1])
    return row[-1] / len(words)


def _covered(words: set[str], said: list[str]) -> int:
    return sum(any(_same(w, x) for x in said) for w in words)


def garbled(text: str, pos: int, answer: str, item: Item, *, marker: bool) -> bool:
    """After letter `answer` comes text that is not its option's: a near-copy of some option ("A.
    Downsizing the tibial component" when A is the femoral one), or, after a line-opening `marker`,
    a short phrase that names no option ("D. ANSIX"), or, on a later line that opens with the marker,
    any text cut off with the response (the model never finished saying what it chose). An
    explanation (a longer sentence) is fine."""
    if item.task != TaskType.mcq:
        return False
    line = re.split(r"[\n.;。]|\s[-–—]\s", text[pos : pos + 300].lstrip(" \t.:)-–—"), maxsplit=1)[0]
    said = _words(line)
    own_words = _words(item.options[answer])
    own = set(own_words)
    if _COPULA.fullmatch(line):
        return False
    if not said or said[0] in CONNECTIVES or _AFFIRM.match(said[0]) or (own and _covered(own, said) == len(own)):
        return False  # an explanation ("because ...", "Correct."), or the option's own words with more
    if own_words[: len(said)] == said:
        return False  # its own option's text, cut short
    # a near-copy of some other option's text (the exact text was checked before), one that
    # copies that option more closely than its own, words in order ("A. Most frequent for women than
    # men" after the letter of "More frequent for men than women", when another option says "... woman
    # than men"). A copy as close to its own option as to any other follows the letter.
    mine = _in_order(own_words, said)
    for key, option in item.options.items():
        words = _words(option)
        if not words or key == answer or _size(said) > _size(words) + 3:
            continue
        if _covered(set(words), said) >= 0.5 * len(set(words)) and _in_order(words, said) > mine:
            return True
    line_start = text.rfind("\n", 0, pos) + 1
    if marker and line_start and _MARKER_ONLY.fullmatch(text, line_start, pos) and _runs_off(text[pos:]) \
            and _in_order(_words(text[pos : pos + 600]), own_words) < 0.5:
        # "...es:\n\nA: La negativa de la dep": below a lead-in, a line that looks like option A but isn't,
        # cut off (a copy of A's own text with a typo before the cut is still A). Not the response's
        # opening line: "C. The patient has ..." cut off there answers C, then explains.
        return True
    # a short phrase naming nothing; a yes/no option may be paraphrased ("A. True")
    return marker and _size(said) <= 4 and word_class(item.options[answer]) is None


def _runs_off(rest: str) -> bool:
    """`rest` is the last line of the response and stops mid-sentence."""
    rest = rest.strip()
    return bool(rest) and "\n" not in rest and rest[-1] not in ".!?。！？)]*_\"'”’`>"


def option_mentions(text: str, item: Item) -> list[tuple[int, str]]:
    """(position, letter) for each mention of an option's text, case/punctuation-insensitive.
    A mention inside a longer option's mention at the same place is dropped ("Aspirin" inside
    "Aspirin and clopidogrel"). Options too short or without letters ("No", "2") are skipped:
    they occur in ordinary prose."""
    hay = norm(text)
    spans = []
    for letter, option in item.options.items():
        needle = norm(option)
        core = needle.strip()
        if len(core) < 3 or not any(ch.isalpha() for ch in core):
            continue
        i = hay.find(needle)
        while i != -1:
            spans.append((i, i + len(needle), letter))
            i = hay.find(needle, i + 1)
    spans.sort(key=lambda s: (s[0], -s[1]))
    kept, cover_start, cover_end = [], -1, -1
    for start, end, letter in spans:
        if end <= cover_end and (start, end) != (cover_start, cover_end):
            continue  # strictly inside a longer mention
        kept.append((start, letter))
        if end > cover_end:
            cover_start, cover_end = start, end
    return kept
