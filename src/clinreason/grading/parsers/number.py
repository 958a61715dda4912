"""Numbers: the `ANSWER: <number>` line wins; else `\\boxed{}`, "the answer is <number>", and last
the last number written (loose rules, never strict).

What a number may look like: a sign ("-3", "−3"), units after it ("97 mL/min", "5.2 mg/dL",
"45%"), thousands separators ("1,234", "1 234", "1.234.567", "1.234,5" European when both
separators make it unambiguous; "1,5" is a decimal comma since a thousands group has three
digits), scientific notation ("1.2e-3", "1.2 × 10^-3", "1.2 × 10⁻³"), a qualifier before it
("approximately 97", "~97", "≈ 97") and a sentence's full stop after it ("97."). On an answer line
the number that opens it wins ("97 mL/min/1.73 m²" is 97), else the one after the last "="
("CrCl = 97"), else the first one.

A range ("18.5-24.9", "18.5 to 24.9", "between 5 and 10") is not one answer: on the answer line it
reads as no answer, with the rule "range" (flagged, counted as unparsed); in the reasoning its
numbers are skipped by the last-number rule (so "18.5-24.9" never reads as -24.9).

Languages that write a decimal comma (item.language fr, es, de, it, pt, ...) read "1,234" as 1.234."""

from __future__ import annotations

import re

from ...items import Item
from ._read import answer_lines, visible
from .base import UNPARSED, Extraction

# Not glued to a word, a decimal point, an exponent mark or a unit's denominator ("mL/min/1.73").
_BEFORE = r"(?<![\w.^/,])"
_MANTISSA = (
    r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 1,234,567.89
    r"|\d{1,3}(?:\.\d{3})+,\d+"  # 1.234,5
    r"|\d{1,3}(?:\.\d{3}){2,}"  # 1.234.567
    r"|\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?:[.,]\d+)?"  # 1 234 / 1 234,5
    r"|\d+,(?:\d{1,2}|\d{4,})"  # 1,5 (a decimal comma: thousands groups have 3 digits)
    r"|\d+(?:\.\d+)?"
    r"|\.\d+)"
)
_EXPONENT = (r"(?:[eE][-+]?\d+(?![\w.])"  # 1.2e-3
             r"|\^[ \t]*\(?[-+]?\d+\)?"  # 10^-3
             r"|[ \t]*[×xX*·][ \t]*10[ \t]*(?:\^|\*\*)[ \t]*\(?[-+]?\d+\)?)")  # 1.2 × 10^-3
_NUMBER = re.compile(
    _BEFORE + r"(?P<sign>[-+](?=[\d.]))?(?P<mantissa>" + _MANTISSA + r")(?P<exp>" + _EXPONENT + r")?"
    r"(?![\d]|[.,]\d)"
)
# What makes a number one end of a range: "18.5-24.9", "18.5 – 24.9", "18.5 to 24.9", "5~10".
_RANGE_AFTER = re.compile(r"[ \t]*(?:[-–—~]|to\b|until\b|à\b|a\b|bis\b)[ \t]*[-+]?(?:\d|\.\d)", re.IGNORECASE)
_RANGE_BETWEEN = re.compile(r"(?:between|from|entre|zwischen)[ \t]*$", re.IGNORECASE)
_AND_NUMBER = re.compile(r"[ \t]*(?:and|et|y|und|e|to|-|–)[ \t]*[-+]?\d", re.IGNORECASE)
_OPERATOR = re.compile(r"[ \t]*[-+*/×÷][ \t]*\(?[ \t]*\d")
_EXP_PARTS = re.compile(r"[eE]([-+]?\d+)|10[ \t]*(?:\^|\*\*)[ \t]*\(?([-+]?\d+)")
_BOXED = re.compile(r"\\boxed\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_PHRASE = re.compile(
    r"(?i)\b(?:(?:the|my)\s+)?(?:final\s+)?(?:answer|result)\s*(?:is|would\s+be|will\s+be|equals|=|:)\s*")
# Prose or markup allowed before the number that opens an answer line.
_OPENING = re.compile(r"(?i)^[\s*_`'\"(\[]*(?:(?:approximately|approx\.?|about|around|roughly|circa|ca\.|"
                      r"estimated|~|≈|≃)[\s*_`'\"]*)?")
_DECIMAL_COMMA_LANGUAGES = frozenset({"fr", "es", "de", "it", "pt", "nl", "ru", "pl", "tr", "sv", "da", "no", "fi",
                                      "cs", "ro", "el", "hu", "id", "vi", "ca"})


