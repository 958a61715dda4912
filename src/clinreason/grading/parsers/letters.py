"""Sets of option letters (multi-answer exams: "select all that apply", FrenchMedMCQA, IgakuQA):
`ANSWER: A, C` -> "A,C" (sorted, comma-separated, the form the gold is compared in).

A list is letters joined by commas, semicolons, slashes, "&", "+", the ideographic comma "、",
spaces, or a conjunction ("and", "et", "y", "und", "e"): "A, C", "A and C", "A et C", "A y C",
"A、C", "(A) (C)", "A/C". Letters may also be written together ("AC", "ACE") when they are distinct
options and nothing but punctuation follows ("ACE inhibitors" is not a list). Full-width letters
(ＡＣ) and lowercase single letters ("a、c", IgakuQA's own spelling) read as their options. A letter
glued to an apostrophe is an elided French word ("La réponse est d'", cut off), not an option.

Rules, first that finds a list wins:
  format         the last `ANSWER:` line (also "Answers:", "Réponse(s) :", "Respuesta:", "答え：").
  answer_label   that line holding the options' whole texts instead of letters ("ANSWER: Rifampicin and
                 carbamazepine."); not the requested format.
  answer_phrase  "the correct answers are A and C", "correct options: B, D", "réponses correctes : A et C",
                 "les propositions exactes sont A, B et D", "选A、C、E。", letters glossed in brackets
                 ("A (iron deficiency), B (...) and D"), or the options' whole texts after such a lead-in
                 ("la réponse est : Vaccin anti-tuberculeux."). A list of texts must end its clause.
  tail_list      the list ends the response after a colon or a copula: "... yellow fever: A, C, E.",
                 "减毒活疫苗包括：A、B、E。", "生ワクチンは a, b, e です。".
  bare           the whole response is the list: "A, C", "AC.".
  complement     "All of the above except C", "除C以外都对": every option but those named (sets.py).
  leading_list   the response opens with option numbers: "1, 2 and 4. Exercise lowers the risk ..." (sets.py);
                 (after bare) or with its answer, then explains: letters on a line of their own ("A\n\n…"), a
                 sentence of two or more letters ("A and B. D is ..."), or of options' texts ("SIADHと…である。").
  letters_first  sentences open with lists (of letters, or of options' texts) and judge them: exactly one
                 list said to be correct or to be what the question asks (in its words), any other list
                 rejected: "A, B and E are live vaccines; C and D are not".
An answer line taken back right after it ("答案：ABDE……不对") answers nothing; nor does a list cut off
after its conjunction ("解答：a と")."""

from __future__ import annotations

import re

from ...items import Item
from ._read import answer_lines, visible
from .base import UNPARSED, Extraction
from .native import latin_letters, plain_quotes
from .options import enumerated, option_at
from .glossed import glossed_list, said_correct
from .sets import complement, dangling, one_pick, positions, withdrawn

# not glued to a word, nor an elided French word ("La réponse est d'", cut off: "d'" is "de", not D)
_TOKEN = r"(?<![A-Za-z0-9])[(\[]?(?:[A-Z]{1,26}|[a-z](?!['’]$))[)\]]?(?![A-Za-z0-9]|['’][^\W\d_])"
_CONJ = r"(?:and|et|y|und|e|og|och|en|и)"
_SEP = (r"(?:[ \t]*[,;/&+、，・][ \t]*(?:" + _CONJ + r"[ \t]+)?"  # "A, C", "A, and C", "A、C"
        r"|[-–](?=[(\[]?[A-Za-z][)\]]?(?![A-Za-z0-9]))"  # "A-B-D" (no spaces: "B - A combination" is prose)
        r"|[ \t]+(?:" + _CONJ + r"[ \t]+)?"  # "A C", "A and C", "A et C", "A y C"
        r"|[ \t]*(?:和|及び|と)[ \t]*)")
