"""Options named by their words rather than their exact text, and rejections in the item's language.

Round 8: short replies that name one option in other words: "intramuscular adrenaline (epinephrine)"
for "Intramuscular epinephrine", "Lorazepam intravenös" for "Lorazepam i.v.", "वैसोप्रेसिन (एडीएच)" for
"एंटीडाययूरेटिक हार्मोन (वैसोप्रेसिन)", "التهاب الغدة الدرقية المناعي المعروف بمرض هاشيموتو" for
"التهاب الغدة الدرقية هاشيموتو".

An option is named by an alias: its whole text, or, for "X (Y)", X alone or Y alone (the bracket glosses
the same thing). An alias is named when every one of its *distinctive* words is in the sentence: words of
four or more letters that no other option and not the question use ("vitamin" of "Vitamin B12" is shared,
"b12" is too short: that alias cannot be named by words). Chinese / Japanese aliases (no spaces) are named
by their exact text, ending a clause. Used only where the exact text of no option is written, and only in short replies.
"""

from __future__ import annotations

import re
import unicodedata

from ...items import Item, TaskType
from .fuzzy import fold
from .phrases import COMMIT_CUES, NEGATIVE_CUES

_GLOSSED = re.compile(r"^(?P<head>[^()]+?)\s*\((?P<gloss>[^()]+)\)\s*$")
_CLAUSE = re.compile(r"[，,、；;：:]")
_ENGLISH = re.compile(r"(?i)\b(?:the|is|are|was|were|of|and|with|for|this|that)\b")
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")

# Negations and exclusions by language (English ones are NEGATIVE_CUES): a sentence holding one of
# these does not affirm the option it names.
NEGATIONS: dict[str, re.Pattern] = {
    lang: re.compile(rx, re.IGNORECASE) for lang, rx in {
        # (and the words for "contraindicated", "avoid", "worsen")
        "de": r"\b(?:nicht|kein\w*|nie|niemals|weder|außer|ohne|ausgeschlossen|kontraindiziert|vermeiden|verschlechter\w*)\b",
        "fr": r"\b(?:ne|n['’]|pas|jamais|ni|sauf|sans|aucun\w*|exclu\w*|contre-indiqu\w*|éviter|aggrav\w*)\b",
        "es": r"\b(?:no|nunca|ni|ningun\w*|excepto|salvo|sin|descart\w*|contraindicad\w*|evitar|empeor\w*)\b",
        "pt": r"\b(?:não|nunca|nem|nenhum\w*|exceto|sem|descart\w*|contraindicad\w*|evitar|pior\w*)\b",
        "it": r"\b(?:non|mai|né|tranne|senza|nessun\w*|controindicat\w*|evitare|peggior\w*)\b",
        "ar": r"(?:^|\s)(?:لا|ليس|ليست|غير|لم|لن|عدا|باستثناء|بدون|تجنب|يمنع|ممنوع)(?=\s|$)",
        "hi": r"नहीं|नही|मत|बिना|सिवाय|वर्जित|बचें|(?:^|\s)न(?=\s|$)",
        "zh": r"不|没|沒|非|无|無|除|否|禁|避免|恶化|惡化|加重",
        "ja": r"ない|ません|ず|非|無|除|否|誤|禁忌|避け|悪化",
        "vi": r"không|chẳng|chưa|trừ",
    }.items()
}


def _tokens(text: str) -> list[str]:
    """Words: runs of letters, marks and digits (Devanagari vowel signs stay inside their word)."""
    out, cur = [], []
    for ch in text:
        if unicodedata.category(ch)[0] in "LMN":
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return [fold(w) for w in out]


def _aliases(option: str) -> list[str]:
    m = _GLOSSED.match(option.strip())
    parts = [option] + ([m.group("head"), m.group("gloss")] if m else [])
    return [p for p in parts if any(ch.isalpha() for ch in p)]


def _distinctive(alias: str, key: str, item: Item) -> set[str]:
    others = {w for k, v in item.options.items() if k != key for w in _tokens(v)} | set(_tokens(item.question))
    return {w for w in _tokens(alias) if len(w) >= 4 and w not in others}


