"""Options named by their position instead of their letter: "the first option", "option 2", "la segunda",
"1番目の選択肢", "第二个选项", or a bare number where the exam numbers its options (HEAD-QA writes 1-4).

A position means the option in that place of the item's own order (A is the first). A number reads
as a position only when no option's text is itself a number ("1分子乙酰辅酶A ... ATP分子数": options
9, 15, 11, 10; there "10" is an option's text, not the tenth option). Pure functions.
"""

from __future__ import annotations

import re

from ...items import Item, TaskType
from .options import option_at

# ordinal words by language -> position (the masculine and feminine forms where they differ)
ORDINALS: dict[str, int] = {}
for _n, _words in enumerate((
    "first primera primero primer première premier erste erster ersten pehla पहला पहली",
    "second segunda segundo deuxième seconde zweite zweiter zweiten dusra दूसरा दूसरी",
    "third tercera tercero tercer troisième dritte dritter dritten तीसरा तीसरी",
    "fourth cuarta cuarto quatrième vierte vierter vierten चौथा चौथी",
    "fifth quinta quinto cinquième fünfte fünfter fünften पाँचवाँ पाँचवीं",
    "sixth sexta sexto sixième sechste", "seventh séptima séptimo septième siebte",
    "eighth octava octavo huitième achte", "ninth novena noveno neuvième neunte",
    "tenth décima décimo dixième zehnte",
), 1):
    for _w in _words.split():
        ORDINALS[_w] = _n
_CJK_NUMBERS = {ch: i for i, ch in enumerate("一二三四五六七八九十", 1)}

ORDINAL_ALT = "|".join(sorted(map(re.escape, ORDINALS), key=len, reverse=True))
_NOUN = r"(?:option|choice|answer|one|alternative|opci[oó]n|respuesta|alternativa|proposition|réponse|antwort|विकल्प)"
_END = r"(?=[ \t*_`'\"”’)\]]*+(?:$|[\n.,;:!?、。，(]|[ \t]*+[\-–—][ \t]))"
# "the first option", "la segunda", "die zweite Antwort", "option 2", "#2", "2", "1番目の選択肢", "第二个选项"
_POSITION = re.compile(
    r"(?i)[ \t]*+(?:\n[ \t]*+){0,2}[*_`'\"“‘(\[]*+(?:"
    rf"(?P<article>(?:the|la|el|le|die|das|der)\s+)?(?P<ord>{ORDINAL_ALT})(?![^\W\d_])(?P<noun>\s+{_NOUN}(?![^\W\d_]))?"
    r"|(?:(?:option|choice|opci[oó]n|número|numero|number|no\.|nº|alternativa|विकल्प)[ \t]*+)?#?(?P<num>\d{1,2})(?![\d.,]\d)"
    r"(?:[ \t]*+番目(?:の(?:選択肢|選択|もの|答え))?|[ \t]*+(?:番|つ目))?"
    r"|第[ \t]*+(?P<cjk>\d{1,2}|[一二三四五六七八九十])[ \t]*+(?:个|個)?[ \t]*+(?:选项|選項|项|項|个|個|番目))"
    r"[*_`'\"”’)\]]*+" + _END
)


def numbered_options(item: Item) -> bool:
    """Does any option's text begin with a number (then a number in a response may be that text)?"""
    return any(re.match(r"[ \t]*+[-+]?[\d.,]*\d", v) for v in item.options.values())


def position_key(n: int, item: Item) -> str | None:
    """The key of the item's n-th option (1-based), or None."""
    keys = list(item.options)
    return keys[n - 1] if item.task == TaskType.mcq and 1 <= n <= len(keys) else None


def read_position(text: str, pos: int, item: Item) -> tuple[str, int] | None:
    """(option key, end) when the text at `pos` names an option by its position; None otherwise."""
    if item.task != TaskType.mcq:
        return None
    m = _POSITION.match(text, pos)
    if not m:
        return None
    if m.group("ord"):
        if not (m.group("article") or m.group("noun")) and text[m.end() : m.end() + 1] == ",":
            return None  # "Answer: First, the history ...": a discourse marker, not the first option
        n = ORDINALS[m.group("ord").lower()]
    elif m.group("num"):
        if numbered_options(item):
            return None  # "10" may be an option's own text
        n = int(m.group("num"))
    else:
        cjk = m.group("cjk")
        n = int(cjk) if cjk.isdigit() else _CJK_NUMBERS[cjk]
    key = position_key(n, item)
    return (key, m.end()) if key else None


_NUMBER_MARK = re.compile(r"[ \t*_]*+\(?(?P<num>\d{1,2})[.)][ \t*_]*+")


def renumbered(text: str, pos: int, item: Item) -> tuple[str, int] | None:
    """(option key, end) for "2) Protamine sulfate" at `pos`: a number, then an option's text. The text
    decides when the number agrees with it: the option's place in the item, or the number the response
    itself gave that text in a list of its own ("1) Vitamin K ...\n2) Protamine sulfate ..."). A number
    that agrees with neither gives (CONFLICT-worthy) key None with the end."""
    m = _NUMBER_MARK.match(text, pos) if item.task == TaskType.mcq else None
    got = option_at(text, m.end(), item) if m else None
    if not got:
        return None
    key, end = got
    n = int(m.group("num"))
    if position_key(n, item) == key:
        return key, end
    for line in re.finditer(rf"(?m)^[ \t*_#>-]*+\(?{n}[.)]", text[:pos]):
        own = option_at(text, line.end(), item)
        if own and own[0] == key:
            return key, end
    return None, end
