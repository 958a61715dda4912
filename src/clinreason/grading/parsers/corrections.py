"""An answer line and what the response says after it.

with_corrections: an answer line followed by a later, explicit correction in prose: "Respuesta: A\\n\\n
Espera, ... Corrijo: la respuesta correcta es B." The answer line outranks prose, so without this the
stale A would win; here the later prose answers join the line's occurrences and settle() decides (a
marked correction -> the later answer; an unmarked switch -> conflict).

contradicted: an answer line followed by a labelled explanation that names another option, and only
that one, in a statement that negates nothing ("答え: E\\n\\n解説：低カリウム血症ではU波が特徴的である。"
where B is "U波の出現"): the response gives two answers, which is a conflict, never a guess. An explanation
that marks two or more other options by their bracketed letters reviews the distractors instead.
"""

from __future__ import annotations

import re

from ...items import Item, TaskType
from .answer_phrase import Occurrence, rule_answer_phrase
from .options import norm, option_key, option_mentions
from .phrases import NEGATIVE_CUES

_EXPLANATION = re.compile(
    r"(?im)^[ \t*_#>]*+(?:explanation|rationale|reasoning|explicación|explication|解説|解析|理由|说明|説明)[ \t*_]*+:"
)
_NEGATION_CJK = re.compile(r"不|没|無|ない|ません|誤|错|錯|非|否")
# Japanese/Chinese option texts often wrap their noun: "U波の出現" (appearance of U waves) is named by "U波"
_CJK_HEAD = re.compile(r"^([^\s の的]{2,12})[の的]")
# an option letter in brackets: "肌红蛋白（A）" (NFKC makes the full-width brackets plain)
_BRACKET_LETTER = re.compile(r"\([ \t]*+([A-Za-z])[ \t]*+\)")


def with_corrections(found: list[Occurrence], text: str, item: Item) -> list[Occurrence]:
    """`found` plus the prose answers stated after its last occurrence."""
    if not found:
        return found
    last_end = found[-1][1]
    later = [occ for occ in rule_answer_phrase(text, item) if occ[0] >= last_end]
    return found + later


def _names(body: str, item: Item) -> set[str]:
    named = {key for _, key in option_mentions(body, item)}
    hay = norm(body)
    for key, option in item.options.items():
        head = _CJK_HEAD.match(option.strip())
        if head and not head.group(1).isascii() and norm(head.group(1)).strip() in hay:
            named.add(key)
    return named


def contradicted(answer: str, end: int, text: str, item: Item) -> bool:
    """After the answer line ending at `end`, an explanation names one other option and not `answer`."""
    m = _EXPLANATION.search(text, end)
    if item.task != TaskType.mcq or not m:
        return False
    body = text[m.end() : m.end() + 600]
    marked = {k for k in (option_key(x, item) for x in _BRACKET_LETTER.findall(body)) if k and k != answer}
    if len(marked) >= 2:
        return False  # "肌红蛋白（A）…；CK-MB（C）…；LDH（D）…": the distractors reviewed one by one, not a second answer
    named = _names(body, item)
    return len(named) == 1 and answer not in named and not (NEGATIVE_CUES.search(body) or _NEGATION_CJK.search(body))
