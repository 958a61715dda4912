"""Letter sets stated other than as a list of letters (helpers of letters.py):

  complement   "All of the above except C", "除C以外都对", "C以外はすべて正しい", "toutes sauf C": every
               option but the ones named.
  positions    option numbers for exams that number their options: "1, 2 and 4." (the first, second
               and fourth options), only when no option's text is itself a number.
  withdrawn    an answer line taken back right after it: "答案：ABDE……不对，…" ("... no, wait").
  dangling     a list cut off after its conjunction: "解答：a と" (the second letter never came).
  one_pick     (round 8) a reply whose subject is one option, its text with its own letter in brackets, called
               the most likely / typical one: "ループ利尿薬（c）が最も典型的な原因です。" commits to c alone (even where
               the question asks for two), when no other option is named and nothing is negated.
"""

from __future__ import annotations

import re

from ...items import Item
from .options import norm, option_key, option_mentions
from .positions import numbered_options, position_key

_LETTER = r"(?:option\s+|选项|選択肢)?\(?[A-Za-z]\)?(?![A-Za-z0-9])"
_LIST = rf"{_LETTER}(?:[ \t]*+(?:,|、|，|/|&|\band\b|\bor\b|\bet\b|\by\b|\bund\b|和|与|及|と)[ \t]*+{_LETTER})*"
_EXCEPT = re.compile(
    r"(?i)(?:\b(?:all|every(?:thing)?)(?:\s+(?:of\s+)?(?:the\s+)?(?:above|options|choices|answers|statements|of\s+them"
    r"|others))?\s+(?:except|but|apart\s+from|other\s+than|save)\s+(?:for\s+)?"
    r"|\b(?:toutes?|tous)(?:\s+les\s+(?:propositions|réponses|options))?\s+sauf\s+(?:la\s+|le\s+)?"
    r"|\btod[oa]s?(?:\s+(?:las|los)\s+(?:opciones|respuestas))?\s+(?:excepto|menos|salvo)\s+(?:la\s+|el\s+)?"
    rf")(?P<list>{_LIST})"
)
# Chinese wraps the exception and then judges the rest: "除C以外都对", "除了A之外，其余均正确"
_EXCEPT_ZH = re.compile(
    rf"除(?:了)?[ \t]*+(?P<list>{_LIST})[ \t]*+(?:以外|之外|外)[ \t,，]*+(?:其余|其他|其它)?[ \t]*+(?:都|均|全)"
    r"[ \t]*+(?:对|對|正确|正確|是|选|選|属于|屬於)"
)
# Japanese puts the exception first: "C以外はすべて正しい", "c以外すべて"
_EXCEPT_JA = re.compile(rf"(?P<list>{_LIST})[ \t]*+以外(?:は|の)?[ \t]*+(?:すべて|全て|全部)")
_NEGATED = re.compile(r"(?i)[^.;\n。；]{0,30}?(?:\b(?:not|incorrect|wrong|false|faux|fausses?|falsas?|incorrectas?)\b|n['’]t\b"
                      r"|不|誤|错|錯|ない|違)")
_LETTER_TOKEN = re.compile(r"(?<![A-Za-z])[A-Za-z](?![A-Za-z0-9])")
_NUMS = re.compile(
    r"[ \t*_]*+(?P<list>\d{1,2}(?:[ \t]*+(?:,|、|&|/|\band\b|\bet\b|\by\b|\bund\b|和)[ \t]*+\d{1,2})+)"
    r"(?=[ \t*_]*+(?:$|[.;:。\n]))"
)
_WITHDRAWN = re.compile(
    r"(?i)[ \t.…。,，、!！?？—–-]*+(?:不对|不對|错了|錯了|違う|いや|待って|no,?\s+wait|wait,?\s+no|actually,?\s+no"
    r"|hmm,?\s+no|no,?\s+that'?s\s+wrong|non,?\s+attendez|espera,?\s+no)"
)
_DANGLING = re.compile(r"(?i)[ \t]*+(?:and|or|et|ou|y|o|und|oder|と|和|及び|および)[ \t]*+$")


def _keys(listed: str, item: Item) -> set[str] | None:
    keys = set()
    for tok in _LETTER_TOKEN.findall(listed):
        key = next((k for k in (tok, tok.upper(), tok.lower()) if k in item.options), None)
        if key is None:
            return None
        keys.add(key)
    return keys or None


def complement(text: str, item: Item) -> str | None:
    """The options left when the named ones are excepted ("all except C"), written "A,B,D,E"; None when
    the text says no such thing (or says it twice)."""
    found = [m for rx in (_EXCEPT, _EXCEPT_ZH, _EXCEPT_JA) for m in rx.finditer(text)]
    if len(found) != 1:
        return None
    m = found[0]
    if _NEGATED.match(text, m.end()):
        return None  # "All options except C are wrong" excepts the answer, it doesn't choose the rest
    named = _keys(m.group("list"), item)
    rest = sorted(set(item.options) - named) if named else []
    return ",".join(rest) if rest and len(rest) < len(item.options) else None


def positions(text: str, item: Item) -> str | None:
    """"1, 2 and 4." at the start of `text`, as the options in those places ("A,B,D"); None otherwise."""
    m = _NUMS.match(text)
    if not m or numbered_options(item):
        return None
    keys = {position_key(int(n), item) for n in re.findall(r"\d+", m.group("list"))}
    return None if None in keys else ",".join(sorted(keys))


def withdrawn(after: str) -> bool:
    """What follows an answer's letters takes the answer back ("……不对", "— no, wait")."""
    return bool(_WITHDRAWN.match(after))


def dangling(after: str) -> bool:
    """What follows a list's last letter is a conjunction that ends the line: the list was cut off."""
    return bool(_DANGLING.match(after))


_PICK = re.compile(
    r"(?i)^[ \t*_]*+(?P<said>[^\n()]{1,80}?)[ \t]*+\([ \t]*+(?P<tok>[a-z])[ \t]*+\)[ \t*_]*+"
    r"(?:が|は|是|为|為)?[ \t]*+(?:最も|一番|最|is\s+the\s+(?:single\s+)?most|are\s+the\s+most)"
)
_PICK_NEGATED = re.compile(r"(?i)ない|ません|不|没|非|否|\b(?:not|no|never|least)\b|n['’]t\b")
_OTHER_LETTER = re.compile(r"(?<![A-Za-z])\(?([A-Za-z])\)(?![A-Za-z])")


def one_pick(text: str, item: Item) -> str | None:
    """See the module doc: the one option the reply's opening sentence calls the most likely / typical."""
    m = _PICK.match(text)
    key = option_key(m.group("tok"), item) if m else None
    if key is None or norm(m.group("said")) != norm(item.options[key]):
        return None
    others = {k for _, k in option_mentions(text, item)} | {option_key(x, item) for x in _OTHER_LETTER.findall(text)}
    others |= {k for k, v in item.options.items() if len(v.strip()) >= 2 and not v.isascii() and v.strip() in text}
    first = re.split(r"[.。!?！？]", text, maxsplit=1)[0]
    return None if others - {key} or _PICK_NEGATED.search(first) else key
