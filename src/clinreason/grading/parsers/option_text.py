"""Rules that read an option without an answer phrase: "option_line", "option_ref", "option_review",
"option_text".

option_line   a line of its own holding a letter, or a letter with that option's text ("**C**",
              "C. Nitroglycerin", "e: ヘパリンです"), when no other option is enumerated anywhere.
option_ref    (mcq) the response's one reference to an option, "(option c)" / "（選択肢c）", in a statement
              that negates nothing.
option_review (mcq) every option reviewed on its own line with a verdict, exactly one judged correct:
              "A. Diltiazem: incorrect ... C. Nitroglycerin: correct ...", "a 正しい。… b 誤り。…".
option_text   (mcq) the response names an option's text instead of its letter. Committing sentences
              win ("Nitroglycerin is the drug of choice.", "Give heparin."), so an answer stated
              first is not overridden by options discussed after it. Else a first line that is nothing
              but an option's text with every later line only echoing the options ("クレアチニン\n\nA.
              ALT\nB. …"). Else the only option named (in English text, never in a sentence that rejects
              it), else a last line that is nothing but an option's text. A reply cut off mid-sentence
              answers nothing here. An option's text may carry a slip in one longer word (fuzzy.py); a
              Japanese/Chinese sentence commits with its verb ("…リファンピシンを用いる。").
"""

from __future__ import annotations

import re

from ...items import Item, TaskType
from .fuzzy import near_mentions
from .option_words import affirmed_once, named_by_words, none_option
from .options import ENUM_LINE, enumerated, norm, option_at, option_key, option_mentions, own_prefix
from .phrases import (COMMIT_CUES, NEGATIVE_CUES, OPTION_NOUNS_CJK, OPTION_NOUNS_LATIN, TRAILING_COPULA, VERDICT_NO,
                      VERDICT_YES)
from .slots import CONFLICT, parse_value

# Sentence/line boundaries; a single-letter marker "C. " is not a sentence end.
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])(?<!\b[A-Za-z][.!?])\s+|(?<=[。！？])|\n+")
_LETTER_START = re.compile(r"(?i)[\W_]*+(?:(?:option|choice)\s*[:#]?\s*)?[a-z](?![a-z0-9])")
# A review of the options ("Let's look at each option:") names options without choosing one.
_REVIEW = re.compile(
    r"(?i)\b(?:each|every|all|the|other|remaining)\s+(?:of\s+the\s+)?(?:options|choices|answer\s+choices)\b"
    r"|\blet['’]s\s+(?:look|review|analy[sz]e|consider|evaluate|go\s+through|examine|break)\b"
)
_REVIEW_LINE = re.compile(r"(?im)^[ \t*_#>-]*+(?:(?:option|choice)[ \t]++)?\(?([a-z])(?![a-z0-9])[.):]?[ \t*_]*+")
_VERDICT_SEP = re.compile(r"[ \t*_`]*+[:\-–—→=.,。、]?[ \t*_`]*+")
_VERDICT = re.compile(rf"(?i)(?:(?P<yes>{VERDICT_YES})|(?P<no>{VERDICT_NO}))(?![a-z])")
_NUMBERED = re.compile(r"[ \t*_#>-]*+\d{1,2}[.)][ \t]")
# a line echoing an option: its letter with a marker, or a lone letter (an echo cut off)
_ECHO_LINE = re.compile(r"(?i)[ \t*_#>-]*+\(?[a-z](?:[.):、]|[ \t]*+$)")
_TERMINAL = ".!?。！？)]*_\"'”’`>।؟"  # (the Devanagari danda and the Arabic question mark end sentences too)
# "(option c)", "(選択肢c)": a reference that names the option noun, not a bare "(c)"
_NOUN_REF = re.compile(rf"(?i)\([ \t]*+(?:{OPTION_NOUNS_LATIN}|{OPTION_NOUNS_CJK})[ \t:]*+([a-z])[ \t]*+\)")
_BRACKETED = re.compile(r"(?i)\([ \t]*+(?:[^\W\d_]+[ \t:]*+)?([a-z])[ \t]*+\)")
# negation in Chinese / Japanese ("不会", "没有", "生じない", "ではありません", "誤り")
_NEGATION_CJK = re.compile(r"不|没|無|ない|ません|誤|错|錯|非")
# a Japanese / Chinese sentence that commits to the option it names: "…にはリファンピシンを用いる。",
# "…が適切である。", "首选丙硫氧嘧啶。" (the verb ends the sentence: "…を用いることもあるが" goes on)
_COMMIT_CJK = re.compile(r"(?:を(?:用いる|使用する|投与する|選択する|選ぶ)|が(?:最も)?(?:適切|正しい|第一選択))"
                         r"(?:である|です)?[ \t]*+[。.]?$|(?:首选|首選|应选用|應選用)")


