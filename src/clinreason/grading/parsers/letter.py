"""Answer extraction: free model text -> the option letter (mcq) or yes/no/maybe it commits to.

Pure functions, no model involved, never raises on any string.

Our prompts ask for a final line ``ANSWER: X``. A response that follows that format is read by the
rule ``format`` and is the only kind marked ``strict``. Everything else is a looser, named fallback,
tried in this priority order (the first rule that finds an answer wins; within a rule the LAST
occurrence in the text wins, because models discuss other options first and restate their
conclusion at the end):

  format          a line starting with ``ANSWER:`` (markdown allowed: ``**ANSWER:** C``,
                  ``ANSWER: (C)``, ``Answer: C) Nitroglycerin``); the last such line with a valid letter.
  boxed           ``\\boxed{C}`` (math-style prompts); deliberate markup, so it outranks prose phrases.
  answer_phrase   "the (correct/best/final) answer is C", "correct option: C", "I would choose C",
                  "C is the correct answer", a few non-English forms ("la respuesta es C", "答案是C").
  bare            the whole response is just the answer: "C", "(C)", "**C**", "C) Nitroglycerin", "yes".
  leading_letter  the response opens with an option marker: "C. Nitroglycerin is ...", "(B) because ...".
  option_text     (mcq) the response names an option's text instead of its letter: one distinct
                  option mentioned anywhere, or exactly one in the last sentence/line.
  yes_no_maybe    (yes/no/maybe items) the response opens with "Yes,"/"No."/"Maybe:" or exactly one
                  of the three words stands alone as a sentence/conclusion ("In summary, no.").

If the response is nothing but thinking (``<think>`` blocks, an unclosed ``<think>``), the rules run
on the thinking text instead and the rule name gets the suffix ``@think`` (never strict: the model
did not produce its final answer). Tasks other than mcq / yes_no_maybe are not handled here
(-> unparsed).

Traps handled on purpose: the article "A" ("A 45-year-old man ..."), lowercase "a" in prose ("the
answer is a combination"), the pronoun "I" in 10-option items ("I think ..."), letters that are not
among the item's options, hypotheticals ("if the answer is A, ..."), negations ("the answer is not
A"), and an answer line that only echoes a placeholder ("ANSWER: X" when there is no option X).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from ...items import YES_NO_MAYBE, Item, TaskType
from .base import THINK_TAG, UNPARSED, Extraction, strip_thinking




# --------------------------------------------------------------------------------------------
# Building blocks shared by the rules
# --------------------------------------------------------------------------------------------

# Markup that may wrap an answer token: bold/italic, code, quotes, parentheses, brackets, LaTeX $.
# Possessive (*+) everywhere the same characters could be matched by two neighbouring quantifiers:
# keeps the regexes linear on adversarial input like "ANSWER:" followed by 100k asterisks.
_OPEN = r"[*_`'\"“‘(\[{$]*+"
_CLOSE = r"(?P<close>[*_`'\"”’)\]}$]*+)"
# The answer token: a yes/no/maybe word or ONE letter, not glued to more letters/digits (so "Aspirin",
# "no" in "not", "A1c" are never tokens). Case is checked later in Python (A/I traps need it).
_TOK = r"(?P<tok>yes|no|maybe|[a-z])(?![a-z0-9])"
# Optional noun before the token: "option C", "choice: C", "letter C".
_NOUN = r"(?:(?:option|choice|letter)(?:[ \t]*+[:#][ \t]*+|[ \t]++))?"
# Everything from the noun to the closing markup: "option (C)", "**C**", "'yes'".
_SLOT = _NOUN + _OPEN + r"[ \t]*+" + _TOK + _CLOSE

# Rule "format": a line that starts with ANSWER: (after list/quote/heading/bold markup). The token may
# sit on the next line or two ("**ANSWER:**\n\nC").
_FORMAT = re.compile(
    r"(?im)^[ \t>#*_`-]*+answer[ \t*_`]*+[:：][*_`]*+[ \t]*+(?:\n[ \t]*+){0,2}" + _SLOT
)

# Rule "answer_phrase", answer-first shapes: "the correct answer is (C)", "final answer: **C**",
# "my answer would be C", "correct option: C", "I would choose C", "I'd go with option C".
_PHRASE = re.compile(
    r"(?i)(?:\b(?:"
    r"(?:(?:the|my|our)\s+)?"
    r"(?:(?:final|correct|right|best|most\s+(?:likely|appropriate|accurate|correct)|single\s+best|true|only)\s+)*"
    r"(?:answer|option|choice|response|selection)(?:\s+to\s+(?:the|this)\s+question)?"
    r"[*_]*+[ \t]*+"
    # the verb/separator; a bare line break covers a "## Final Answer" heading with the letter below
    r"(?:is|would\s+be|should\s+be|will\s+be|must\s+be|=|:|[-–—]|(?=\n))"
    r"(?:\s+(?:therefore|thus|likely|probably|most\s+likely|clearly|definitely|still|then))?[ \t]*+:?"
    r"|i(?:['’]d|\s+would|\s+will|\s+should|\s+must)?(?:\s+(?:therefore|thus|then|definitely|probably))?"
    r"\s+(?:choose|select|pick|go\s+with|opt\s+for)"
    # non-English (nice-to-have): es, fr, de, it, pt
    r"|respuesta(?:\s+correcta)?\s+es|réponse(?:\s+correcte)?\s+est|antwort\s+ist"
    r"|risposta(?:\s+corretta)?\s+è|resposta(?:\s+correta)?\s+é"
    r")"
    # zh / ja: no \b before CJK (CJK characters are \w, "正确答案是" has no word boundary)
    r"|答案\s*(?:是|为|:)|答え\s*(?:は|:)|正解\s*(?:は|:))"
    r"\s*+" + _SLOT
)
# "If the answer is A, ..." / "whether the answer is B" are hypotheticals, not conclusions.
_HYPOTHETICAL = re.compile(r"(?i)\b(?:if|whether|assuming|suppose|unless|when)\s+$")

# Rule "answer_phrase", letter-first shapes: "C is the correct answer", "(C) is correct",
# "option C is the best choice", "C is the most likely diagnosis". Negations ("C is not correct",
# "C is incorrect") don't match. The position check is done in Python (see _rule_answer_phrase)
# so that "Vitamin A is the best ..." is not option A.
_LETTER_FIRST = re.compile(
    # the lookbehind also forbids starting inside a run of markup: one attempt per run keeps "(((((..."
    # linear instead of quadratic
    r"(?i)(?<![a-z0-9*_`'\"“‘(\[{$])(?P<noun>(?:option|choice|answer|letter)\s+)?" + _OPEN + _TOK + _CLOSE
    + r"\s+is\s+(?:(?:the|my)\s+)?(?:correct|right|best|most\s+(?:likely|appropriate|correct))\b"
)
# What may precede a letter-first shape without a noun/markup: start of text, a sentence/clause
# boundary, or a conclusion adverb ("Therefore, C is correct", "so C is the best answer").
_LETTER_FIRST_BEFORE = re.compile(r"(?i)(?:[\n.!?:;,]|\b(?:so|thus|therefore|hence|then))[ \t*_]*$")

# Rule "boxed": \boxed{...}, allowing one level of nested braces (\boxed{\text{C}}).
_BOXED = re.compile(r"\\boxed\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_LATEX_WRAPPER = re.compile(r"\\(?:text|textbf|mathrm|mathbf|mbox)\s*")

# Rule "bare": the whole response is the token, optionally followed by that option's text.
# "C", "(C)", "C.", "[C]", "Option C", "C) Nitroglycerin", "C: Nitroglycerin", "yes".
_BARE = re.compile(
    r"(?is)(?:(?:option|choice|letter|answer)\s*[:#]?\s*)?[(\[]?\s*" + _TOK + r"\s*[)\]]?\s*[.:,)\-–—]?\s*(?P<rest>.*)"
)
# Markdown/quoting noise removed before the bare check: "**C**", "`C`", "> C", "# C", '"C"'.
_BARE_NOISE = re.compile(r"[*_`$\"“”]+")

# Rule "leading_letter": the response opens with a letter marker ("C. ...", "(B) because", "**D)**").
_LEADING = re.compile(r"(?i)[\s*_#>`]*+(?:(?:option|choice)\s*[:#]?\s*)?" + _OPEN + r"[ \t]*+" + _TOK + _CLOSE)
# An enumeration ("A. ... \nB. ...\nC. ...") opens with a letter too, but is a list, not an answer.
_ENUM_LINE = re.compile(r"(?im)^[ \t*_#>-]*+\(?([a-z])[.):]")

# Rule "yes_no_maybe". Opening word: "Yes, because ...", "No.", "**Maybe**: ...".
_YNM_LEADING = re.compile(r"(?i)[\W_]*+(?P<tok>yes|no|maybe)(?![a-z0-9])" + _CLOSE)
# A yes/no/maybe standing alone as a sentence or a conclusion: "\n\nNo.", "In summary, yes.",
# "Conclusion: maybe". Not "there was no." (the word must follow a sentence/clause boundary).
_YNM_STANDALONE = re.compile(
    r"(?im)(?:^|[.!?:;,])[ \t*_\"'`(\[>#-]*+(yes|no|maybe)[ \t*_\"'`)\]]*+(?=[.!?]|$)"
)

# After an answer token in prose, these words show the token was meant as the answer:
# "the answer is A because ...", "I would choose B over C".
_CONNECTIVES = frozenset(
    {"because", "since", "as", "given", "due", "which", "over", "rather", "instead", "based", "considering"}
)
_PUNCT_PHRASE = ".,:;!?-–—。，、：；！？"  # "the answer is C." / "C, because" / "C - Nitroglycerin"
_PUNCT_LEADING = ".:-–—"  # an opening "A, B and C are ..." is a list, not an answer: no comma here
_AFTER_PUNCT = " \t\n*_`'\"”’)]"  # "C." must end there: "e.g." is not option E

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_NON_WORD = re.compile(r"[\W_]+")
# Sentence/line boundaries for "the last sentence"; a single-letter marker "C. " is not a sentence end.
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])(?<!\b[A-Za-z][.!?])\s+|\n+")


def _normalize(text: str) -> str:
    """NFKC (full-width "ＡＮＳＷＥＲ：Ｃ" -> "ANSWER:C"), Windows/old-Mac newlines, zero-width chars."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _norm(text: str) -> str:
    """Case/punctuation-insensitive form for option-text matching, padded so ' x ' finds whole words."""
    return " " + _NON_WORD.sub(" ", text.lower()).strip() + " "