_FIRST = re.compile(r"(?P<tok>" + _TOKEN + r")")
# a bracketed gloss may follow each letter: "A (iron deficiency), B (thalassaemia trait) and D"
_GLOSS = r"(?:[ \t]*+\([^()\n]{1,160}+\))?"
_NEXT = re.compile(_GLOSS + _SEP + r"(?P<tok>" + _TOKEN + r")")
_LEAD = re.compile(r"[\s*_`'\"“”]*(?:(?:options?|choices?|letters?)[ \t]*:?[ \t]*)?", re.IGNORECASE)
_PHRASE = re.compile(
    r"(?i)\b(?:(?:the|my)\s+)?(?:(?:correct|right|true|final|best)\s+)*(?:answers?|options?|choices?|statements?)"
    r"(?:\s+(?:correct|exactes?|correctes?))?\s*(?:are|is|would\s+be|:|=)\s*"
    r"|réponses?\s+(?:correctes?|exactes?|justes?|vraies?|bonnes?)?\s*(?:sont|est|:)\s*"
    # a verdict line: "Correct: A, B, D" (over "Incorrect: C, E")
    r"|(?m:^)[ \t*_#>-]*+(?:correct|true|vraies?|correctes?|正しい|正确|正確)[ \t*_]*+:[ \t*_]*+"
    r"|propositions?\s+(?:correctes?|exactes?|justes?|vraies?)\s*(?:sont|est|:)\s*"  # "Les propositions exactes sont"
    r"|respuestas?\s+(?:correctas?)?\s*(?:son|es|:)\s*|opci(?:ones|ón|on)\s+correctas?\s*(?:son|es|:)\s*"
    r"|(?:正解|答え)\s*(?:は|:)\s*|(?:正确|正確)?(?:答案|选项|選項)\s*(?:是|为|為|:)\s*"
    # "选A、C、E。", "故选 B、D": choosing, at the start of a sentence
    r"|(?:^|(?<=[。；;，,:\n]))[ \t]*+(?:故|应|應|所以|因此|本题|本題)?(?:选|選)(?:择|擇)?(?![项項])[ \t:]*+")
# a JSON answer field holding a list: {"answer": ["A", "C"]}
_JSON_LIST = re.compile(r"(?i)[\"']answers?[\"']\s*:\s*\[([^\[\]]{0,200}+)\]")
# "A、B、C 都对", "A, C are all correct": the list, then a verdict on all of it
_ALL_TRUE = re.compile(r"(?i)\s*(?:(?:are\s+)?all\s+(?:correct|true|right)|(?:都|均|全部?|すべて|全て)\s*(?:对|對|正确|正確|正しい))")
_CLAUSE_END = re.compile(r"[ \t*_`'\")\]]*+(?:$|[.,;:!?。\n])")
_TEXT_END = re.compile(r"[ \t*_`'\"”’)\]]*+(?:$|[.;!?。\n]|:(?=\s))")  # (": " goes on to explain the list)
# an article before an option's text: "l'apixaban, le rivaroxaban et le dabigatran"
_ARTICLE = re.compile(r"(?i)[ \t]*+(?:l['’]|(?:le|la|les|du|des|the|el|los|las|der|die|das)[ \t]++)")
_GLUED_LOWER = re.compile(r"[a-z]{2,10}+[.。]?")
# The list closing the response after a colon or a copula: "...: A, C, E.", "减毒活疫苗包括：A、B、E。",
# "生ワクチンは a, b, e です。", "The live ones are A, B and E."
_TAIL_MARK = re.compile(r"(?i)(?::|\b(?:are|is|include|sont|son)\b|は|是|为|為|包括)[ \t]*+")
_WRONG_BEFORE = re.compile(r"(?i)(?:\b(?:incorrect|wrong|false|faux|fausses?|incorrectas?|falsch)|不正确|错误|誤り)[ \t*_]*+$")
_TAIL_END = re.compile(r"[ \t*_`'\"”)\]]*+(?:です|である|だ)?[ \t*_`.。!！]*+")
# A list opening a sentence with a predicate: "A, B and E are live vaccines; C and D are not."
_CLAUSE_START = re.compile(r"(?:^|(?<=[.;!?\n。；]))[ \t*_>-]*+")
_PREDICATE = re.compile(r"(?i)[ \t]+(?:are|is)[ \t]+(?P<pred>[^.,;\n。，；、]{1,80})")  # up to the clause's end
_NEGATED = re.compile(r"(?i)\b(?:not|no|never|incorrect|false|wrong|excluded)\b|n['’]t\b")
_VERDICT = re.compile(r"(?i)^(?:all\s+)?(?:correct|true|right)\b")
# options named by their texts need a predicate that judges them: "are the most likely causes of ..."
_LIKELY = re.compile(r"(?i)(?:the\s+)?(?:(?:most|more|very)\s+)?(?:likely|possible|probable|correct|true|typical|common"
                     r"|characteristic)\b")
_TRAILING_OK = re.compile(r"\s*(?:$|[.,;:)\]\-–—(]|\n|\s+(?:are|is|sont|son)\b)", re.IGNORECASE)


