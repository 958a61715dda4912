"""What the number, date and letter-set parsers share: one normalization of the text, the visible
part of a response (thinking removed), and the `ANSWER:` lines it wrote."""

from __future__ import annotations

import re
import unicodedata

from .base import BOX_TOKENS, THINK_TAG, strip_thinking

_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPERSCRIPT_RUN = re.compile(r"[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
# Zero-width characters vanish; the minus sign and non-breaking hyphens become "-".
_CHARS = {**dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff")),
          **dict.fromkeys(map(ord, "\u2212\u2010\u2011\ufe63\uff0d"), "-")}

# A line that gives the answer: "ANSWER: 97", "**Final answer:** 97", "Réponse : A, C", "答え：a、c".
# The answer may sit on the next line or two ("**ANSWER:**\n\n97").
_ANSWER_LINE = re.compile(
    r"(?im)^[ \t>#*_`-]*+(?:final[ \t]+)?"
    r"(?:answers?|réponses?|respuestas?|antwort(?:en)?|risposta|resposta|答え|答案|正解|正答|解答)"
    r"[ \t*_`]*+(?:\([^()\n]{0,40}\)[ \t*_`]*+)?[:=][ \t*_`]*+(?P<rest>[^\n]*)"
)


def normalize(text: str) -> str:
    """Superscripts as "^n" (10⁻³ -> 10^-3, m² -> m^2), then NFKC (full-width "ＡＮＳＷＥＲ：Ａ" ->
    "ANSWER:A", "１，２３４" -> "1,234"), minus signs as "-", zero-width characters removed."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group().translate(_SUPERSCRIPT), text)
    text = BOX_TOKENS.sub("", unicodedata.normalize("NFKC", text).translate(_CHARS))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def visible(text: str) -> tuple[str, str]:
    """(the normalized response without thinking, rule suffix). A response that is nothing but
    thinking is read from its thinking, with the suffix "@think" (never strict)."""
    text = normalize(text)
    shown = strip_thinking(text)
    if shown:
        return shown, ""
    return THINK_TAG.sub("\n", text).strip(), "@think"


def answer_lines(text: str) -> list[str]:
    """What each `ANSWER:` line says, in order (the next non-empty line when the label stands alone)."""
    out = []
    for m in _ANSWER_LINE.finditer(text):
        rest = m.group("rest").strip()
        if not rest.strip("*_` "):
            following = [line for line in text[m.end():].split("\n", 3)[1:3] if line.strip()]
            rest = following[0].strip() if following else ""
        out.append(rest)
    return out
