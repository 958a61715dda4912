"""Knowledge sources for grounded methods: text corpora with retrieval, and a knowledge graph.

A retriever is anything with a public `name` and `search(query, k) -> list[Passage]` (the
`Retriever` protocol). Kinds of retrievers live in the `RETRIEVERS` registry, each a class with
`identity(arg, data_dir=...)` (what the run id records: a content hash, a public URL) and
`open(arg, data_dir=..., cache_dir=...)`. Built in: `bm25` (a corpus indexed with bm25s, the index
cached on disk by content hash) and `http` (POST a query to a search service). A plugin adds e.g. a
dense `medcpt` retriever with `@RETRIEVERS.register("medcpt")` from a `clinreason.plugins` entry point.

A `--corpus` spec is one of: `medquad` (a built-in corpus), a path (JSONL/JSON/CSV/TSV file or a
folder of .txt/.md files), `http(s)://URL`, or `KIND:ARG` for a registered kind. Several specs (or a
comma list) are fused by reciprocal rank (`fusion.py`).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..errors import ModelError
from ..registry import Registry

DEFAULT_CORPUS = "medquad"
DEFAULT_GRAPH = "hetionet"


@dataclass(frozen=True)
class Passage:
    id: str  # unique in its source, qualified by the source name ("medquad:0000001_1-1")
    text: str
    title: str = ""
    score: float = 0.0


@runtime_checkable
class Retriever(Protocol):
    name: str  # public (no secrets): shown in traces and reports

    def search(self, query: str, k: int) -> list[Passage]: ...


class RetrievalError(ModelError):
    """A retriever failed for good (a search service down or answering garbage). A `ModelError`, so the
    engine records the item as an error (redone with --retry-errors) instead of stopping the run."""


RETRIEVERS: Registry[Any] = Registry("retriever")  # kind -> class with identity() and open()


def _builtins() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name in ("index", "remote"):  # the modules that register retriever kinds
            importlib.import_module(f"{__name__}.{module.name}")


RETRIEVERS.on_first_use(_builtins)


def split_specs(specs: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """`--corpus` values (repeatable, each possibly a comma list) -> one spec per source, in order."""
    if specs is None:
        return []
    values = [specs] if isinstance(specs, str) else list(specs)
    out = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if not out and values:
        raise ValueError("--corpus: empty spec")
    return list(dict.fromkeys(out))


def parse_spec(spec: str) -> tuple[str, str]:
    """-> (retriever kind, its argument)."""
    if spec.startswith(("http://", "https://")):
        return "http", spec
    kind, sep, arg = spec.partition(":")
    if sep and len(kind) > 1 and kind in RETRIEVERS:  # len > 1: "C:\\corpus" stays a path
        return RETRIEVERS.canonical(kind), arg
    return "bm25", spec


def source_identity(spec: str, data_dir: str | Path | None = None) -> dict:
    """What a run records about one source (no secrets): its kind, public spec and content identity."""
    kind, arg = parse_spec(spec)
    return {"kind": kind, **RETRIEVERS.get(kind).identity(arg, data_dir=data_dir)}


def retriever_identity(specs, data_dir: str | Path | None = None) -> list[dict]:
    return [source_identity(spec, data_dir) for spec in split_specs(specs)]


def build_retriever(specs, data_dir: str | Path | None = None, cache_dir: str | Path | None = None) -> Retriever:
    """One retriever over every source in `specs` (several are fused by reciprocal rank). Indexes are
    built once and reused from the cache directory; a bad corpus fails before anything is written."""
    parts = split_specs(specs) or [DEFAULT_CORPUS]
    opened = []
    for spec in parts:
        kind, arg = parse_spec(spec)
        opened.append(RETRIEVERS.get(kind).open(arg, data_dir=data_dir, cache_dir=cache_dir))
    if len(opened) == 1:
        return opened[0]
    from .fusion import FusedRetriever

    return FusedRetriever(opened)


__all__ = ["DEFAULT_CORPUS", "DEFAULT_GRAPH", "Passage", "RETRIEVERS", "RetrievalError", "Retriever",
           "build_retriever", "parse_spec", "retriever_identity", "source_identity", "split_specs"]
