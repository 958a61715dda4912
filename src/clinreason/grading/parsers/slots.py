"""Reading an answer slot: what follows a lead-in ("ANSWER:", "the answer is", a JSON key, ...).

A slot holds an option letter or a yes/no/maybe word (maybe wrapped in markup, maybe followed by
that option's text), or an option's text itself. `read_slot` returns the item's answer, None when
the slot holds none, or CONFLICT when it commits to something that is not ONE answer of the item:
several letters ("A, B, C, and D"), a letter with another option's text ("B) Nitroglycerin"), a
label the item doesn't have with an option's text, or "none of the above". Never a guess.

Every regex here is linear: possessive quantifiers wherever two neighbours could match the same
characters, and slots are only read where a lead-in matched (never scanned for).
"""

from __future__ import annotations

import re
import unicodedata

from ...items import Item, TaskType
from .options import (CONNECTIVES, garbled, gloss_owners, is_letter, labelled, norm, option_at, option_key,
                      option_mentions, own_prefix, resolve, word_class)
from .positions import read_position, renumbered
from .phrases import OPTION_NOUNS_CJK, OPTION_NOUNS_LATIN, TRAILING_COPULA, WORD_CLASS, YNM_ALT

CONFLICT = "<conflict>"  # what a rule returns for "answered, but not one answer"; never a real answer

# Markup that may wrap an answer token: bold/italic, code, quotes (Japanese 「」『』 too), parentheses,
# brackets, LaTeX $.
OPEN = r"[*_`'\"“‘(\[{$「『]*+"
CLOSE = r"(?P<close>[*_`'\"”’)\]}$」』]*+)"
# The token: a yes/no/maybe word (any language) or ONE letter, not glued to more letters/digits, so
# "Aspirin", "no" in "not", "A1c" are never tokens. Case is checked later (the A/I traps need it).
TOK = rf"(?P<tok>{YNM_ALT}|[a-z])(?![a-z0-9])"
# Optional noun before the token: "option C", "choice: C", "(option B)", "la opción B", "选项C".
NOUN = rf"(?:(?:{OPTION_NOUNS_LATIN})(?:[ \t]*+[:#][ \t]*+|[ \t]++)|(?:{OPTION_NOUNS_CJK})[ \t]*+:?[ \t]*+)?"
# "the answer is a definite no": an article (and an adjective) before a yes/no/maybe word
_ARTICLE = rf"(?:an?[ \t]++(?:[a-z]+[ \t]++)?(?=(?:{YNM_ALT})(?![a-z0-9])))?"
SLOT = OPEN + NOUN + OPEN + r"[ \t]*+" + _ARTICLE + TOK + CLOSE
_SLOT = re.compile(r"(?i)[ \t]*+(?:\n[ \t]*+){0,3}" + SLOT)

_QUOTES = tuple("'‘`\"“")
_PUNCT_PHRASE = ".,:;!?-–—。、।،؛"  # (the last two: the Arabic comma and semicolon)  # "the answer is C." / "C, because" / "C - Nitroglycerin"
_PUNCT_LEADING = ".:-–—।"  # an opening "A, B and C are ..." is a list, not an answer: no comma here
_AFTER_PUNCT = " \t\n*_`'\"”’)]"  # "C." must end there: "e.g." is not option E

