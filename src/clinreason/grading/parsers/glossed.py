"""(round 9) Two ways a multi-answer response states its set without an answer label.

`glossed_list`: a sentence whose subject is what the question asks for, a plural copula, then the chosen
options' texts each glossed with its own letter: "Les inhibiteurs ... de cette liste sont l'oméprazole (A),
l'ésoméprazole (C) et le lansoprazole (E)." The subject must share a content word with the question (so the
sentence answers it rather than stating some other fact) and not be negated; a letter that glosses another
option's text, or a list that does not end its clause, reads as nothing. Exactly one such sentence counts.

`said_correct`: the list followed by a Japanese verdict that it is right ("a と c が正解です", "A、C が正しい").
"""

from __future__ import annotations

import re

from ...items import Item
from .options import option_at

_COPULA = re.compile(r"(?i)\b(?:are|sont|son|sind)\b[ \t]*+(?::[ \t]*+)?")
_ARTICLE = re.compile(r"(?i)(?:l['’]|(?:le|la|les|the|el|los|las|der|die|das)[ \t]++)?")
_GLOSS = re.compile(r"[ \t]*+\([ \t]*+([A-Za-z])[ \t]*+\)")
_SEP = re.compile(r"(?i)[ \t]*+(?:,[ \t]*+(?:(?:and|et|y|und)[ \t]++)?|(?:and|et|y|und)[ \t]++)")
_END = re.compile(r"[ \t*_]*+(?:$|[.;!?。\n])")
_CLAUSE = re.compile(r"[.;!?。\n]")
_NEGATION = re.compile(r"(?i)\b(?:not|no|non|ne|pas|aucun\w*|nicht|kein\w*|none)\b|n['’]t\b")
_VERDICT = re.compile(r"[ \t*_]*+(?:が|は)[ \t]*+(?:正解|正しい)(?!\s*(?:では|で(?:は)?ない|じゃ|ありません))")


def _content(text: str) -> set[str]:
    return set(re.findall(r"\w{5,}", text.lower()))


def _list_at(text: str, pos: int, item: Item) -> tuple[set[str], int] | None:
    """Options' texts, each with its own letter in brackets, joined by commas/conjunctions, from `pos`."""
    keys: set[str] = set()
    while True:
        pos = _ARTICLE.match(text, pos).end()
        got = option_at(text, pos, item)
        gloss = _GLOSS.match(text, got[1]) if got else None
        if not gloss or gloss.group(1).upper() != got[0].upper():
            return None
        keys.add(got[0])
        sep = _SEP.match(text, gloss.end())
        if not sep:
            return keys, gloss.end()
        pos = sep.end()


def glossed_list(text: str, item: Item) -> str | None:
    """(letters) see the module doc."""
    asked, found = _content(item.question), set()
    for m in _COPULA.finditer(text):
        starts = [x.end() for x in _CLAUSE.finditer(text, max(0, m.start() - 300), m.start())]
        subject = text[starts[-1] if starts else max(0, m.start() - 300) : m.start()]
        if not (_content(subject) & asked) or _NEGATION.search(subject):
            continue
        got = _list_at(text, m.end(), item)
        if got and _END.match(text, got[1]):
            found.add(",".join(sorted(got[0])))
    return found.pop() if len(found) == 1 else None


def said_correct(text: str, end: int) -> bool:
    """The list ending at `end` is followed by "が正解" / "は正しい": it is what the response calls right."""
    return bool(_VERDICT.match(text, end))
