"""The Benchmark record, the registry that holds them, and small readers shared by the loaders."""

from __future__ import annotations

import codecs
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from ..items import DataError, Item, TaskType
from ..registry import Registry


@dataclass(frozen=True, eq=False)
class HubFiles:
    """Where a set is *officially* published on the Hugging Face Hub (a dataset repo), per subset."""

    repo_id: str
    files: Mapping[str, str]  # subset -> path inside the repo
    revision: str | None = None  # None: the repo's default branch

    def filename(self, subset: str) -> str | None:
        return self.files.get(subset)


@dataclass(frozen=True, eq=False)
class Benchmark:
    name: str
    description: str
    task: TaskType
    subsets: tuple[str, ...]  # the first is the default
    paths: Mapping[str, str]  # subset -> path under a data directory
    reader: Callable[[Benchmark, Path, str], list[Item]] = field(repr=False)
    hub: HubFiles | None = None
    aliases: tuple[str, ...] = ()
    # Scorer names (clinreason.grading.scorers.SCORERS), the headline first; () = "answer".
    scorers: tuple[str, ...] = ()
    # The method `clinreason run` uses when none is given (episode benchmarks: an interactive one).
    default_method: str | None = None
    # (items, bad records) instead of stopping at the first bad record: `run --skip-invalid` (optional).
    scanner: Callable[[Benchmark, Path, str], tuple[list[Item], list]] | None = field(default=None, repr=False)

    @property
    def default_scorers(self) -> tuple[str, ...]:
        return self.scorers or ("answer",)

    def check_subset(self, subset: str | None) -> str:
        if subset is None:
            return self.subsets[0]
        if subset not in self.subsets:
            raise ValueError(f"{self.name}: unknown subset {subset!r}; known: {', '.join(self.subsets)}")
        return subset

    def relpath(self, subset: str | None = None) -> str:
        return self.paths[self.check_subset(subset)]

    def load(self, path: Path, subset: str | None = None) -> list[Item]:
        return self.reader(self, Path(path), self.check_subset(subset))

    def count(self, data_dir: str | Path | None = None, subset: str | None = None) -> int | None:
        """Items in `subset` (default subset if None); None when the data is not available.

        Never touches the network (only local dirs and the local Hub cache), so listing stays fast offline.
        """
        from .locate import locate

        subset = self.check_subset(subset)
        try:
            path = locate(self, subset, data_dir, offline=True)
        except DataError:
            return None
        return len(self.load(path, subset))


BENCHMARKS: Registry[Benchmark] = Registry("benchmark")


def register(bench: Benchmark) -> Benchmark:
    return BENCHMARKS.register(bench.name, aliases=bench.aliases)(bench)


# --- readers -------------------------------------------------------------------------------------

_BAD_BYTES = re.compile("[\udc80-\udcff]")  # what surrogateescape turns undecodable bytes into


def read_text(path: Path) -> str:
    """The file as text: a UTF-8 BOM is dropped silently; bytes that are not UTF-8 survive as lone
    surrogates so that the record holding them can be named (see `find_bad_bytes`)."""
    data = Path(path).read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    return data.decode("utf-8", errors="surrogateescape")


def find_bad_bytes(record: Mapping[str, Any]) -> str | None:
    """The first field whose value (or name) holds bytes that were not valid UTF-8."""
    for key, value in record.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        if _BAD_BYTES.search(str(key)) or _BAD_BYTES.search(text):
            return str(key).encode("utf-8", "replace").decode()
    return None


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | DataError]]:
    """(line number, record) per non-blank line; a bad line yields a DataError instead of raising,
    so callers choose between all-or-nothing and skipping."""
    # split("\n"), not splitlines(): JSON strings may hold a raw U+2028, which splitlines would cut.
    for lineno, raw in enumerate(read_text(path).split("\n"), 1):
        line = raw.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            yield lineno, DataError(str(path), lineno, None, f"invalid JSON ({e.msg} at column {e.colno})")
            continue
        if not isinstance(record, dict):
            yield lineno, DataError(str(path), lineno, None, f"expected a JSON object, got {type(record).__name__}")
            continue
        bad = find_bad_bytes(record)
        if bad is not None:
            yield lineno, DataError(str(path), lineno, bad, "holds bytes that are not valid UTF-8; re-save the file as UTF-8")
            continue
        yield lineno, record


def kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def text_problem(value: Any, *, integral: bool = False) -> tuple[str | None, str | None]:
    """(text, None) for a value a loader may use as text, else (None, why not). None stays None.

    Strings are text; finite numbers are written out (an id only when integral: 7 and 7.0 -> "7").
    Objects, lists, NaN, Infinity and booleans are not text: stored as their Python repr they would
    pass for data ("{'a': 1}", "nan", "True")."""
    if value is None or isinstance(value, str):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        if isinstance(value, int):
            return str(value), None
        if value.is_integer():
            return str(int(value)), None
        if integral:
            return None, f"expected text or a whole number, got {value!r}"
        return repr(value), None
    what = "expected text or a whole number" if integral else "expected text"
    return None, f"{what}, got {kind_of(value)}"


def as_text(value: Any, path: Path | str, line: int | None, field: str | None, *, integral: bool = False) -> str | None:
    """`text_problem`, raising a DataError `FILE:LINE: field 'X': expected text, got ...`."""
    text, problem = text_problem(value, integral=integral)
    if problem:
        raise DataError(str(path), line, field, problem)
    return text


def read_parquet_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a parquet file (the format Hugging Face Hub copies come in)."""
    try:
        import pyarrow.parquet as pq  # lazy: only Hub copies need it
    except ImportError:
        raise DataError(str(path), None, None, "reading a .parquet file needs pyarrow: pip install pyarrow") from None
    return pq.read_table(path).to_pylist()


def item_or_error(path: Path, line: int | None, **fields: Any) -> Item:
    """Build an Item; a schema violation becomes a DataError naming the file and line."""
    from pydantic import ValidationError

    try:
        return Item(**fields)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or None
        raise DataError(str(path), line, where, err.get("msg", str(e)).removeprefix("Value error, ")) from None