def _resolve(tok: str, item: Item) -> str | None:
    """A token ("C", "c", "yes") -> this item's answer value, or None when it isn't one of its answers."""
    if item.task == TaskType.yes_no_maybe:
        if tok.lower() in YES_NO_MAYBE:
            return tok.lower()
        # a letter answers a yes/no/maybe item only when the item shows lettered options for the words
        for cand in (tok, tok.upper(), tok.lower()):
            if len(tok) == 1 and cand in item.options:
                word = _norm(item.options[cand]).strip()
                return word if word in YES_NO_MAYBE else None
        return None
    if len(tok) == 1:
        for cand in (tok, tok.upper(), tok.lower()):
            if cand in item.options:
                return cand
        return None
    # a yes/no/maybe word in an mcq: only if exactly one option's text is that word
    hits = [letter for letter, text in item.options.items() if _norm(text).strip() == tok.lower()]
    return hits[0] if len(hits) == 1 else None


def _option_text_follows(after: str, answer: str, item: Item) -> bool:
    """`after` starts with the text of option `answer` ("C Nitroglycerin ...", "A (Diltiazem)")."""
    option = item.options.get(answer)
    if item.task != TaskType.mcq or not option or not _norm(option).strip():
        return False
    return _norm(after[: len(option) + 40]).startswith(_norm(option))


