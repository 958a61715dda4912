"""Your own MCQ (or yes/no/maybe) file, with no code: a FieldMap says which field holds what.

    load_file("my.csv", FieldMap.parse("question=Question,options=A|B|C|D,answer=Answer,id=ID,meta=subject"))

Options: one column per option (options=A|B|C|D), or one field holding a {letter: text} object, a list
of texts, or all options in one string, lettered in one consistent style:
    "(A) BMI (B) Family history (C) Age"   "A. BMI\nB. Family history"   "A) BMI; B) Family history"
(also "A: x"; letters from A, or from a, in order). A string with line breaks is read line by line (a
line that does not open with the next letter continues the option above); on one line a marker such
as "B." that occurs twice before "C." is an error (ambiguous), never a guess.
Answer: say how it is written with a suffix on the column, `answer=Ans:letter`, `answer=Ans:text`
(the option's text), `answer=Ans:index0` or `answer=Ans:index1` (its position from 0 or 1). Without
a suffix a letter is read as a letter, anything else as an option's text (and a number is an error
that asks for :index0 or :index1). `answer_index_base=0|1` is the older spelling of :index0/:index1.
Language: `language=fr` for the whole file, or `language=Lang` (any value that is not a language
code is a column; `language_field=COL` says so explicitly) for a language per record; a blank cell
falls back to English. Codes like "fr", "ja", "pt-BR" and the English names of common languages
("French") are accepted; items are prompted in their language (see clinreason.prompts).

Formats: .jsonl, .json (a list of records, or {"data": [...]}), .csv, .tsv; UTF-8 (a BOM is fine).
Loading is all-or-nothing: `load_file` raises a DataError naming file, line and field before returning
anything; `scan_file` instead returns the good items plus the errors of the records it skipped.

The parts: the FieldMap is `field_map`, reading a file's records `file_records`, splitting options
written in one string `lettered_options`; turning a record into an Item is here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..items import YES_NO_MAYBE, DataError, Item, TaskType, option_letters
from .base import find_bad_bytes, item_or_error, text_problem
# The parts live in their own modules; their names stay importable from here.
from .field_map import ANSWER_KINDS, LANGUAGE_NAMES, FieldMap, language_code  # noqa: F401
from .file_records import _csv_records, _records, _Where  # noqa: F401
from .lettered_options import LETTERED_HELP, split_lettered

FORMATS = (".jsonl", ".json", ".csv", ".tsv")
DEFAULT_SPEC = "question=question,options=options,answer=answer"


@dataclass
class LoadResult:
    items: list[Item]
    skipped: list[DataError] = field(default_factory=list)


# --- one record -> one Item ---------------------------------------------------------------------


def _text(value: Any, where: _Where, fld: str, *, integral: bool = False) -> str | None:
    """The value as stripped text (None when absent or blank); an object, list, NaN, Infinity or
    boolean is a DataError naming the field, never its Python repr."""
    text, problem = text_problem(value, integral=integral)
    if problem:
        raise where.error(fld, problem)
    return (text or "").strip() or None


def _options(rec: dict[str, Any], fm: FieldMap, where: _Where) -> tuple[dict[str, str], list[str]]:
    """(letter -> text, empties dropped; every letter by position, so an index still resolves)."""
    if len(fm.options) == 1:
        name = fm.options[0]
        value = rec.get(name)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):  # JSON inside a CSV cell
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        if value is None:
            raise where.error(name, "missing")
        if isinstance(value, str):  # all options in one string: "(A) x (B) y", "A. x\nB. y", ...
            try:
                split = split_lettered(value)
            except ValueError as e:
                raise where.error(name, str(e)) from None
            if split is not None:
                value = split
        if not isinstance(value, (list, dict)):
            raise where.error(name, f"expected a {{letter: text}} object, a list of option texts, or {LETTERED_HELP}")
        if len(value) > 26:
            raise where.error(name, f"{len(value)} options: at most 26 are supported")
        keys = [str(k).strip() for k in value] if isinstance(value, dict) else []
        # Letter keys (A, B, ...) are kept; a list, or other keys (opa, opb, ...), are lettered in order.
        letters = keys if keys and all(len(k) == 1 and "A" <= k <= "Z" for k in keys) else option_letters(len(value))
        texts = list(value.values()) if isinstance(value, dict) else value
        fields = [f"{name}.{k}" for k in (keys if isinstance(value, dict) else letters)]
    else:
        for name in fm.options:
            if name not in rec:
                raise where.error(name, "missing")
        letters, texts = option_letters(len(fm.options)), [rec[name] for name in fm.options]
        fields = list(fm.options)
    # An empty cell is "no option here" (e.g. a 4-option row in a 5-column sheet), not an empty choice.
    options = {letter: text for letter, raw, fld in zip(letters, texts, fields)
               if (text := _text(raw, where, fld)) is not None}
    return options, letters


_WRAPPED_LETTER = re.compile(r"^\(?\s*([A-Za-z])\s*[).:]?$")  # B, (B), B), B., B:


def _by_text(text: str, options: dict[str, str]) -> list[str]:
    """Letters of the options whose text is `text`: exactly, else ignoring case, spacing and a final period."""
    def norm(v: str) -> str:
        return " ".join(v.split()).casefold().rstrip(".。")

    for same in (lambda v: v == text, lambda v: norm(v) == norm(text)):
        matches = [k for k, v in options.items() if same(v)]
        if matches:
            return matches
    return []


def _answer_letter(raw: Any, options: dict[str, str], positions: list[str], fm: FieldMap, where: _Where) -> str:
    kind, base = fm.answer_kind, fm.index_base
    if base is not None:
        text = _text(raw, where, fm.answer, integral=True) or ""
        try:
            index = int(text) - base
        except ValueError:
            raise where.error(fm.answer, f"{raw!r} is not an index (answer kind {kind}: 0-based)"
                              if base == 0 else f"{raw!r} is not an index (answer kind {kind}: 1-based)") from None
        letter = positions[index] if 0 <= index < len(positions) else None
        if letter not in options:
            message = f"index {raw!r} is not among the {len(options)} options (base {base})"
            raise where.error(fm.answer, message)
        return letter
    text = _text(raw, where, fm.answer) or ""  # objects, lists, NaN, booleans: not an answer
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and kind != "text":
        raise where.error(fm.answer, f"{raw!r} is a number: if it is an option's position, write answer=COLUMN:index0 or "
                          ":index1 (or answer_index_base=0|1)")
    if kind in ("auto", "letter"):
        if text in options:
            return text
        wrapped = _WRAPPED_LETTER.match(text)
        if wrapped and wrapped.group(1).upper() in options:
            return wrapped.group(1).upper()
        if kind == "letter":
            raise where.error(fm.answer, f"{text!r} is not an option letter ({', '.join(options)})")
    matches = _by_text(text, options)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise where.error(fm.answer, f"{text!r} is the text of several options ({', '.join(matches)}): ambiguous")
    if kind == "text":
        message = f"{text!r} is not the text of any option ({', '.join(f'{k}: {v!r}' for k, v in options.items())})"
    else:
        message = f"{text!r} is not among options {', '.join(options)} (neither a letter nor an option's text)"
        if text.isdigit():
            message += "; if it is an option's position, write answer=COLUMN:index0 or :index1"
    raise where.error(fm.answer, message)


def _to_item(rec: dict[str, Any], fm: FieldMap, where: _Where, benchmark: str) -> Item:
    bad = find_bad_bytes(rec)
    if bad is not None:
        raise where.error(bad, "holds bytes that are not valid UTF-8; re-save the file as UTF-8")
    if fm.question not in rec:
        raise where.error(fm.question, "missing")
    question = _text(rec[fm.question], where, fm.question)
    if question is None:
        raise where.error(fm.question, "empty question")
    if rec.get(fm.answer) is None:
        raise where.error(fm.answer, "missing")

    if fm.options:
        options, positions = _options(rec, fm, where)
        if len(options) < 2:
            raise where.error("|".join(fm.options), f"needs at least two non-empty options, got {len(options)}")
        answer = _answer_letter(rec[fm.answer], options, positions, fm, where)
        if fm.task == TaskType.yes_no_maybe:
            answer = options[answer].lower()
    else:  # yes/no/maybe with no options column: the answer is the label itself
        options, answer = {"A": "yes", "B": "no", "C": "maybe"}, (_text(rec[fm.answer], where, fm.answer) or "").lower()
    if fm.task == TaskType.yes_no_maybe and answer not in YES_NO_MAYBE:
        raise where.error(fm.answer, f"{answer!r} is not yes/no/maybe")

    if fm.id:
        item_id = _text(rec.get(fm.id), where, fm.id, integral=True)
        if item_id is None:
            raise where.error(fm.id, "missing or empty id")
    else:
        item_id = str(where.n)
    language = fm.language
    if fm.language_field:
        if fm.language_field not in rec:
            raise where.error(fm.language_field, "missing")
        given = _text(rec[fm.language_field], where, fm.language_field)
        if given is not None:
            code = language_code(given)
            if code is None:
                raise where.error(fm.language_field, f"{given!r} is not a language code (like 'fr', 'ja' or 'pt-BR') "
                                  "or a known language name")
            language = code
    try:
        return item_or_error(
            where.path, where.n, id=item_id, benchmark=benchmark, question=question, options=options, answer=answer,
            task=fm.task, language=language,
            context=_text(rec.get(fm.context), where, fm.context) if fm.context else None,
            explanation=_text(rec.get(fm.explanation), where, fm.explanation) if fm.explanation else None,
            metadata={name: rec.get(name) for name in fm.meta},
        )  # fmt: skip
    except DataError as e:
        raise where.error(e.field, e.message) from None


# --- public -------------------------------------------------------------------------------------


def _prepare(path: str | Path, fields: FieldMap | str | None) -> tuple[Path, FieldMap]:
    path = Path(path)
    fm = fields if isinstance(fields, FieldMap) else FieldMap.parse(fields or DEFAULT_SPEC)
    if path.suffix.lower() not in FORMATS:
        raise DataError(str(path), None, None, f"unsupported file type; use one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise DataError(str(path), None, None, "no such file")
    return path, fm


def scan_file(path: str | Path, fields: FieldMap | str | None = None, benchmark: str | None = None) -> LoadResult:
    """Every good record as an Item, plus one DataError per skipped record. File-level problems
    (unreadable, not JSON, a mapped column absent from the header, no records) still raise."""
    path, fm = _prepare(path, fields)
    benchmark = benchmark or path.stem
    result = LoadResult(items=[])
    first: dict[str, int] = {}
    for where, rec in _records(path, fm):
        try:
            if isinstance(rec, DataError):
                raise rec
            item = _to_item(rec, fm, where, benchmark)
            if item.id in first:
                unit = "line" if where.is_line else "record"
                raise where.error(fm.id or "id", f"duplicate id {item.id!r} (first on {unit} {first[item.id]})")
        except DataError as e:
            result.skipped.append(e)
            continue
        first[item.id] = where.n
        result.items.append(item)
    if not result.items and not result.skipped:
        raise DataError(str(path), None, None, "no records")
    return result


def load_file(path: str | Path, fields: FieldMap | str | None = None, benchmark: str | None = None) -> list[Item]:
    """All items of the file, or a DataError (file, line, field) before anything is returned."""
    result = scan_file(path, fields, benchmark)
    if result.skipped:
        e, more = result.skipped[0], len(result.skipped) - 1
        suffix = f" (and {more} more bad record{'s' * (more > 1)}; nothing was loaded)" if more else ""
        raise DataError(e.path, e.line, e.field, e.message + suffix)
    return result.items