# More letters after the first: "A, B, C, and D", "B or C", "A/C", "B y C", "C和D". Not "C and not B".
_MORE = re.compile(
    r"(?i)[ \t]*+(?:,|/|&|\+|\band\b|\bor\b|\by\b|\bet\b|\bou\b|\bo\b|\bund\b|\boder\b|和|或|及|与|、|और|या|と|および|及び)[ \t]*+"
    r"(?:(?:and|or)[ \t]++)?(?:(?:option|choice)[ \t]++)?[(\[*]*+(?P<tok>[a-z])[)\]*]*+"
    # (a dash with a space after it goes on to explain: "B oder D – beide ..."; "C-reactive" is a word)
    r"(?=[ \t]*+(?:[,.;:!?/&)\n。、–—]|-(?=[ \t])|$|and\b|or\b|are\b|were\b|y\b|et\b|o\b|ou\b))"
)
# What ends an option's text used as an answer: a clause end, a connective, or another script.
_TEXT_END = re.compile(
    r"(?i)[*_`'\"”’)\]]*+(?:[ \t]*+(?:$|[\n.,;:!?。、(]|(?:because|since|as|given|which|over|rather|instead"
    r"|based|considering|due)\b)|[ \t]++[-–—]|[^\x00-\x7f])"
)
_LINE_END = re.compile(r"[ \t*_`'\"”’)\]]*+[.,;:!?。]?[ \t*_]*+(?:\n|$)")
_CLAUSE_LETTER = re.compile(
    r"([^.;\n()]{1,120}?)\([ \t]*+(?:option[ \t]++)?([a-z])[ \t]*+\)(?=[ \t*_]*+(?:[.,;:!?\n。、]|$))", re.IGNORECASE
)
# "Nitroglycerin (B)", "la colchicine (réponse B)": the letter an option's text is given with
_PAREN_LETTER = re.compile(r"(?i)[ \t]*+\([ \t]*+(?:(?:option|choice|answer|réponse|respuesta|resposta)[ \t]++)?([a-z])[ \t]*+\)")
_SEP = re.compile(r"[ \t]*+(?P<sep>[.:\-–—=(]?)")
# "the answer is none of the above" / "ANSWER: None" / "N/A": an answer that is no option.
_NONE = re.compile(
    r"(?i)(?:[^\w\n]|_)*+(?:(?:none|neither)(?:\s+of\s+(?:the\s+)?(?:above|options|choices|these|them"
    r"|(?:given|listed)\s+options))?|all\s+of\s+(?:the\s+)?(?:above|options|these))"
    r"(?=[ \t*_`'\")\]]*+(?:[.,;:!?\n]|$))|(?:[^\w\n]|_)*+(?:n/a\b|cannot\s+be\s+determined|以上都不是|以上皆非|該当なし)"
)
_WORD_AFTER = re.compile(rf"(?i)[ \t.:)\-–—]*+{OPEN}(?P<tok>{YNM_ALT})(?![a-z0-9]){CLOSE}")


def terminated(m: re.Match, text: str, answer: str, item: Item, *, leading: bool = False) -> bool:
    """Is the token of match `m` really meant as an answer (not the article "A", the pronoun "I",
    "a" in prose, "是" of "是否")? Decided by what wraps / follows it. `leading` (the response's first
    token) is stricter: only explicit markers count there."""
    tok, close = m.group("tok"), m.group("close")
    rest = text[m.end() : m.end() + 400 + max((len(o) for o in item.options.values()), default=0)]
    if rest[:1].isascii() and rest[:1].isalnum():
        return False  # "I'm", "C's": a quote glued to a word is an apostrophe, not markup
    opened = text[max(0, m.start("tok") - 1) : m.start("tok")]
    if close.startswith(("'", "’")) and is_letter(tok) and tok.islower() and opened not in _QUOTES:
        return False  # "La réponse est d'" (cut off): an elided word, not a letter closed by a quote
    if close:
        return True  # "(C)", "**C**", "C)", "'C'": explicitly marked
    if not rest.strip(" \t") or rest.lstrip(" \t").startswith("\n"):
        return True  # end of line / text: "the answer is C"
    c = rest[0]
    if c in (_PUNCT_LEADING if leading else _PUNCT_PHRASE):
        # "C." / "C: Nitro" / "是，该研究" but not "e.g." / "A-fib"; "A,B,C,D" (a full-width comma, normalized)
        # is a list of letters: the token is read so that check_after sees the list
        return (len(rest) == 1 or rest[1] in _AFTER_PUNCT or not rest[1].isascii()
                or (c == "," and more_letters(text, m.end(), answer, item, tok)))
    if not c.isascii():
        # "答案是C选项", "正解は eです": another script straight after a letter; never after a word ("是否")
        return is_letter(tok) and not leading and c.isalpha() and not _latin(c)
    if c == "(" and (not leading or (option_key(tok, item) or answer) in _gloss(rest, item)):
        return True  # "C(硝酸甘油)"; opening the response only with its own gloss: "C（可能）——..."
    if c not in " \t":
        return False
    after = rest.lstrip(" \t")
    if after[:1] in "-–—" or (after[:1] == ":" and after[1:2] in (" ", "\t", "\n", "")):
        return True  # "C - Nitroglycerin", "A : la thyroïdite ..." (French spacing)
    if item.task == TaskType.mcq and is_letter(tok) and option_at(after, 0, item, key=answer):
        return True  # "C Nitroglycerin", "A (Diltiazem)"
    if leading:
        return False  # "A 45-year-old ...", "I think ..."
    foreign = after[:1].isalpha() and not after[:1].isascii() and not _latin(after[0])
    # a lowercase "a" / "i" when the item's letters are capitals may be the article or the pronoun ("Answer:
    # a (severe) deficiency of ..."): a bracket after it counts only when it holds A's text (checked above)
    article = tok in ("a", "i") and answer.isupper()
    if (after[:1] == "(" and not article) or (is_letter(tok) and foreign):
        return True  # "c (nitrates first)", "B 因为硝酸甘油", "A क्योंकि"
    word = re.match(r"[a-z]+", after, re.IGNORECASE)
    if word and word.group().lower() in CONNECTIVES:
        return True  # "the answer is A because ..."
    # "the answer is C and not B": an uppercase letter followed by prose is still the answer, except
    # A and I, which are also an article and a pronoun ("answer: I think ...", "is A 45-year-old").
    return is_letter(tok) and tok.isupper() and tok not in "AI"