def _terminated(m: re.Match, text: str, answer: str, item: Item, *, leading: bool = False) -> bool:
    """Is the token of match `m` really meant as an answer (not the article "A", the pronoun "I",
    "a" in prose)? Decided by what wraps / follows it. `leading` (the response's first token) is
    stricter: only explicit markers count there."""
    tok, close = m.group("tok"), m.group("close")
    rest = text[m.end() : m.end() + 400 + max((len(o) for o in item.options.values()), default=0)]
    if rest[:1].isascii() and rest[:1].isalnum():
        return False  # "I'm", "C's": a quote glued to a word is an apostrophe, not markup
    if close:
        return True  # "(C)", "**C**", "C)", "'C'": explicitly marked
    if not rest.strip(" \t") or rest.lstrip(" \t").startswith("\n"):
        return True  # end of line / text: "the answer is C"
    c = rest[0]
    if c in (_PUNCT_LEADING if leading else _PUNCT_PHRASE):
        return len(rest) == 1 or rest[1] in _AFTER_PUNCT  # "C." / "C: Nitro" but not "e.g." / "A-fib"
    if not leading and "\u3000" <= c <= "\u9fff":
        return True  # CJK straight after the letter: "答案是C选项"
    if c not in " \t":
        return False
    after = rest.lstrip(" \t")
    if after[:1] in "-–—":
        return True  # "C - Nitroglycerin"
    if _option_text_follows(after, answer, item):
        return True  # "C Nitroglycerin", "A (Diltiazem)"
    if leading:
        return False  # "A 45-year-old ...", "I think ..."
    word = re.match(r"[a-z]+", after, re.IGNORECASE)
    if word and word.group().lower() in _CONNECTIVES:
        return True  # "the answer is A because ..."
    # "the answer is C and not B": an uppercase letter followed by prose is still the answer, except
    # A and I, which are also an article and a pronoun ("answer: I think ...", "is A 45-year-old").
    return len(tok) == 1 and tok.isupper() and tok not in "AI"


