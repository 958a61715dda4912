"""Run-on generations: where a response stops answering the asked question and starts a question of
its own (a "Question:" header, a chat turn, a new vignette with options, a new numbered exam question).

letter.py reads only the text before the first such place (see its `_read`). A cut is `sure` when the
new block is unmistakably a new question (a chat turn, options or an answer line of its own); an
unsure one (a header with a "?" below) only cuts when an answer was given before it.
"""

from __future__ import annotations

import re

from ...items import Item
from .options import ENUM_LINE, norm, option_at, option_key
from .phrases import ANSWER_LABEL_ALT, CHAT_TURN, NEW_TURN

# An answer line of a generated question; a new vignette without a header (a paragraph ending in "?"
# followed by an option list starting at A).
ANSWER_LINE = re.compile(rf"(?im)^[ \t>#*_`-]*+(?:answer|{ANSWER_LABEL_ALT})[ \t*_`]*+(?:[:=\-–—]|$)")
_POSED = re.compile(r"(?im)^[^\n?]{10,600}\?[ \t*_]*+\n(?:[ \t]*+\n)*+[ \t*_#>-]*+\(?a[.):]")
# A new numbered exam question ("22. 消化性溃疡最常见的并发症是\nA. 穿孔\nB. ..."): Chinese and Japanese stems
# often end without a "?". It only counts with options that are not the item's and an answer line of its
# own (a numbered step of the response, "2. Compare the options:\nA. Diltiazem: ...", lists the item's).
_NUMBERED = re.compile(r"(?im)^[ \t*_#>]*+(?:\d{1,3}[.)、]|第\d{1,3}[题題問])[ \t]*+[^\n]{4,600}\n(?:[ \t]*+\n)*+"
                       r"(?=[ \t*_#>-]*+\(?a[.):、])")
_OPTION_LINE = re.compile(r"(?im)^[ \t*_#>-]*+\(?[a-z][.):、][ \t]*+([^\n]*)")


# a degenerate loop of letters: "D、C、D、D、C、C、C；C；C；..." (six or more, punctuation only between)
_LETTER_RUN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z](?:[ \t]*+[,;/、;][ \t]*+[A-Za-z](?![A-Za-z0-9])){5,}")


def looping(text: str, item: Item) -> bool:
    """The response falls into a run of option letters that repeats itself and names at least two options:
    a generation loop naming several answers, so nothing said before it stands as the one answer. (A list
    that names each option once, "A, B, C, D, E, F", enumerates; it doesn't loop.)"""
    for m in _LETTER_RUN.finditer(text):
        tokens = re.findall(r"[A-Za-z]", m.group())
        keys = {option_key(t, item) for t in tokens}
        if None not in keys and len(keys) >= 2 and len(set(tokens)) < len(tokens):
            return True
    return False


# "选项：" / "Options:" opening the response: the header of the item's list of options, echoed
_OPTIONS_HEADER = re.compile(r"(?i)[ \t*_#>]*+(?:选项|選項|選択肢|options|choices|opciones)[ \t*_]*+:[ \t*_]*+")


def options_echo(text: str, item: Item) -> bool:
    """The response is an options header ("选项：") and then nothing but option lines, each an option's
    letter with its own text ("A. 可能继发甲亢" over and over): an echo of the list, no choice."""
    m = _OPTIONS_HEADER.match(text)
    lines = [line for line in text[m.end():].split("\n") if line.strip()] if m else []
    return bool(lines) and all(_echoes(line, item) for line in lines)


def _echoes(line: str, item: Item) -> bool:
    m = ENUM_LINE.match(line)
    key = option_key(m.group(1), item) if m else None
    own = option_at(line, m.end(), item, key=key) if key else None
    return bool(own) and not line[own[1]:].strip(" \t*_.。;；")


def foreign_question(text: str, item: Item) -> bool:
    """(round 8) The response itself opens with a new numbered question ("136. Which of the following ...?") and
    options, most of them not the item's: their letters carry other texts ("A. Aspirin" where A is
    ibuprofen). Whatever it answers below answers that question, not the asked one."""
    m = _NUMBERED.match(text)
    if not m:
        return False
    lines = []
    for line in text[m.end():].lstrip("\n").split("\n"):
        got = _OPTION_LINE.match(line)
        if not got:
            break
        lines.append((option_key(line.lstrip(" \t*_#>-(")[:1], item), got.group(1)))
    foreign = sum(key is None or norm(said) != norm(item.options[key]) for key, said in lines)
    return len(lines) >= 2 and foreign * 2 > len(lines)


def restates(block: str, item: Item) -> bool:
    """`block` repeats the asked question (most of its first 40 longer words), not a new one."""
    words = [w for w in norm(item.question).split() if len(w) >= 4][:40]
    seen = set(norm(block[: len(item.question) + 300]).split())
    return bool(words) and sum(w in seen for w in words) >= 0.5 * len(words)


def _new_options(block: str, item: Item) -> bool:
    """`block` opens with a list of options, most of them not the item's, and has an answer line."""
    answer = ANSWER_LINE.search(block)
    if not answer:
        return False
    lines = list(_OPTION_LINE.finditer(block, 0, answer.start()))
    own = sum(option_at(block, m.start(1), item) is not None for m in lines)  # "A. 地尔硫䓬：不合适" is the item's
    return len(lines) >= 2 and own * 2 < len(lines)


def generated(text: str, item: Item) -> list[tuple[int, bool]]:
    """(position, sure) where a generated new question or chat turn begins (never at the very start).
    `sure`: a chat turn, or a question with options or with an answer line of its own."""
    cuts = []
    content = len(text) - len(text.lstrip())  # where the response's text begins
    for seen, m in enumerate(NEW_TURN.finditer(text)):
        if seen >= 20:
            break  # a real run-on has a header or two; this bounds the work on pathological text
        if m.start() >= content:
            block = text[m.end() : m.end() + 3000]
            sure = bool(CHAT_TURN.match(text, m.start()) or len(set(map(str.lower, ENUM_LINE.findall(block)))) >= 2
                        or ANSWER_LINE.search(block))
            if sure or "?" in block[:600]:
                cuts.append((m.start(), sure))
        if len(cuts) >= 3:
            break
    for m in _POSED.finditer(text):
        gap = text.rfind("\n\n", max(0, m.start() - 3000), m.start())
        start = gap + 2 if gap >= 0 else m.start()
        if start > content and m.end() - start >= 150:  # a new vignette, not "Which fits?"
            cuts.append((start, True))
            break
    for m in _NUMBERED.finditer(text):
        if m.start() > content and _new_options(text[m.end() : m.end() + 3000], item):
            cuts.append((m.start(), True))
            break
    return sorted(cuts)[:4]