def _named(text: str, item: Item) -> set[str]:
    """The options whose text `text` writes (a slip in one longer word allowed: fuzzy.py)."""
    return {letter for _, letter in option_mentions(text, item)} | near_mentions(text, item)


def _commits(sentence: str) -> bool:
    s = sentence.strip()
    if _COMMIT_CJK.search(s):
        return not _NEGATION_CJK.search(s)
    return bool(COMMIT_CUES.search(s)) and not NEGATIVE_CUES.search(s)


def _cut_off(text: str) -> bool:
    """The reply stops mid-sentence: no closing punctuation and a last line of several words."""
    last = text.rstrip().rsplit("\n", 1)[-1]
    return bool(last) and last[-1] not in _TERMINAL and len(last.split()) >= 4


def _english(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return sum(ch.isascii() for ch in letters) >= 0.95 * len(letters)


def _opening_text(lines: list[str], item: Item) -> str | None:
    """The first line is nothing but one option's text ("クレアチニン", "Nitroglycerin."), and every
    line after it only echoes an option ("A. ALT", a short "B. …" cut off, a lone "D"): the model
    answered, then repeated the list. Any other line (a discussion, a verdict) leaves it undecided."""
    if len(lines) < 2:
        return None
    first = TRAILING_COPULA.sub("", lines[0].strip(" \t*_#>"))
    hits = [k for k, v in item.options.items() if norm(v).strip() and norm(v) == norm(first)]
    longest = max(len(v) for v in item.options.values())
    echo = all(_ECHO_LINE.match(line) and len(line.strip()) <= longest + 12 for line in lines[1:])
    return hits[0] if len(hits) == 1 and echo else None


def rule_option_text(text: str, item: Item) -> str | None:
    """(mcq) The option whose text the response commits to (see the module doc)."""
    if item.task != TaskType.mcq:
        return None
    text = text[-20000:]
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) >= 2 and all(_NUMBERED.match(line) and _named(line, item) for line in lines):
        return None  # "1. 4, increases\n2. 1, increases ...": the options echoed as a numbered list
    letters = _named(text, item)
    sentences = [s for s in _SENTENCE_SPLIT.split(text) if s and any(ch.isalnum() for ch in s)]
    if not letters:
        return _short_reply(text, sentences, item, named_by_words)
    named = [(s, _named(s, item)) for s in sentences]
    committed = set()
    for s, opts in named:
        if len(opts) == 1 and not ENUM_LINE.match(s) and _commits(s):
            committed |= opts
    if committed:
        return committed.pop() if len(committed) == 1 else None
    if (opening := _opening_text(lines, item)) is not None:
        return opening
    if _cut_off(text) or _REVIEW.search(text) or len(enumerated(text, item)) >= 2:
        return None  # a review or list of the options, or a reply cut off mid-sentence: no commitment
    if len(letters) == 1 and _english(text):  # (rejections are only recognized in English)
        letter = next(iter(letters))
        if {option_key(x, item) for x in _BRACKETED.findall(text)} - {None, letter}:
            return None  # "Vasodilators help (option C), and so does aspirin (D).": another option pointed at
        rejected = any(letter in opts and NEGATIVE_CUES.search(s) for s, opts in named)
        if not rejected or (item.language or "en") == "en":
            return None if rejected else letter
    # another language ("no Brasil" rejects nothing): a short reply, read with its own negations (option_words.py)
    if len(letters) == 1 and (got := _short_reply(text, sentences, item, _named)) is not None:
        return got
    last, opts = named[-1] if named else ("", set())
    if len(opts) == 1 and not ENUM_LINE.match(last):
        letter = next(iter(opts))
        bare = {k for line in lines for k, v in item.options.items() if norm(line) == norm(v)}
        if norm(last) == norm(item.options[letter]) and bare == {letter}:
            return letter  # the last line is nothing but an option's text: "Nitroglycerin." (and no other line
            # is nothing but another option's text: "<C's text>\n\n<D's text>" states two)
    return None


# a letter pointed at in brackets: "(C)", "(option C)"; not any bracketed word ending in a letter
_LETTER_REF = re.compile(rf"(?i)\([ \t]*+(?:(?:{OPTION_NOUNS_LATIN})[ \t]++)?([a-z])[ \t]*+\)")


def _short_reply(text: str, sentences: list[str], item: Item, naming) -> str | None:
    """(round 8) A short reply (up to 600 characters) naming one option, in any language of NEGATIONS, in
    sentences that negate nothing: "O principal vetor ... é o mosquito Aedes aegypti.", "...表现为小细胞低色素性
    贫血，…" (not an option's text as a heading on a line of its own); naming none, "None of the listed drugs
    is ..." is the "None of the above" option. No letter pointed at, no review, no list of options, not cut off."""
    if len(text) > 600 or _cut_off(text) or _REVIEW.search(text) or enumerated(text, item) or _LETTER_REF.search(text):
        return None
    lines = [line for line in text.split("\n") if line.strip()]
    texts = {norm(v) for v in item.options.values()}
    if len(lines) >= 2 and any(norm(TRAILING_COPULA.sub("", line.strip(" \t*_#>"))) in texts for line in lines):
        return None  # "ラベタロール\n\n冠攣縮を悪化させる。": an option as a heading, then a discussion of it
    named = [naming(s, item) for s in sentences]
    return affirmed_once(sentences, named, item) if any(named) else none_option(text, item)