def _value(m: re.Match, decimal_comma: bool) -> float | None:
    """The number a match of _NUMBER spells."""
    mant = re.sub(r"[ \u00a0\u202f\u2009]", "", m.group("mantissa"))
    if "," in mant and "." in mant:
        group, point = (",", ".") if mant.rfind(".") > mant.rfind(",") else (".", ",")
        mant = mant.replace(group, "").replace(point, ".")
    elif "," in mant:
        parts = mant.split(",")
        grouped = len(parts) > 2 or (len(parts[1]) == 3 and not decimal_comma)
        mant = "".join(parts) if grouped else ".".join(parts)
    elif mant.count(".") > 1:
        mant = mant.replace(".", "")
    try:
        value = float(mant)
        exp = m.group("exp")
        if exp and exp.lstrip().startswith("^"):  # 10^-3 (a power written without a mantissa)
            value = value ** int(exp.strip("^ \t()"))
        elif exp:
            e = _EXP_PARTS.search(exp)
            value *= 10.0 ** int(e.group(1) or e.group(2))
    except (ValueError, OverflowError, AttributeError, ZeroDivisionError):
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return -value if m.group("sign") == "-" else value


def _range_starts(found: list[re.Match], text: str) -> set[int]:
    """Indices of the numbers in `found` that belong to a range, either end."""
    flagged: set[int] = set()
    for i, m in enumerate(found):
        between = _RANGE_BETWEEN.search(text[max(0, m.start() - 12):m.start()]) and _AND_NUMBER.match(text, m.end())
        if _RANGE_AFTER.match(text, m.end()) or between:
            flagged.update((i, i + 1))
    return flagged


def _answer_line_number(line: str, decimal_comma: bool) -> tuple[float | None, bool]:
    """(the number an answer line gives, whether it gives a range instead)."""
    found = list(_NUMBER.finditer(line))
    if not found:
        return None, False
    opening = _OPENING.match(line).end()
    first = found[0]
    # "CrCl = 97", "140 - 65 = 75": the result after the last "=", unless the line opens with a plain number
    if "=" in line and (first.start() != opening or _OPERATOR.match(line, first.end())):
        after = line.rfind("=")
        later = [m for m in found if m.start() > after]
        first = later[0] if later else first
    if found.index(first) in _range_starts(found, line):
        return None, True
    return _value(first, decimal_comma), False


def _last_number(text: str, decimal_comma: bool) -> tuple[float | None, bool]:
    """(the last number outside ranges, whether numbers were seen only in ranges)."""
    found = list(_NUMBER.finditer(text))
    ranges = _range_starts(found, text)
    kept = [m for i, m in enumerate(found) if i not in ranges]
    for m in reversed(kept):
        value = _value(m, decimal_comma)
        if value is not None:
            return value, False
    return None, bool(found)


def read_number(text: str, item: Item | None = None) -> tuple[float | None, str]:
    """(the number a response commits to, the rule that read it; "unparsed"/"range" for none)."""
    decimal_comma = item is not None and item.language.split("-")[0].lower() in _DECIMAL_COMMA_LANGUAGES
    shown, suffix = visible(text)
    lines = answer_lines(shown)
    if lines:
        saw_range = False
        for line in reversed(lines):
            value, is_range = _answer_line_number(line, decimal_comma)
            if value is not None:
                return value, "format" + suffix
            saw_range = saw_range or is_range
        return None, "range" if saw_range else "unparsed"  # the answer line said something else
    for m in reversed(list(_BOXED.finditer(shown))):
        value, is_range = _answer_line_number(m.group(1), decimal_comma)
        if value is not None:
            return value, "boxed" + suffix
        if is_range:
            return None, "range"
    phrases = list(_PHRASE.finditer(shown))
    for m in reversed(phrases):
        value, is_range = _answer_line_number(shown[m.end():m.end() + 80].split("\n")[0], decimal_comma)
        if value is not None:
            return value, "answer_phrase" + suffix
        if is_range:
            return None, "range"
    value, only_ranges = _last_number(shown, decimal_comma)
    if value is not None:
        return value, "last_number" + suffix
    return None, "range" if only_ranges else "unparsed"


def extract_number(text: str) -> tuple[float | None, str]:
    """The requested `ANSWER: <number>` line, else the loose rules (see the module doc)."""
    return read_number(text)


def canonical_number(value: float) -> str:
    """One spelling per number, so votes on 7, 7.0 and 7.00 count together."""
    value = float(value)
    if value == 0:
        return "0"
    if value != int(value) or abs(value) >= 1e16:
        return repr(value)
    return str(int(value))


def parse_number(text: str, item: Item) -> Extraction:
    value, rule = read_number(text, item)
    if value is None:
        return UNPARSED if rule == "unparsed" else Extraction(None, rule, False)
    return Extraction(canonical_number(value), rule, rule == "format")
