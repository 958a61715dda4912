"""All options of a question written in one string, split by their letters.

    "(A) BMI (B) Family history (C) Age"   "A. BMI\nB. Family history"   "A) BMI; B) Family history"

A split that could be read two ways is an error, never a guess (see split_lettered).
"""

from __future__ import annotations

import re

_STYLES = {  # marker of a letter L in each style
    "(A)": r"\(\s*{L}\s*\)", "A.": r"{L}\s*[.．]", "A)": r"{L}\s*[)）]", "A:": r"{L}\s*[:：]",
}
_FIRST = re.compile(r"\(\s*(?P<p>[Aa])\s*\)|(?P<l>[Aa])\s*(?P<s>[.．)）:：])")
_SUFFIX_STYLE = {".": "A.", "．": "A.", ")": "A)", "）": "A)", ":": "A:", "：": "A:"}
_BEFORE = r"(?:^|(?<=[\s;,|/]))"  # a marker starts the string or follows a space or a separator
LETTERED_HELP = "lettered options in one string, e.g. '(A) x (B) y', 'A. x\\nB. y' or 'A) x; B) y'"


def split_lettered(text: str) -> dict[str, str] | None:
    """Options written in one string -> {A: text, B: text, ...}; None when the string does not open
    with a first option marker ((A), A., A), A:, or lower-case a) or holds fewer than two options.
    ValueError when the split is ambiguous or an option is empty."""
    s = text.strip()
    first = _FIRST.match(s)
    if first is None:
        return None
    style = "(A)" if first.group("p") else _SUFFIX_STYLE[first.group("s")]
    a = first.group("p") or first.group("l")

    def marker(i: int) -> re.Pattern[str]:
        letter = chr(ord(a) + i)
        return re.compile(_BEFORE + _STYLES[style].format(L=re.escape(letter)))

    def finish(spans: list[tuple[int, int]], source: str) -> dict[str, str] | None:
        if len(spans) < 2:
            return None
        out = {}
        for i, (_, end) in enumerate(spans):
            stop = spans[i + 1][0] if i + 1 < len(spans) else len(source)
            body = " ".join(source[end:stop].split()).strip(" ;,|")
            if not body:
                raise ValueError(f"option {chr(ord('A') + i)} is empty")
            out[chr(ord("A") + i)] = body
        return out

    if "\n" in s:  # one option a line: a marker counts only where a line starts
        spans, pos = [(0, first.end())], first.end()
        for i in range(1, 26):
            found = re.compile(r"(?m)^[ \t]*" + _STYLES[style].format(L=re.escape(chr(ord(a) + i)))).search(s, pos)
            if found is None:
                break
            spans.append((found.start(), found.end()))
            pos = found.end()
        if len(spans) >= 2:
            return finish(spans, s)
    spans, pos = [(0, first.end())], first.end()
    for i in range(1, 26):
        found = marker(i).search(s, pos)
        if found is None:
            break
        spans.append((found.start(), found.end()))
        pos = found.end()
    # Unambiguous only if no letter's marker occurs twice before the next letter's marker.
    for i in range(1, len(spans)):
        stop = spans[i + 1][0] if i + 1 < len(spans) else len(s)
        if len(marker(i).findall(s, spans[i - 1][1], stop)) > 1:
            shown = style.replace("A", chr(ord(a) + i))
            raise ValueError(f"ambiguous: {shown!r} occurs more than once before the next option; "
                             "put one option on each line, or write the letters as (A) (B) ...")
    return finish(spans, s)