def rule_option_ref(text: str, item: Item) -> str | None:
    """(mcq) A statement pointing at one option by a bracketed reference with the option noun:
    "Thiamine deficiency causes Wernicke encephalopathy (option c).", "…を生じる（選択肢c）。". Only
    when it is the response's one reference to any option (no other letter in brackets, no other
    option's text, no list of options) and its sentence negates nothing."""
    if item.task != TaskType.mcq:
        return None
    refs = [(m, option_key(m.group(1), item)) for m in _NOUN_REF.finditer(text)]
    if len(refs) != 1 or refs[0][1] is None:
        return None
    m, key = refs[0]
    bracketed = {option_key(x, item) for x in _BRACKETED.findall(text)} - {None}
    if bracketed - {key} or _named(text, item) - {key} or enumerated(text, item) - {key}:
        return None
    start = max(text.rfind(ch, 0, m.start()) for ch in ".!?。！？\n")
    sentence = text[start + 1 : m.end()]
    return None if NEGATIVE_CUES.search(sentence) or _NEGATION_CJK.search(sentence) else key


def rule_option_line(text: str, item: Item) -> str | None:
    """A line of its own that is just a letter, or a letter with its option's text, when no other
    option is enumerated in the response (a list of options is a review, not an answer)."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) < 2:
        return None  # a one-line response is "bare" or "leading_letter" territory
    longest = max((len(o) for o in item.options.values()), default=0)
    found = set()
    for line in lines:
        if line.rstrip(" \t*_").endswith(":"):
            continue  # "Option A:" heads a discussion of A, it doesn't choose it
        if line is lines[-1] and _echo_cut(line, item):
            continue  # "A. 10 मिनट से कम अवधि वा": a list of the options, cut off as it began
        if len(line) <= longest + 60 and _LETTER_START.match(line):
            got = parse_value(line, item, text_ok=False)
            if got is not None:
                found.add(got)
    if len(found) != 1:
        return None
    got = found.pop()
    listed = enumerated(text, item)
    if got == CONFLICT:
        return CONFLICT if len(listed) <= 1 else None
    return got if listed <= {got} else None


def _echo_cut(line: str, item: Item) -> bool:
    """`line` (the response's last) is a letter and the start of its option's text, cut off mid-text."""
    m = _LETTER_START.match(line)
    key = option_key(m.group(0)[-1], item) if m else None
    if key is None or line.rstrip()[-1:] in _TERMINAL:
        return False
    said = norm(line[m.end():]).rstrip()
    whole = norm(item.options[key])
    return len(said.strip()) >= 3 and whole.startswith(said) and said != whole.rstrip()


def rule_option_review(text: str, item: Item, *, finished: bool = False) -> str | None:
    """(mcq) Every option reviewed on a line of its own with a verdict; exactly one judged correct.
    `finished` (the model went on to a question of its own): the options it reviewed suffice."""
    if item.task != TaskType.mcq:
        return None
    verdicts: dict[str, set[bool]] = {}
    for m in _REVIEW_LINE.finditer(text):
        key = option_key(m.group(1), item)
        if key is None:
            continue
        pos = m.end()
        own = option_at(text, pos, item, key=key)
        # the option's text, or its first words ("B. Thiamine ✅" for "Thiamine (vitamin B1)")
        pos = _VERDICT_SEP.match(text, own[1] if own else own_prefix(text, pos, item, key)).end()
        v = _VERDICT.match(text, pos)
        verdicts.setdefault(key, set()).add(bool(v and v.group("yes")) if v else None)
    if not verdicts or any(len(v) != 1 or None in v for v in verdicts.values()):
        return None  # not every option reviewed judged, once, clearly
    if set(verdicts) != set(item.options) and not finished:
        return None  # a review that stops early may have been cut off: an option left might be correct
    correct = [key for key, v in verdicts.items() if True in v]
    return correct[0] if len(correct) == 1 else None


def finished_review(text: str, item: Item) -> tuple[str, str] | None:
    """("option_review", answer) for a review the model ended itself, by going on to a question of its
    own ("a 正しい。…\n<user turn>\n問題: ..."): the options it judged are all it meant to judge."""
    got = None if _cut_off(text) else rule_option_review(text, item, finished=True)
    return ("option_review", got) if got else None
