"""Rule "yes_no_maybe" (yes/no/maybe items): the response opens with the word ("Yes, because ...",
"No.", "はい、"), or exactly one of the three words stands alone as a sentence or conclusion ("...\\n\\nIn
summary, no."), or it denies the negative answer in so many words: "It would be wrong to say there is
no association" answers yes (a double negative)."""

from __future__ import annotations

import re

from ...items import Item, TaskType
from .phrases import WORD_CLASS, YNM_ALT
from .slots import CLOSE, terminated

_YNM_LEADING = re.compile(rf"(?i)[\W_]*+(?P<tok>{YNM_ALT})(?![a-z0-9])" + CLOSE)
_YNM_STANDALONE = re.compile(
    rf"(?im)(?:^|[.!?:;,。、])[ \t*_\"'`(\[>#-]*+({YNM_ALT})[ \t*_\"'`)\]]*+(?=[.!?。]|$)"
)
# calling the negative wrong: "it would be wrong to say there is no association", "it is incorrect to
# conclude that early walking does not help"
_DENIED_NEGATIVE = re.compile(
    r"(?i)\b(?:wrong|incorrect|false|inaccurate|a\s+mistake|misleading)\s+to\s+(?:say|conclude|claim|state|suggest)"
    r"\s+(?:that\s+)?(?:there\s+(?:is|was|are|were)\s+no\b|(?:\w+\s+){1,6}?(?:(?:does|did|do|is|was|are|were|has|have|had)"
    r"(?:\s+not\b|n['’]t\b)|(?:has|have|had|shows?|showed)\s+no\b))"
)


def rule_yes_no_maybe(text: str, item: Item) -> str | None:
    """(yes/no/maybe items) see the module doc."""
    if item.task != TaskType.yes_no_maybe:
        return None
    m = _YNM_LEADING.match(text)
    # "No significant difference ..." / "Maybe the ..." / "是否" are not answers: terminated() wants
    # markup, punctuation, end of line or a connective ("Yes because ...") after the word.
    if m and terminated(m, text, WORD_CLASS[m.group("tok").lower()], item):
        return WORD_CLASS[m.group("tok").lower()]
    words = {WORD_CLASS[w.lower()] for w in _YNM_STANDALONE.findall(text)}
    if not words and len(_DENIED_NEGATIVE.findall(text)) == 1:
        return "yes"
    return words.pop() if len(words) == 1 else None
