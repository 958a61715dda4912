"""Corpora as data: a source (the built-in MedQuAD archive, or the user's JSONL / JSON / CSV / TSV
file or folder of .txt/.md files) -> validated, chunked `Passage`s with stable ids.

Everything is read and checked before an index is built: a broken record is a `DataError` naming
file, line and field, and nothing partial is indexed. The content hash (of the bytes read, plus the
chunker's version) keys the on-disk index, so a changed corpus gets a new index."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tarfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from ..errors import DataError
from . import Passage

CHUNKER = "words-180-v1"  # part of every index key: changing the chunking rebuilds the indexes
MAX_WORDS = 180  # one passage: a paragraph or two, small enough for several in a small model's context
MEDQUAD_RELPATH = "medquad/MedQuAD_collections1-9_answers.tar.gz"
TEXT_SUFFIXES = (".txt", ".md")
TABLE_SUFFIXES = (".jsonl", ".json", ".csv", ".tsv")


@dataclass(frozen=True)
class CorpusSource:
    name: str  # public: prefixes passage ids and names the source in traces
    path: Path
    kind: str  # medquad | jsonl | json | csv | tsv | folder

    @property
    def key(self) -> str:
        """The index key: the content hash of every byte read, and the chunker's version."""
        return hashlib.sha256(f"{self.kind}:{CHUNKER}:{content_hash(self.path)}".encode()).hexdigest()


def resolve(spec: str, data_dir: str | Path | None = None) -> CorpusSource:
    """A corpus spec (`medquad`, or a path) -> where and what it is."""
    if spec.lower() == "medquad":
        from ..data.locate import resolve_data_dir

        candidates = [d / MEDQUAD_RELPATH for d in resolve_data_dir(data_dir)]
        for path in candidates:
            if path.is_file():
                return CorpusSource("medquad", path, "medquad")
        raise FileNotFoundError("corpus 'medquad' not found; looked for " + ", ".join(map(str, candidates))
                                + ": pass --data-dir DIR (or set CLINREASON_DATA) with DIR/" + MEDQUAD_RELPATH)
    path = Path(spec).expanduser()
    if path.is_dir():
        return CorpusSource(_safe_name(path.name), path, "folder")
    if not path.is_file():
        raise FileNotFoundError(f"corpus {spec!r}: no such file or folder (a corpus is 'medquad', a "
                                f"{'/'.join(TABLE_SUFFIXES)} file, a folder of {'/'.join(TEXT_SUFFIXES)} files, or a URL)")
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ValueError(f"corpus {spec!r}: unsupported file type {suffix or '(none)'}; use {', '.join(TABLE_SUFFIXES)}")
    return CorpusSource(_safe_name(path.stem), path, suffix.lstrip("."))


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "corpus"


def content_hash(path: Path) -> str:
    path = Path(path)
    stat = path.stat()
    return _content_hash(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)  # keyed by mtime and size too: an edited file is hashed again