def _gloss(rest: str, item: Item) -> set[str]:
    """The options a bracket opening `rest` glosses ("(Nitroglycerin)", "(可能)"); empty when none."""
    close = rest.find(")", 1, 200)
    return gloss_owners(rest[1:close], item) if rest.startswith("(") and close > 0 else set()


def _latin(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN")


def more_letters(text: str, end: int, answer: str, item: Item, first: str = "A") -> bool:
    """Another option letter follows the answer at `end` as a list: "A, B, C, and D", "B or C",
    "a, c". Written in another case than the `first` letter, it is prose ("C, a nitrate")."""
    m = _MORE.match(text, end)
    if not m:
        return False
    tok = m.group("tok")
    other = resolve(tok, item)
    lower_keys = all(k.islower() for k in item.options) and bool(item.options)
    return other is not None and other != answer and (tok.isupper() == first.isupper() or lower_keys)


def check_after(text: str, end: int, tok: str, answer: str, item: Item, *, marker: bool = False) -> str:
    """The answer, or CONFLICT when what follows the token contradicts it: more letters, another
    option's text after the letter ("B) Nitroglycerin"), text that is no option's, another word
    after a lettered word. `marker`: the letter opens a line ("C. ...")."""
    if more_letters(text, end, answer, item, tok):
        return CONFLICT
    if not is_letter(tok):
        return answer
    sep = _SEP.match(text, end)
    if item.task == TaskType.yes_no_maybe:
        w = _WORD_AFTER.match(text, end)
        return CONFLICT if w and WORD_CLASS[w.group("tok").lower()] != answer else answer
    own = option_at(text, sep.end(), item, key=answer)
    if own:
        return CONFLICT if more_letters(text, own[1], answer, item, tok) else answer
    # another option's text straight after the letter: "B) Nitroglycerin", "A. No, because ...". Not
    # when that text carries its own letter ("Choice C. Naloxone (A) reverses opioids, ..." discusses A),
    # or is only the start of this option's longer text (B "Pupillary dilation" inside D's text).
    other = option_at(text, sep.end(), item)
    if other is not None and not labelled(text, other[1], other[0], item) \
            and own_prefix(text, sep.end(), item, answer) <= other[1]:
        return CONFLICT
    glossed = _gloss(text[end:].lstrip(" \t"), item)
    if glossed and answer not in glossed:
        return CONFLICT  # "B (intravenous fluids)" when that is the start of A's text
    bracket = text[end - 1 : end] in ")]"  # "A) ...", "(A) ..."
    if (sep.group("sep") or bracket) and garbled(
        text, sep.end(), answer, item, marker=marker or bracket or sep.group("sep") == ":"
    ):
        return CONFLICT
    return answer


def read_token(
    m: re.Match, text: str, item: Item, *, leading: bool = False, langs: set[str] | None = None
) -> str | None:
    """The answer of a token match (SLOT / TOK groups), CONFLICT, or None."""
    tok = m.group("tok")
    answer = resolve(tok, item, langs)
    if answer is None:
        if item.task == TaskType.yes_no_maybe and is_letter(tok) and (langs is None or "en" in langs):
            w = _WORD_AFTER.match(text, m.end())  # "C. maybe": a letter the item doesn't show, then the word
            if w and (w.group("close") or _LINE_END.match(text, w.end())):
                # with no options shown the label is incidental; beyond the shown ones it is wrong
                return CONFLICT if item.options else WORD_CLASS[w.group("tok").lower()]
        elif item.task == TaskType.mcq and is_letter(tok) and tok.isupper():
            sep = _SEP.match(text, m.end())  # "E. Nitroglycerin" with no option E: mislabelled
            if sep.group("sep") and option_at(text, sep.end(), item):
                return CONFLICT
        return None
    if not terminated(m, text, answer, item, leading=leading):
        return None
    return check_after(text, m.end(), tok, answer, item, marker=leading)


def read_text(text: str, pos: int, item: Item) -> str | None:
    """An option's text as the answer ("the answer is Nitroglycerin."), "none of the above", or None."""
    if item.task == TaskType.mcq:
        got = option_at(text, pos, item)
        if got and _TEXT_END.match(text, got[1]):
            paren = _PAREN_LETTER.match(text, got[1])  # "Nitroglycerin (B)": text and letter disagree
            if paren and resolve(paren.group(1), item) not in (None, got[0]):
                return CONFLICT
            return got[0]
        if got:
            return None
        paren = _CLAUSE_LETTER.match(text, pos)  # "to obtain an ECG (B)." : the clause ends with its letter
        if paren and paren.group(2).isupper():
            answer = resolve(paren.group(2), item)
            named = {k for _, k in option_mentions(paren.group(1), item)}
            if answer is not None:
                return answer if named <= {answer} else CONFLICT
    return CONFLICT if _NONE.match(text, pos) else None


def read_slot(text: str, pos: int, item: Item, *, langs: set[str] | None = None, text_ok: bool = True) -> str | None:
    """The answer in the slot at `pos` (a letter / word token, else an option's text), CONFLICT, or None."""
    m = _SLOT.match(text, pos)
    if m:
        got = read_token(m, text, item, langs=langs)
        if got is not None:
            return got
    if not text_ok:
        return None
    if (position := read_position(text, pos, item)) is not None:
        return check_position(text, *position, item)
    if (numbered := renumbered(text, pos, item)) is not None:
        return numbered[0] or CONFLICT  # "Correct choice: 2) Protamine sulfate"
    start = pos + len(text[pos : pos + 200]) - len(text[pos : pos + 200].lstrip())
    return read_text(text, start, item)


_APPOSITION = re.compile(r"[ \t]*+[,.:(\-–—、，][ \t]*+")


def check_position(text: str, key: str, end: int, item: Item) -> str:
    """An option named by position ("the fifth option, cystoscopy"): CONFLICT when the text set beside
    it is another option's."""
    sep = _APPOSITION.match(text, end)
    other = option_at(text, sep.end(), item) if sep else None
    return CONFLICT if other and other[0] != key else key


_VALUE = re.compile(
    r"(?is)(?:(?:option|choice|letter|answer)\s*[:#]?\s*)?[(\[]?\s*" + TOK + r"\s*[)\]]?\s*[.:,)\-–—]?\s*(?P<rest>.*)"
)


def parse_value(value: str, item: Item, *, text_ok: bool = True) -> str | None:
    """A whole value that should be nothing but an answer ("C", "(C)", "C) Nitroglycerin", "yes",
    "C. maybe", and with `text_ok` "Nitroglycerin"); CONFLICT for "A, C", "B) Nitroglycerin"."""
    s = TRAILING_COPULA.sub("", re.sub(r"[*_`$\"“”]+", "", value).strip().lstrip("#> \t\n").strip()).strip()
    if not s or len(s) > max((len(o) for o in item.options.values()), default=0) + 40:
        return None  # cheap exit for real prose (and huge inputs)
    m = _VALUE.fullmatch(s)
    if m:
        tok, rest = m.group("tok"), norm(m.group("rest"))
        answer = resolve(tok, item)
        if answer is None and item.task == TaskType.yes_no_maybe and is_letter(tok) and word_class(rest):
            return word_class(rest)  # "C. maybe" with no lettered options in the item
        if answer is None and item.task == TaskType.mcq and is_letter(tok) and tok.isupper() and rest.strip():
            if any(norm(o) == rest for o in item.options.values()):
                return CONFLICT  # "E. Nitroglycerin" with no option E
        if answer is not None:
            if check_after(s, m.end("tok"), tok, answer, item, marker=True) == CONFLICT:
                return CONFLICT
            # "C) Nitroglycerin", or its text cut short: "D.1" for D "1, increases"
            own_text = item.task == TaskType.mcq and is_letter(tok) and norm(item.options[answer]).startswith(rest)
            if not rest.strip() or own_text:
                return answer
            if item.task == TaskType.yes_no_maybe and word_class(rest) == answer:
                return answer
    if text_ok and item.task == TaskType.mcq:
        hits = [k for k, v in item.options.items() if norm(v).strip() and norm(v) == norm(s)]
        if len(hits) == 1:
            return hits[0]
    return CONFLICT if text_ok and _NONE.fullmatch(s.rstrip(".")) else None
