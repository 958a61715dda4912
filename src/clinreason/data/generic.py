"""Your own MCQ (or yes/no/maybe) file, with no code: a FieldMap says which field holds what.

    load_file("my.csv", FieldMap.parse("question=Question,options=A|B|C|D,answer=Answer,id=ID,meta=subject"))

Formats: .jsonl, .json (a list of records, or {"data": [...]}), .csv, .tsv; UTF-8 (a BOM is fine).
Loading is all-or-nothing: `load_file` raises a DataError naming file, line and field before returning
anything; `scan_file` instead returns the good items plus the errors of the records it skipped.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from ..items import YES_NO_MAYBE, DataError, Item, TaskType, option_letters
from .base import find_bad_bytes, item_or_error, iter_jsonl, read_text, text_problem

FORMATS = (".jsonl", ".json", ".csv", ".tsv")
DEFAULT_SPEC = "question=question,options=options,answer=answer"


class FieldMap(BaseModel):
    """Which field (JSON key or CSV/TSV column) holds what."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str
    # One name: a field holding {letter: text} or a list. Several: one column per option, lettered A, B, ...
    options: tuple[str, ...] = ()
    # A letter, an option's text, or (with answer_index_base 0 or 1) the option's position.
    answer: str
    id: str | None = None  # default: the line number (record number in a .json file)
    context: str | None = None
    explanation: str | None = None
    meta: tuple[str, ...] = ()  # extra fields copied into Item.metadata
    answer_index_base: Literal[0, 1] | None = None
    task: Literal[TaskType.mcq, TaskType.yes_no_maybe] = TaskType.mcq
    language: str = "en"

    @field_validator("options", "meta", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:  # FieldMap(options="A|B|C") as well as options=("A", "B", "C")
        return tuple(v.strip() for v in value.split("|")) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _needs_options(self) -> FieldMap:
        if self.task == TaskType.mcq and not self.options:
            raise ValueError("an mcq file needs options=FIELD (a dict/list field) or options=COL1|COL2|...")
        return self

    @classmethod
    def parse(cls, spec: str) -> FieldMap:
        """`question=Q,options=A|B|C|D,answer=Ans` plus optional `id=`, `context=`, `explanation=`,
        `meta=s|t`, `answer_index_base=0|1`, `task=yes_no_maybe`, `language=`. Names may not contain , or |."""
        values: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key, sep, value = (s.strip() for s in part.partition("="))
            if not sep or not key or not value:
                raise ValueError(f"fields {spec!r}: {part!r} is not NAME=VALUE")
            if key not in cls.model_fields:
                raise ValueError(f"fields {spec!r}: unknown name {key!r}; known: {', '.join(cls.model_fields)}")
            if key in values:
                raise ValueError(f"fields {spec!r}: {key!r} given twice")
            # "1" -> 1 for answer_index_base; everything else is text for the validators.
            values[key] = int(value) if key == "answer_index_base" and value.isdigit() else value
        try:
            return cls(**values)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise ValueError(f"fields {spec!r}: {where + ': ' if where else ''}{err['msg']}") from None

    def columns(self) -> list[str]:
        named = [self.question, *self.options, self.answer, self.id, self.context, self.explanation, *self.meta]
        return [c for c in named if c]


@dataclass
class LoadResult:
    items: list[Item]
    skipped: list[DataError] = field(default_factory=list)


# --- reading records ----------------------------------------------------------------------------


@dataclass
class _Where:
    path: Path
    n: int  # line number, or record number in a .json file
    is_line: bool

    def error(self, fld: str | None, message: str) -> DataError:
        if self.is_line:
            return DataError(str(self.path), self.n, fld, message)
        return DataError(str(self.path), None, fld, f"record {self.n}: {message}")


def _records(path: Path, fm: FieldMap) -> Iterator[tuple[_Where, dict[str, Any] | DataError]]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        for line, rec in iter_jsonl(path):
            yield _Where(path, line, True), rec
    elif suffix == ".json":
        try:
            data = json.loads(read_text(path))
        except json.JSONDecodeError as e:
            raise DataError(str(path), e.lineno, None, f"invalid JSON ({e.msg} at column {e.colno})") from None
        if isinstance(data, dict) and isinstance(data.get("data"), list):
            data = data["data"]
        if not isinstance(data, list):
            raise DataError(str(path), None, None, 'expected a list of records or {"data": [...]}')
        for i, rec in enumerate(data, 1):
            where = _Where(path, i, False)
            yield where, rec if isinstance(rec, dict) else where.error(None, "expected an object")
    else:
        yield from _csv_records(path, fm, "\t" if suffix == ".tsv" else ",")


def _csv_records(path: Path, fm: FieldMap, delimiter: str) -> Iterator[tuple[_Where, dict[str, Any] | DataError]]:
    reader = csv.reader(io.StringIO(read_text(path), newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise DataError(str(path), 1, None, "no header row")
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        raise DataError(str(path), 1, None, "duplicate column names in the header")
    for col in fm.columns():
        if col not in header:
            raise DataError(str(path), 1, col, f"no such column; the header has: {', '.join(header)}")
    start = reader.line_num + 1
    for row in reader:
        where, start = _Where(path, start, True), reader.line_num + 1  # a quoted field may span lines
        if not any(cell.strip() for cell in row):
            continue  # blank or all-empty rows (spreadsheets leave them at the end)
        if len(row) != len(header):
            yield where, where.error(None, f"{len(row)} columns, the header has {len(header)}")
        else:
            yield where, dict(zip(header, row))


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
        if not isinstance(value, (list, dict)):
            raise where.error(name, "expected a {letter: text} object or a list of option texts")
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


def _answer_letter(raw: Any, options: dict[str, str], positions: list[str], fm: FieldMap, where: _Where) -> str:
    if fm.answer_index_base is not None:
        text = _text(raw, where, fm.answer, integral=True) or ""
        try:
            index = int(text) - fm.answer_index_base
        except ValueError:
            raise where.error(fm.answer, f"{raw!r} is not an index (answer_index_base={fm.answer_index_base})") from None
        letter = positions[index] if 0 <= index < len(positions) else None
        if letter not in options:
            message = f"index {raw!r} is not among the {len(options)} options (base {fm.answer_index_base})"
            raise where.error(fm.answer, message)
        return letter
    text = _text(raw, where, fm.answer) or ""  # objects, lists, NaN, booleans: not an answer
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raise where.error(fm.answer, f"{raw!r} is a number: set answer_index_base=0 or 1 if it is an option index")
    if text in options:
        return text
    if len(text) == 1 and text.upper() in options:
        return text.upper()
    for same in (lambda v: v == text, lambda v: v.casefold() == text.casefold()):
        matches = [k for k, v in options.items() if same(v)]
        if len(matches) == 1:
            return matches[0]
    message = f"{text!r} is not among options {', '.join(options)} (neither a letter nor an option's text)"
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
    try:
        return item_or_error(
            where.path, where.n, id=item_id, benchmark=benchmark, question=question, options=options, answer=answer,
            task=fm.task, language=fm.language,
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