def _content_hash(path: str, _mtime_ns: int, _size: int) -> str:
    digest = hashlib.sha256()
    root = Path(path)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
    for file in files:
        if file != root:
            digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        with open(file, "rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def read_passages(source: CorpusSource) -> list[Passage]:
    """Every passage of the corpus, checked whole (a DataError at the first bad record)."""
    reader = {"medquad": _medquad, "jsonl": _jsonl, "json": _json, "csv": _table, "tsv": _table,
              "folder": _folder}[source.kind]
    passages: list[Passage] = []
    seen: dict[str, int | None] = {}
    for doc_id, title, text, line in reader(source.path):
        if doc_id in seen:
            raise DataError(str(source.path), line, "id", f"duplicate id {doc_id!r} (first at line {seen[doc_id]})")
        seen[doc_id] = line
        passages.extend(chunk(f"{source.name}:{doc_id}", title, text))
    if not passages:
        raise DataError(str(source.path), None, None, "the corpus has no passages")
    return passages


def chunk(doc_id: str, title: str, text: str, max_words: int = MAX_WORDS) -> list[Passage]:
    """A document -> passages of at most `max_words` words; ids DOC, or DOC#1, DOC#2, ... when split."""
    words = text.split()
    if len(words) <= max_words:
        return [Passage(id=doc_id, title=title, text=" ".join(words))]
    return [Passage(id=f"{doc_id}#{n + 1}", title=title, text=" ".join(words[start:start + max_words]))
            for n, start in enumerate(range(0, len(words), max_words))]


Record = Iterator[tuple[str, str, str, int | None]]  # (doc id, title, text, line or None)


def _medquad(path: Path) -> Record:
    """MedQuAD, read straight from its archive: one document per question-answer pair with an answer
    (the archive's collections 1-9 are the ones NIH lets it redistribute answers for)."""
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            if not member.isfile() or not member.name.endswith(".xml"):
                continue
            data = archive.extractfile(member).read()  # type: ignore[union-attr]
            try:
                root = ET.fromstring(data)
            except ET.ParseError as e:
                raise DataError(f"{path}!{member.name}", e.position[0], None, f"not well-formed XML ({e})") from None
            focus = (root.findtext("Focus") or "").strip()
            # Question ids repeat across files (a topic split over several pages), so a pair's id is
            # its collection number, file and pair number: "1/0000013_2_1-1".
            collection = Path(member.name).parent.name.split("_")[0]
            for n, pair in enumerate(root.iter("QAPair"), start=1):
                question = (pair.findtext("Question") or "").strip()
                answer = (pair.findtext("Answer") or "").strip()
                if answer:
                    yield f"{collection}/{Path(member.name).stem}-{pair.get('pid') or n}", focus, f"{question}\n{answer}", None


def _record(path: Path, line: int, record, id_default: str) -> tuple[str, str, str, int]:
    if not isinstance(record, dict):
        raise DataError(str(path), line, None, f"expected an object with a 'text' field, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise DataError(str(path), line, "text", "missing or empty (each record needs non-empty 'text')")
    doc_id = record.get("id", id_default)
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise DataError(str(path), line, "id", "must be a non-empty string or an integer")
    title = record.get("title", "")
    if title is None:
        title = ""
    if not isinstance(title, str):
        raise DataError(str(path), line, "title", "must be a string")
    return doc_id.strip(), title.strip(), text, line


def _decode(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        line = path.read_bytes()[:e.start].count(b"\n") + 1
        raise DataError(str(path), line, None, f"not UTF-8 text ({e.reason} at byte {e.start})") from None


def _jsonl(path: Path) -> Record:
    for line, raw in enumerate(_decode(path).splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as e:
            raise DataError(str(path), line, None, f"not valid JSON ({e.msg} at column {e.colno})") from None
        yield _record(path, line, record, str(line))


def _json(path: Path) -> Record:
    try:
        records = json.loads(_decode(path))
    except json.JSONDecodeError as e:
        raise DataError(str(path), e.lineno, None, f"not valid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(records, list):
        raise DataError(str(path), 1, None, "expected a JSON list of objects with a 'text' field")
    for n, record in enumerate(records, start=1):  # no line numbers in a JSON list: the record number
        yield _record(path, n, record, str(n))


def _table(path: Path) -> Record:
    reader = csv.DictReader(io.StringIO(_decode(path), newline=""), delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
    if "text" not in (reader.fieldnames or []):
        raise DataError(str(path), 1, "text", f"no 'text' column (columns: {', '.join(reader.fieldnames or [])})")
    for row in reader:
        line = reader.line_num  # the line the row ends on (a quoted cell may span lines)
        if None in row:
            raise DataError(str(path), line, None, "more cells than columns in the header")
        record = {k: v for k, v in row.items() if v is not None and (k != "id" or v.strip())}
        yield _record(path, line, record, str(line))


def _folder(path: Path) -> Record:
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
    if not files:
        raise DataError(str(path), None, None, f"no {'/'.join(TEXT_SUFFIXES)} files in this folder")
    for file in files:
        text = _decode(file)
        if not text.strip():
            raise DataError(str(file), 1, "text", "the file is empty")
        yield file.relative_to(path).with_suffix("").as_posix(), file.stem, text, None