def _resolve(token: str, item: Item) -> list[str] | None:
    """A token ("C", "(c)", "ACE") -> option letters, or None when it is not one."""
    core = token.strip("()[]")
    letters = []
    for ch in core:
        hit = next((c for c in (ch, ch.upper(), ch.lower()) if c in item.options), None)
        if hit is None or hit in letters:
            return None
        letters.append(hit)
    return letters


def _scan(text: str) -> tuple[list[str], int]:
    """The letter tokens `text` opens with (after a lead-in like "options:"), and where they end. A
    semicolon ends the list when prose follows what comes after it: "A et C ; B et D inhibent ..." is
    A and C, then a new clause about B and D."""
    m = _FIRST.match(text, _LEAD.match(text).end())
    if not m:
        return [], 0
    tokens, end, before_semicolon = [m.group("tok")], m.end(), None
    while m := _NEXT.match(text, end):
        if before_semicolon is None and ";" in m.group(0):
            before_semicolon = (len(tokens), end)
        tokens.append(m.group("tok"))
        end = m.end()
    if before_semicolon and not _CLAUSE_END.match(text, end):
        return tokens[: before_semicolon[0]], before_semicolon[1]
    return tokens, end


def read_letters(text: str, item: Item) -> str | None:
    """The set of option letters `text` opens with, written "A,C"; None when it opens with none."""
    tokens, end = _scan(text)
    if not tokens or dangling(text[end:]):
        return None  # (a list cut off after its conjunction, "a と", is unfinished)
    glued = any(len(t.strip("()[]")) > 1 for t in tokens)
    if glued and not _TRAILING_OK.match(text, end):
        return None  # "ACE inhibitors", "ALL of the above": a word, not letters
    letters: set[str] = set()
    for token in tokens:
        resolved = _resolve(token, item)
        if resolved is None:
            return None  # "A and Z": one token is no option, so this is not a clean list
        letters.update(resolved)
    return ",".join(sorted(letters)) if letters else None


def read_texts(text: str, item: Item) -> str | None:
    """The options whose whole texts `text` opens with, as a list ("Vaccin anti-tuberculeux.",
    "rifampicin and carbamazepine"), written "A,C"; None unless the list ends the clause there (a
    comma or more prose after it may go on to something else)."""
    answer, end = _texts(text, item)
    return answer if answer and _TEXT_END.match(text, end) else None


def _texts(text: str, item: Item, start: int = 0) -> tuple[str | None, int]:
    """The options whose whole texts `text` lists at `start` ("A,C"), and where the list ends."""
    pos, letters = _LEAD.match(text, start).end(), set()
    while got := option_at(text, pos, item) or _after_article(text, pos, item):
        letters.add(got[0])
        sep = re.match(_SEP, text[got[1]:])
        if not sep or not (option_at(text, got[1] + sep.end(), item) or _after_article(text, got[1] + sep.end(), item)):
            pos = got[1]
            break
        pos = got[1] + sep.end()
    return (",".join(sorted(letters)) if letters else None), pos


def _after_article(text: str, pos: int, item: Item) -> tuple[str, int] | None:
    m = _ARTICLE.match(text, pos)
    return option_at(text, m.end(), item) if m else None


def _tail(shown: str, item: Item) -> str | None:
    """The list that ends the response after a colon or copula (the last such mark that holds one)."""
    for m in reversed(list(_TAIL_MARK.finditer(shown[-300:]))):
        start = len(shown) - len(shown[-300:]) + m.end()
        if _WRONG_BEFORE.search(shown, max(0, start - 40), start - len(m.group())):
            continue  # "Incorrect: C, E": the list of wrong options
        tokens, end = _scan(shown[start:])
        if tokens and _TAIL_END.fullmatch(shown, start + end) and (answer := read_letters(shown[start:], item)):
            return answer
    return None


