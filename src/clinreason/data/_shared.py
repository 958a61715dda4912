"""Small readers the multilingual loaders share: JSON arrays with line numbers, headerless CSV rows,
lettered options and gold letters. Every problem is a DataError naming file, line and field."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path
from typing import Any, Iterator

from ..items import DataError, option_letters
from .base import as_text, find_bad_bytes, kind_of, read_text


def json_array_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line where the record starts, record) for each element of a top-level JSON array, so that a
    pretty-printed file's errors name a real line. A non-object element is a DataError."""
    text = read_text(path)
    decoder = json.JSONDecoder()

    def line_of(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    def skip(pos: int) -> int:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        return pos

    pos = skip(0)
    if pos >= len(text) or text[pos] != "[":
        raise DataError(str(path), line_of(pos), None, "expected a JSON list of records")
    pos, n = skip(pos + 1), 0
    if pos < len(text) and text[pos] == "]":
        return
    while True:
        try:
            record, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            raise DataError(str(path), e.lineno, None, f"invalid JSON ({e.msg} at column {e.colno})") from None
        n += 1
        line = line_of(pos)
        if not isinstance(record, dict):
            raise DataError(str(path), line, None, f"record {n}: expected a JSON object, got {kind_of(record)}")
        bad = find_bad_bytes(record)
        if bad is not None:
            raise DataError(str(path), line, bad, "holds bytes that are not valid UTF-8; re-save the file as UTF-8")
        yield line, record
        pos = skip(end)
        if pos < len(text) and text[pos] == ",":
            pos = skip(pos + 1)
            continue
        if pos < len(text) and text[pos] == "]":
            if skip(pos + 1) < len(text):
                raise DataError(str(path), line_of(skip(pos + 1)), None, "invalid JSON (extra data after the list)")
            return
        raise DataError(str(path), line_of(pos), None, "invalid JSON (expected ',' or ']' after a record)")


def load_json(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as e:
        raise DataError(str(path), e.lineno, None, f"invalid JSON ({e.msg} at column {e.colno})") from None


def csv_rows(path: Path, n_columns: int, *, header: tuple[str, ...] | None = None) -> Iterator[tuple[int, list[str]]]:
    """(line where the row starts, cells) for every non-blank row, after the header row when `header`
    names its columns. A missing file, another header, a row with another number of cells, or bytes
    that are not UTF-8 are DataErrors."""
    if not path.is_file():
        raise DataError(str(path), None, None, "missing file")
    reader = csv.reader(io.StringIO(read_text(path), newline=""))
    start = 1
    if header is not None:
        first = [c.strip() for c in next(reader, None) or []]
        if first != list(header):
            raise DataError(str(path), 1, None, f"expected the header {', '.join(header)!r}, got {', '.join(first)!r}")
        start = reader.line_num + 1
    for row in reader:
        line, start = start, reader.line_num + 1  # a quoted cell may span lines
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != n_columns:
            raise DataError(str(path), line, None, f"{len(row)} columns, expected {n_columns}")
        bad = find_bad_bytes(dict(enumerate(row)))
        if bad is not None:
            raise DataError(str(path), line, f"column {int(bad) + 1}", "holds bytes that are not valid UTF-8; re-save the file as UTF-8")
        yield line, row


def required_text(value: Any, path: Path, line: int | None, field: str) -> str:
    """Non-empty text (stripped), else a DataError naming the field."""
    text = as_text(value, path, line, field)
    if text is None or not text.strip():
        raise DataError(str(path), line, field, "missing or empty")
    return text.strip()


def lettered(choices: Any, path: Path, line: int | None, field: str) -> dict[str, str]:
    """A list of option texts -> {A: text, B: text, ...} in order."""
    if not isinstance(choices, list):
        raise DataError(str(path), line, field, f"expected a list of option texts, got {kind_of(choices)}")
    if len(choices) > 26:
        raise DataError(str(path), line, field, f"{len(choices)} options: at most 26 are supported")
    return {letter: required_text(text, path, line, f"{field}[{i}]")
            for i, (letter, text) in enumerate(zip(option_letters(len(choices)), choices))}


def gold_letters(raw: Any, options: dict[str, str], path: Path, line: int | None, field: str) -> list[str]:
    """Gold option letters in any case or width (a list, or one string such as "c" or "A") -> the item's
    upper-case letters, sorted and without repeats. A letter outside the item is a DataError."""
    if raw is None:
        raise DataError(str(path), line, field, "missing")
    values = raw if isinstance(raw, list) else [raw]
    if not values:
        raise DataError(str(path), line, field, "empty: no correct option given")
    letters: set[str] = set()
    for i, value in enumerate(values):
        text = as_text(value, path, line, f"{field}[{i}]" if isinstance(raw, list) else field)
        letter = unicodedata.normalize("NFKC", text or "").strip().upper()  # full-width ｂ -> B
        if letter not in options:
            raise DataError(str(path), line, field,
                            f"{text!r} is not an option letter of this item ({', '.join(options)})")
        letters.add(letter)
    return sorted(letters)
