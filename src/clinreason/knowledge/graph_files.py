"""Reading a knowledge graph's files: a nodes TSV (id, name, kind), an edges SIF (source, metaedge,
target; optionally gzipped), an optional metaedges TSV (metaedge, abbreviation) that gives each edge
abbreviation its readable verb, and optional synonym TSVs (a node id and another name for it).

Everything is read and checked before a graph is built: a malformed line raises a DataError naming
the file, the line and the field, so a broken user graph fails with FILE:LINE: field 'X': ...
These are Hetionet's shapes (hetio/hetionet, dhimmel/integrate, dhimmel/indications)."""

from __future__ import annotations

import codecs
import gzip
import re
import zlib
from itertools import chain
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..errors import DataError

NODE_COLUMNS = ("id", "name", "kind")
EDGE_COLUMNS = ("source", "metaedge", "target")
METAEDGE_COLUMNS = ("metaedge", "abbreviation")
# "Compound - treats - Disease", "Gene > regulates > Gene": the verb is the middle part.
_METAEDGE = re.compile(r"^(?P<source>.+?) [-<>] (?P<verb>.+?) [-<>] (?P<target>.+)$")


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    kind: str


@dataclass(frozen=True)
class SynonymSource:
    """A TSV naming nodes: `id_column` (prefixed by `id_prefix` to give the node id) and `name_column`."""

    path: Path
    id_column: str
    name_column: str
    id_prefix: str = ""


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text without the line ending) per line; gzip by suffix; CRLF and a BOM are fine."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            for lineno, raw in enumerate(handle, 1):
                if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8):]
                try:
                    yield lineno, raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError:
                    raise DataError(str(path), lineno, None, "is not valid UTF-8; re-save the file as UTF-8") from None
    except (OSError, EOFError, zlib.error) as e:  # a truncated or non-gzip .gz, an unreadable file
        raise DataError(str(path), None, None, f"cannot be read ({type(e).__name__}: {e})") from None


def read_table(path: Path, columns: tuple[str, ...], *, header_required: bool = True) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) per non-blank row of a TSV whose header names `columns` (more
    columns are allowed and ignored). Without `header_required` a file may start with data in the
    order of `columns` (plain SIF). Every listed field must be non-empty."""
    rows = _lines(path)
    first = next(rows, None)
    if first is None:
        raise DataError(str(path), None, None, f"is empty; expected a header with columns {', '.join(columns)}")
    header = [h.strip() for h in first[1].split("\t")]
    if all(c in header for c in columns):
        index = {c: header.index(c) for c in columns}
        width = len(header)
        body: Iterator[tuple[int, str]] = rows
    elif header_required:
        missing = [c for c in columns if c not in header]
        raise DataError(str(path), 1, missing[0], f"header lacks column(s) {', '.join(missing)} "
                        f"(expected tab-separated columns {', '.join(columns)}; found {', '.join(header)})")
    else:
        index = {c: i for i, c in enumerate(columns)}
        width = len(columns)
        body = chain([first], rows)
    for lineno, line in body:
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < width:
            missing = next(c for c, i in index.items() if i >= len(fields))
            raise DataError(str(path), lineno, missing, f"missing: expected {width} tab-separated fields, found {len(fields)}")
        row = {c: fields[i].strip() for c, i in index.items()}
        for column, value in row.items():
            if not value:
                raise DataError(str(path), lineno, column, "is empty")
        yield lineno, row


def read_nodes(path: Path) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    first_line: dict[str, int] = {}
    for lineno, row in read_table(path, NODE_COLUMNS):
        if row["id"] in nodes:
            raise DataError(str(path), lineno, "id", f"duplicate node id {row['id']!r} (first on line {first_line[row['id']]})")
        nodes[row["id"]] = Node(row["id"], row["name"], row["kind"])
        first_line[row["id"]] = lineno
    if not nodes:
        raise DataError(str(path), None, None, "has a header but no nodes")
    return nodes


def read_verbs(path: Path) -> dict[str, str]:
    """Edge abbreviation -> readable verb ("CtD" -> "treats"), from a metaedges TSV."""
    verbs: dict[str, str] = {}
    for lineno, row in read_table(path, METAEDGE_COLUMNS):
        match = _METAEDGE.match(row["metaedge"])
        if not match:
            raise DataError(str(path), lineno, "metaedge", f"expected 'Source kind - verb - Target kind', got {row['metaedge']!r}")
        verbs[row["abbreviation"]] = match["verb"]
    return verbs


def read_edges(path: Path, nodes: dict[str, Node], verbs: dict[str, str] | None) -> list[tuple[str, str, str]]:
    """(source, metaedge, target) per edge. Both ends must be known nodes; with a metaedges table,
    the metaedge must be one it lists (a user graph without one uses its metaedges as verbs)."""
    edges = []
    for lineno, row in read_table(path, EDGE_COLUMNS, header_required=False):
        for end in ("source", "target"):
            if row[end] not in nodes:
                raise DataError(str(path), lineno, end, f"unknown node id {row[end]!r} (not in the nodes file)")
        if verbs is not None and row["metaedge"] not in verbs:
            known = ", ".join(sorted(verbs)[:30])
            raise DataError(str(path), lineno, "metaedge", f"unknown metaedge {row['metaedge']!r} (the metaedges file lists {known})")
        edges.append((row["source"], row["metaedge"], row["target"]))
    return edges


def read_synonyms(source: SynonymSource, nodes: dict[str, Node]) -> list[tuple[str, str]]:
    """(node id, name) for each row naming a node of the graph; rows about nodes the graph lacks are
    skipped, so one synonym file serves a smaller user graph too."""
    pairs = []
    for _, row in read_table(source.path, (source.id_column, source.name_column)):
        node_id = source.id_prefix + row[source.id_column]
        if node_id in nodes:
            pairs.append((node_id, row[source.name_column]))
    return pairs