def _last(candidates: list[tuple[int, str]]) -> str | None:
    """The answer at the latest position (models restate their conclusion at the end)."""
    return max(candidates)[1] if candidates else None


# --------------------------------------------------------------------------------------------
# The rules: (text, item) -> answer or None
# --------------------------------------------------------------------------------------------


def _rule_format(text: str, item: Item) -> str | None:
    """The requested `ANSWER: X` line; the last one whose X is an answer of this item."""
    for m in reversed(list(_FORMAT.finditer(text))):
        answer = _resolve(m.group("tok"), item)
        if answer is not None and _terminated(m, text, answer, item):
            return answer
    return None


def _rule_boxed(text: str, item: Item) -> str | None:
    """`\\boxed{C}`, `\\boxed{\\text{(C)}}`, `\\boxed{yes}`, `\\boxed{Nitroglycerin}`; the last valid one."""
    for m in reversed(list(_BOXED.finditer(text))):
        content = _LATEX_WRAPPER.sub("", m.group(1)).replace("{", "").replace("}", "")
        answer = _parse_bare(content, item)
        if answer is None and item.task == TaskType.mcq:
            hits = [k for k, v in item.options.items() if _norm(v).strip() and _norm(v) == _norm(content)]
            answer = hits[0] if len(hits) == 1 else None
        if answer is not None:
            return answer
    return None


def _rule_answer_phrase(text: str, item: Item) -> str | None:
    """ "the answer is C", "I would choose C", "C is the correct answer"; the last valid one."""
    candidates = []
    for m in _PHRASE.finditer(text):
        if _HYPOTHETICAL.search(text[max(0, m.start() - 20) : m.start()]):
            continue
        answer = _resolve(m.group("tok"), item)
        if answer is not None and _terminated(m, text, answer, item):
            candidates.append((m.start("tok"), answer))
    for m in _LETTER_FIRST.finditer(text):
        answer = _resolve(m.group("tok"), item)
        if answer is None:
            continue
        before = text[max(0, m.start() - 40) : m.start()]
        explicit = m.group("noun") or m.group("close")
        at_boundary = (m.start() <= 40 and not before.strip(" \t*_")) or _LETTER_FIRST_BEFORE.search(before)
        # without a noun or markup, only an uppercase letter at a sentence/clause start counts
        if explicit or (at_boundary and m.group("tok").isupper()):
            candidates.append((m.start("tok"), answer))
    return _last(candidates)


def _parse_bare(text: str, item: Item) -> str | None:
    """`text` is nothing but an answer, optionally followed by that option's own text."""
    s = _BARE_NOISE.sub("", text).strip().lstrip("#> \t\n").strip()
    longest = max((len(o) for o in item.options.values()), default=0)
    if len(s) > longest + 40:
        return None  # cheap exit for real prose (and huge inputs)
    m = _BARE.fullmatch(s)
    if not m:
        return None
    answer = _resolve(m.group("tok"), item)
    if answer is None:
        return None
    rest = _norm(m.group("rest"))
    if not rest.strip():
        return answer  # "C", "(C).", "**yes**"
    if item.task == TaskType.mcq and rest == _norm(item.options[answer]):
        return answer  # "C) Nitroglycerin", "C: Nitroglycerin."
    return None


