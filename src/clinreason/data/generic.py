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
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
import re
from typing import Any, Iterator, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from ..items import YES_NO_MAYBE, DataError, Item, TaskType, option_letters
from .base import find_bad_bytes, item_or_error, iter_jsonl, read_text, text_problem

FORMATS = (".jsonl", ".json", ".csv", ".tsv")
DEFAULT_SPEC = "question=question,options=options,answer=answer"
ANSWER_KINDS = ("auto", "letter", "text", "index0", "index1")
_CODE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
LANGUAGE_NAMES = {
    "english": "en", "french": "fr", "français": "fr", "francais": "fr", "spanish": "es", "español": "es",
    "espanol": "es", "chinese": "zh", "中文": "zh", "japanese": "ja", "日本語": "ja", "hindi": "hi", "हिन्दी": "hi",
    "german": "de", "deutsch": "de", "italian": "it", "portuguese": "pt", "korean": "ko", "arabic": "ar", "russian": "ru",
}


def language_code(value: str) -> str | None:
    """"fr", "pt_BR", "French" -> "fr", "pt-br", "fr"; None for anything else."""
    text = value.strip()
    if _CODE.match(text):
        return text.lower().replace("_", "-")
    return LANGUAGE_NAMES.get(text.casefold())


class FieldMap(BaseModel):
    """Which field (JSON key or CSV/TSV column) holds what."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str
    # One name: a field holding {letter: text} or a list. Several: one column per option, lettered A, B, ...
    options: tuple[str, ...] = ()
    # A letter, an option's text, or the option's position: see answer_kind.
    answer: str
    # How the answer is written: "auto" (a letter, else an option's text), "letter", "text", "index0", "index1".
    # FieldMap.parse reads it from a suffix: answer=Ans:text.
    answer_kind: Literal["auto", "letter", "text", "index0", "index1"] = "auto"
    id: str | None = None  # default: the line number (record number in a .json file)
    context: str | None = None
    explanation: str | None = None
    meta: tuple[str, ...] = ()  # extra fields copied into Item.metadata
    answer_index_base: Literal[0, 1] | None = None
    task: Literal[TaskType.mcq, TaskType.yes_no_maybe] = TaskType.mcq
    language: str = "en"  # the language of every record (a code), unless language_field gives one per record
    language_field: str | None = None  # a column holding each record's language (blank: `language`)

    @model_validator(mode="before")
    @classmethod
    def _shorthands(cls, data: Any) -> Any:
        """answer=Ans:text -> answer=Ans, answer_kind=text; language=Lang (not a code) -> language_field=Lang;
        answer_index_base=1 -> answer_kind=index1."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        answer = data.get("answer")
        if isinstance(answer, str):
            column, sep, kind = answer.rpartition(":")
            if sep and column.strip() and kind.strip().lower() in ANSWER_KINDS:
                if data.get("answer_kind", "auto") not in ("auto", kind.strip().lower()):
                    raise ValueError(f"answer {answer!r} and answer_kind={data['answer_kind']!r} disagree")
                data["answer"], data["answer_kind"] = column.strip(), kind.strip().lower()
        base = data.get("answer_index_base")
        if base is not None and base in (0, 1):
            kind = data.get("answer_kind", "auto")
            if kind not in ("auto", f"index{base}"):
                raise ValueError(f"answer_index_base={base} and answer kind {kind!r} disagree")
            data["answer_kind"] = f"index{base}"
        elif base is None and data.get("answer_kind") in ("index0", "index1"):
            data["answer_index_base"] = int(data["answer_kind"][-1])
        language = data.get("language")
        if isinstance(language, str) and language.strip():
            code = language_code(language)
            if code is None:
                if data.get("language_field"):
                    raise ValueError(f"language {language!r} is not a language code (like 'fr' or 'pt-BR')")
                data["language_field"], data["language"] = language.strip(), "en"
            else:
                data["language"] = code
        return data

    @field_validator("options", "meta", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:  # FieldMap(options="A|B|C") as well as options=("A", "B", "C")
        return tuple(v.strip() for v in value.split("|")) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _needs_options(self) -> FieldMap:
        if self.task == TaskType.mcq and not self.options:
            raise ValueError("an mcq file needs options=FIELD (a dict/list field) or options=COL1|COL2|...")
        return self

    @property
    def index_base(self) -> int | None:
        return {"index0": 0, "index1": 1}.get(self.answer_kind)

    @classmethod
    def parse(cls, spec: str) -> FieldMap:
        """`question=Q,options=A|B|C|D,answer=Ans[:letter|:text|:index0|:index1]` plus optional `id=`,
        `context=`, `explanation=`, `meta=s|t`, `answer_index_base=0|1`, `task=yes_no_maybe`,
        `language=CODE` or `language=COLUMN` (`language_field=COLUMN`). Names may not contain , or |."""
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
        named = [self.question, *self.options, self.answer, self.id, self.context, self.explanation, *self.meta,
                 self.language_field]
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