def named_by_words(sentence: str, item: Item) -> set[str]:
    """The options `sentence` names by an alias (see the module doc)."""
    if item.task != TaskType.mcq:
        return set()
    said = set(_tokens(sentence))
    named = set()
    for key, option in item.options.items():
        for alias in _aliases(option):
            if _CJK_CHAR.search(alias):
                hit = _ends_clause(alias, sentence)
            else:
                words = _distinctive(alias, key, item)
                hit = bool(words) and words <= said
            if hit:
                named.add(key)
                break
    return named


def negated(sentence: str, item: Item) -> bool | None:
    """Does `sentence` negate or exclude, in English or the item's language? None when the item's language
    has no list here (nothing can be said). Chinese / Japanese are judged per clause: pass one clause."""
    lang = (item.language or "en").split("-")[0].lower()
    if (lang == "en" or _ENGLISH.search(sentence)) and NEGATIVE_CUES.search(sentence):
        return True  # (English cues only in English: "no Brasil" is "in Brazil")
    if lang == "en":
        return False
    rx = NEGATIONS.get(lang)
    return None if rx is None else bool(rx.search(sentence))


def affirmed_once(sentences: list[str], named: list[set[str]], item: Item) -> str | None:
    """The one option named across `sentences` (with the options each names), when every place naming it
    negates nothing (for Chinese / Japanese: the clause naming it); None otherwise."""
    keys = set().union(*named) if named else set()
    if len(keys) != 1:
        return None
    key = next(iter(keys))
    for s, opts in zip(sentences, named):
        if key not in opts:
            continue
        parts = [c for c in _CLAUSE.split(s) if key in named_by_words(c, item) or key in _exact(c, item)] \
            if _CJK_CHAR.search(s) else [s]
        if not parts or not all(negated(p, item) is False or _commits_clause(p, key, item) for p in parts):
            return None
    return key


def _commits_clause(sentence: str, key: str, item: Item) -> bool:
    """The clause of `sentence` naming `key` commits to it and negates nothing ("The key intervention is
    intramuscular adrenaline (epinephrine) given ..., repeated ... if there is no improvement")."""
    clauses = [c for c in re.split(r"[,;:—–]", sentence) if key in named_by_words(c, item) or key in _exact(c, item)]
    return len(clauses) == 1 and bool(COMMIT_CUES.search(clauses[0])) and negated(clauses[0], item) is False


def _exact(clause: str, item: Item) -> set[str]:
    return {k for k, v in item.options.items() if _ends_clause(v, clause)}


def _ends_clause(option: str, text: str) -> bool:
    """`option`'s exact text is in `text` and ends a clause there: "表现为小细胞低色素性贫血，" names the anaemia; in
    "肺炎链球菌感染" (an infection by the bacterium) the text runs on into another word."""
    option = option.strip()
    at = text.find(option) if len(option) >= 2 else -1
    while at >= 0:
        nxt = text[at + len(option) : at + len(option) + 1]
        if not nxt or unicodedata.category(nxt)[0] not in "LMN":
            return True
        at = text.find(option, at + 1)
    return False


# an option that is "none of the above" (in its own words), and a reply opening by saying none fits
_NONE_OPTION = re.compile(r"(?i)^[\W_]*(?:none\s+of\s+(?:the\s+)?(?:above|these|options|listed|choices)|none"
                          r"|aucune\s+de\s+ces\s+réponses|ninguna\s+de\s+las\s+anteriores|以上都不是|以上皆非|該当なし)[\W_]*$")
_NONE_FITS = re.compile(r"(?i)^[\W_]*none\s+of\s+(?:the(?:m|se)?\s+)?(?:(?:above|listed|given|offered|other|four|five)\s+)?"
                        r"(?:[a-z]+\s+)?(?:is|are|fits?|qualif(?:y|ies)|matches|works|acts?)\b")


def none_option(text: str, item: Item) -> str | None:
    """(mcq) The item's "None of the above" option when the reply opens with "None of the listed drugs is a
    loop diuretic ..." and names no option (the caller checks that)."""
    keys = [k for k, v in item.options.items() if _NONE_OPTION.match(v)]
    if item.task != TaskType.mcq or len(keys) != 1 or not _NONE_FITS.match(text):
        return None
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return None if re.search(r"(?i)\b(?:but|except|apart\s+from|other\s+than|besides)\b", first) else keys[0]