def _content(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{4,}", text.lower())}


def _letters_first(shown: str, item: Item) -> str | None:
    """Sentences opening with a list and judging it: exactly one list said to be correct (or to be what
    the question asks, in its words: "A, B and E are live vaccines"), every other list rejected."""
    kept, rejected = [], set()
    asked = _content(item.question)
    for m in _CLAUSE_START.finditer(shown):
        tokens, end = _scan(shown[m.end():])
        pred = _PREDICATE.match(shown, m.end() + end) if tokens else None
        answer = read_letters(shown[m.end():m.end() + end], item) if pred else None
        if not answer:  # the options' texts as the subject: "Aortic stenosis and regurgitation are the likely causes"
            answer, end = _texts(shown, item, m.end())
            pred = _PREDICATE.match(shown, end) if answer else None
            if not pred or not _LIKELY.match(pred.group("pred")):
                continue
        if _NEGATED.search(pred.group("pred")):
            rejected.update(answer.split(","))
        elif _VERDICT.match(pred.group("pred")) or _content(pred.group("pred")) & asked:
            kept.append(answer)
        else:
            return None  # a list said to be something else: not a verdict we can read
    if len(kept) != 1 or rejected & set(kept[0].split(",")):
        return None
    return kept[0]


_OWN_LINE = re.compile(r"[ \t*_]*+(?:\n|$)")
_SENTENCE_END = re.compile(r"[ \t*_]*+(?:です|である|だ)?[ \t*_]*+(?:[.](?:[ \t\n]|$)|。)")


def _opening(shown: str, item: Item) -> str | None:
    """The response opens with its answer, then explains: a line of nothing but letters ("A\n\nSIADH
    では…"), a sentence of two or more letters ("A and B. D is usually normocytic ..."), or a sentence of
    nothing but options' texts ("SIADHと副腎皮質機能低下症である。"). Not every option in order (an echo of
    the letters), not a letter opening a line of its option's text ("A. Iron deficiency"), and not when
    the options are enumerated below."""
    if len(enumerated(shown, item)) >= 2:
        return None
    tokens, end = _scan(shown)
    answer = read_letters(shown, item) if tokens else None
    if answer and not (_OWN_LINE.match(shown, end) or (len(answer) > 1 and _SENTENCE_END.match(shown, end))
                       or said_correct(shown, end)):
        answer = None
    if answer is None:
        answer, end = _texts(shown, item)
        answer = answer if answer and _SENTENCE_END.match(shown, end) else None
    if answer is None or (len(answer.split(",")) == len(item.options) and len(item.options) > 1):
        return None
    return answer


def parse_letters(text: str, item: Item) -> Extraction:
    """A set of option letters (see module doc), sorted: "A,C"."""
    shown, suffix = visible(text)
    shown = latin_letters(plain_quotes(shown), item)
    lines = answer_lines(shown)
    for line in reversed(lines):
        if answer := read_letters(line, item):
            if withdrawn(line[_scan(line)[1]:]):
                return UNPARSED  # "答案：ABDE……不对，…": the answer line was taken back
            return Extraction(answer, "format" + suffix, not suffix)
        if answer := complement(line, item) or positions(line, item):  # "Answer: all except C", "Answer: 1, 2, 4"
            return Extraction(answer, "answer_label" + suffix, False)
        if answer := read_texts(line, item):  # the options' texts instead of letters: not the format
            return Extraction(answer, "answer_label" + suffix, False)
    if lines:
        return UNPARSED
    for m in reversed(list(_JSON_LIST.finditer(shown))):
        if answer := read_letters(re.sub(r"[\"']", "", m.group(1)), item):
            return Extraction(answer, "json" + suffix, False)
    for m in reversed(list(_PHRASE.finditer(shown))):
        slot = shown[m.end():m.end() + 600]
        if answer := read_letters(slot[:200], item) or read_texts(slot, item):
            return Extraction(answer, "answer_phrase" + suffix, False)
    if answer := _tail(shown, item):
        return Extraction(answer, "tail_list" + suffix, False)
    if answer := complement(shown, item):
        return Extraction(answer, "complement" + suffix, False)
    if answer := positions(shown, item):
        return Extraction(answer, "leading_list" + suffix, False)
    if len(shown) <= 80 and (answer := read_letters(shown, item)):
        rest = shown[_scan(shown)[1]:]
        rest = rest[m.end():] if (m := _ALL_TRUE.match(rest)) else rest
        if not rest.strip(" \t\n.;:*_`'\"。"):
            return Extraction(answer, "bare" + suffix, False)
    if answer := _opening(shown, item):
        return Extraction(answer, "leading_list" + suffix, False)
    if answer := _letters_first(shown, item) or one_pick(shown, item) or glossed_list(shown, item):
        return Extraction(answer, "letters_first" + suffix, False)
    if _GLUED_LOWER.fullmatch(shown) and (answer := read_letters(shown.upper(), item)):
        return Extraction(answer, "bare" + suffix, False)  # "ac": lowercase letters written together
    return UNPARSED
