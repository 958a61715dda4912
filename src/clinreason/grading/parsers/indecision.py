"""Replies that leave the choice open, and a letter given against the option the same sentence names
(round 8; used by answer_phrase.py, whose occurrences settle() weighs).

undecided   two letters offered as alternatives ("either B or E", "soit la B, soit la E", "要么B要么E"), or
            a statement that the reply cannot choose ("the data support both readings", "两种说法都有道理，难以
            取舍"): an occurrence that is CONFLICT. An answer stated after it, framed as a correction or a
            conclusion ("..., but on balance the answer is B"), still stands (settle.py).
named_other "Thiamine deficiency is the cause, so the answer is F" where thiamine is option C: the clause
            right before "so/therefore the answer is" states another option (and only that one) as the
            cause or answer, negating nothing: the text and the letter disagree, a CONFLICT.
"""

from __future__ import annotations

import re

from ...items import Item, TaskType
from .option_words import named_by_words
from .options import option_key, option_mentions
from .phrases import COMMIT_CUES, NEGATIVE_CUES
from .slots import CONFLICT

_L = r"(?:option\s+|la\s+|le\s+|l['’])?\(?([A-Za-z])\)?"
_ALTERNATIVES = re.compile(
    rf"(?i)\b(?:either\s+{_L}\s*,?\s+or\s+{_L}|soit\s+{_L}\s*,?\s*soit\s+{_L}|o\s+bien\s+{_L}\s*,?\s*o\s+(?:bien\s+)?{_L}"
    rf"|entweder\s+{_L}\s*,?\s*oder\s+{_L})(?![A-Za-z0-9])|要么\s*([A-Za-z])\s*[,，]?\s*要么\s*([A-Za-z])(?![A-Za-z0-9])"
)
_CANNOT_CHOOSE = re.compile(
    r"(?i)\b(?:supports?|supported|allows?|fits?)\s+both\s+(?:readings|interpretations|answers|conclusions)\b"
    r"|\bboth\s+(?:readings|interpretations|answers)\s+(?:are|seem|remain)\s+(?:equally\s+)?"
    r"(?:possible|plausible|defensible|reasonable|valid|supported)\b"
    r"|\b(?:cannot|can['’]t|unable\s+to)\s+(?:decide|choose)\s+between\b|难以取舍|无法取舍|難以取捨|难以抉择|無法取捨"
)
# "..., so the answer is": the conclusion connective right before a lead-in
_SO = re.compile(r"(?i)[,;]?[ \t]*+\b(?:so|therefore|thus|hence)[ \t]*+,?[ \t]*+$")
# a clause that states an option as what the question asks: "X is the cause", "X is responsible"
_STATED = re.compile(r"(?i)\b(?:is|are|was)\s+(?:the\s+)?(?:(?:most\s+likely|likely|main|underlying|real)\s+)?"
                     r"(?:cause|culprit|reason|explanation|diagnosis|answer)\b|\bis\s+responsible\b")


def undecided(text: str, item: Item) -> list[tuple[int, int, str]]:
    """CONFLICT occurrences where the reply leaves the choice between answers open."""
    found = []
    for m in _ALTERNATIVES.finditer(text):
        keys = {option_key(x, item) for x in m.groups() if x}
        if len(keys) == 2 and None not in keys:
            found.append((m.start(), m.end(), CONFLICT))
    found += [(m.start(), m.end(), CONFLICT) for m in _CANNOT_CHOOSE.finditer(text)]
    return found


def named_other(text: str, start: int, answer: str, item: Item) -> bool:
    """Does the clause before the lead-in at `start` ("..., so the answer is") state another option?"""
    if item.task != TaskType.mcq:
        return False
    before = text[max(0, start - 300) : start]
    so = _SO.search(before)
    if not so:
        return False
    clause = before[max(before.rfind(ch, 0, so.start()) for ch in ".!?;\n") + 1 : so.start()]
    if not (_STATED.search(clause) or COMMIT_CUES.search(clause)) or NEGATIVE_CUES.search(clause):
        return False
    named = {k for _, k in option_mentions(clause, item)} | named_by_words(clause, item)
    return len(named) == 1 and answer not in named
