"""The records of a .jsonl, .json, .csv or .tsv file, each with where it came from (for errors)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..items import DataError
from .base import iter_jsonl, read_text
from .field_map import FieldMap

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