def _rule_bare(text: str, item: Item) -> str | None:
    """The whole response is the answer: "C", "(C)", "**C**", "c", "C) Nitroglycerin", "Yes."."""
    return _parse_bare(text, item)


def _rule_leading_letter(text: str, item: Item) -> str | None:
    """The response opens with an option marker: "C. Nitroglycerin is ...", "(B) because ...".
    Abstains when the text enumerates several options line by line (a list, not an answer)."""
    m = _LEADING.match(text)
    if not m or len(m.group("tok")) != 1:
        return None
    answer = _resolve(m.group("tok"), item)
    if answer is None or not _terminated(m, text, answer, item, leading=True):
        return None
    listed = {_resolve(letter, item) for letter in _ENUM_LINE.findall(text)} - {None}
    return answer if len(listed) <= 1 else None


def _option_mentions(text: str, item: Item) -> list[tuple[int, str]]:
    """(position, letter) for each mention of an option's text, case/punctuation-insensitive.
    A mention inside a longer option's mention at the same place is dropped ("Aspirin" inside
    "Aspirin and clopidogrel"). Options too short or without letters ("No", "2") are skipped:
    they occur in ordinary prose."""
    hay = _norm(text)
    spans = []
    for letter, option in item.options.items():
        needle = _norm(option)
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


def _rule_option_text(text: str, item: Item) -> str | None:
    """(mcq) The response names an option's text: the only option mentioned, else the only option
    mentioned in the last sentence/line; several there -> no guess."""
    if item.task != TaskType.mcq:
        return None
    letters = {letter for _, letter in _option_mentions(text, item)}
    if len(letters) == 1:
        return letters.pop()
    if not letters:
        return None
    sentences = [s for s in _SENTENCE_SPLIT.split(text[-5000:]) if any(ch.isalnum() for ch in s)]
    if not sentences or _ENUM_LINE.match(sentences[-1]):
        return None  # the last line is an item of a list of options ("D. Aspirin: no"), not a choice
    last = {letter for _, letter in _option_mentions(sentences[-1], item)}
    return last.pop() if len(last) == 1 else None


def _rule_yes_no_maybe(text: str, item: Item) -> str | None:
    """(yes/no/maybe items) "Yes, because ...", "No.", or exactly one of the three words standing
    alone as a sentence/conclusion ("...\\n\\nIn summary, no.")."""
    if item.task != TaskType.yes_no_maybe:
        return None
    m = _YNM_LEADING.match(text)
    # "No significant difference ..." / "Maybe the ..." are not answers: _terminated wants markup,
    # punctuation, end of line or a connective ("Yes because ...") after the word.
    if m and _terminated(m, text, m.group("tok").lower(), item):
        return m.group("tok").lower()
    words = {w.lower() for w in _YNM_STANDALONE.findall(text)}
    return words.pop() if len(words) == 1 else None


_RULE_FUNCS: tuple[tuple[str, Callable[[str, Item], str | None]], ...] = (
    ("format", _rule_format),
    ("boxed", _rule_boxed),
    ("answer_phrase", _rule_answer_phrase),
    ("bare", _rule_bare),
    ("leading_letter", _rule_leading_letter),
    ("option_text", _rule_option_text),
    ("yes_no_maybe", _rule_yes_no_maybe),
)
RULES: tuple[str, ...] = tuple(name for name, _ in _RULE_FUNCS)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def extract_answer(text: str, item: Item) -> Extraction:
    """The answer a free-text response commits to, and the rule that found it (see module doc)."""
    if item.task not in (TaskType.mcq, TaskType.yes_no_maybe):
        return UNPARSED
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = _normalize(text)
    visible, suffix = strip_thinking(text), ""
    if not visible:
        # only thinking: look for an answer stated inside it, marked as such
        visible, suffix = THINK_TAG.sub("\n", text).strip(), "@think"
    if not visible:
        return UNPARSED
    for name, rule in _RULE_FUNCS:
        answer = rule(visible, item)
        if answer is not None:
            return Extraction(answer, name + suffix, name == "format" and not suffix)
    return UNPARSED
