"""The items of a run: a registered benchmark, or the user's own file read through --fields; with
--skip-invalid, bad records are left out and listed in the run record, so the omission stays visible."""

from __future__ import annotations

from pathlib import Path


def load_benchmark_items(benchmark: str, subset: str | None, data_dir: Path | None, fields: str | None,
                         skip_invalid: bool = False):
    """A registered benchmark name, or a path to the user's own file (with --fields)."""
    path = Path(benchmark)
    if path.suffix.lower() in {".jsonl", ".json", ".csv", ".tsv"}:
        from ..data import FieldMap, load_file

        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
        field_map = FieldMap.parse(fields or "question=question,options=options,answer=answer")
        extra = {"data_file": str(path.resolve()), "fields": fields}
        if skip_invalid:
            # Bad records are left out and listed in the run record, so the omission stays visible.
            from ..data import scan_file

            result = scan_file(path, field_map)
            return path.stem, None, result.items, {**extra, "skipped": _skipped(result.skipped)}
        return path.stem, None, load_file(path, field_map), extra
    from ..data import BENCHMARKS, load_items, scan_items

    bench = BENCHMARKS.get(benchmark)
    subset = subset or bench.subsets[0]
    extra = {"scorers": list(bench.default_scorers)}
    if skip_invalid and bench.scanner is not None:  # bad records left out and listed, as for a user's file
        items, bad = scan_items(bench.name, subset, data_dir)
        return bench.name, subset, items, {**extra, "skipped": _skipped(bad)}
    return bench.name, subset, load_items(bench.name, subset, data_dir), extra


def _skipped(errors) -> list[dict]:
    """Bad records left out, as the run record lists them."""
    return [{"line": e.line, "field": e.field, "error": str(e)} for e in errors]
