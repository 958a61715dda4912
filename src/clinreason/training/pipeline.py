"""`export_training`: stored runs -> an SFT, DPO or GRPO file and its manifest.

Every check that can fail runs before anything is written: the format, the output path, the
evaluation sets, the split guard, and whether any record qualifies at all (if none does, the error
says why, run by run, and no file or manifest appears)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..store import Store
from . import dpo, grpo, sft
from .guard import check_splits, find_overlaps, load_eval_set
from .records import Selection, load_candidates
from .write import check_writable, file_format, write_export

KINDS = ("sft", "dpo", "grpo")
OVERLAP = "near-duplicate of an evaluation item (--drop-overlap)"


class NoRecordsError(ValueError):
    """Nothing qualified: the message says why for each run."""


@dataclass
class ExportOptions:
    min_reasoning: float = 1.0
    require_judge: bool = False
    max_pairs: int = 4
    template: str = "cot"
    allow_test: bool = False
    eval_sets: list[str] = field(default_factory=list)
    overlap_threshold: float = 0.5
    ngram: int = 8
    drop_overlap: bool = False
    data_dir: Path | None = None


@dataclass
class ExportResult:
    path: Path
    manifest_path: Path
    manifest: dict
    selection: Selection
    overlaps: list[dict]


def _check(kind: str, o: ExportOptions) -> None:
    if kind not in KINDS:
        raise ValueError(f"--format {kind!r}: expected one of {', '.join(KINDS)}")
    if not 0.0 <= o.min_reasoning <= 1.0:
        raise ValueError(f"--min-reasoning must be between 0 and 1 (got {o.min_reasoning})")
    if o.max_pairs < 1:
        raise ValueError(f"--max-pairs-per-prompt must be at least 1 (got {o.max_pairs})")
    if not 0.0 < o.overlap_threshold <= 1.0:
        raise ValueError(f"--overlap-threshold must be in (0, 1] (got {o.overlap_threshold})")
    if o.ngram < 1:
        raise ValueError(f"--ngram must be at least 1 (got {o.ngram})")
    if o.drop_overlap and not o.eval_sets:
        raise ValueError("--drop-overlap needs at least one --eval-set to compare with")


def _select(kind: str, candidates, o: ExportOptions) -> Selection:
    if kind == "sft":
        return sft.select(candidates, min_reasoning=o.min_reasoning, require_judge=o.require_judge)
    if kind == "dpo":
        return dpo.select(candidates, min_reasoning=o.min_reasoning, require_judge=o.require_judge,
                          max_pairs=o.max_pairs)
    return grpo.select(candidates, template=o.template)


def _why_none(kind: str, selection: Selection, run_ids: list[str], o: ExportOptions) -> str:
    lines = []
    for run_id in run_ids:
        why = sft.explain(selection, run_id, o.min_reasoning) if kind == "sft" else selection.explain(run_id)
        lines.append(f"run {run_id}: {why}")
    return f"no {kind} records to export; nothing was written.\n" + "\n".join(lines)


def export_training(store: Store, run_ids: list[str], kind: str, path: str | Path, *, as_: str | None = None,
                    options: ExportOptions | None = None) -> ExportResult:
    o = options or ExportOptions()
    path = Path(path)
    _check(kind, o)
    fmt = file_format(path, as_)
    check_writable(path)
    eval_sets = [load_eval_set(spec, o.data_dir) for spec in o.eval_sets]
    candidates = load_candidates(store, run_ids, unpredicted=kind == "grpo")
    test_items = check_splits(candidates, o.allow_test)
    selection = _select(kind, candidates, o)
    if not selection.records:
        raise NoRecordsError(_why_none(kind, selection, run_ids, o))
    overlaps: list[dict] = []
    if eval_sets:
        # Keyed as the records name their item: the run's benchmark and the item id.
        items = {(c.run["benchmark"], c.item.id): c.item for c in candidates}
        exported = {key: items[key] for key in dict.fromkeys((r["benchmark"], r["item_id"]) for r in selection.records)}
        overlaps = find_overlaps(exported, eval_sets, n=o.ngram, threshold=o.overlap_threshold)
        if o.drop_overlap and overlaps:
            _drop(selection, {(m["benchmark"], m["item_id"]) for m in overlaps})
            if not selection.records:
                raise NoRecordsError(f"every {kind} record is a near-duplicate of an evaluation item "
                                     "(--drop-overlap); nothing was written")
    manifest = build_manifest(kind, fmt, path, store, run_ids, selection, o, test_items, overlaps)
    manifest_file = write_export(kind, selection.records, path, fmt, manifest)
    return ExportResult(path, manifest_file, manifest, selection, overlaps)


def _drop(selection: Selection, keys: set[tuple[str, str]]) -> None:
    kept = []
    for r in selection.records:
        if (r["benchmark"], r["item_id"]) in keys:
            selection.dropped[OVERLAP] += 1
        else:
            kept.append(r)
    selection.records = kept


def build_manifest(kind, fmt, path, store, run_ids, selection, o, test_items, overlaps) -> dict:
    splits = Counter((r["benchmark"], r["subset"], r["split"]) for r in selection.records)
    per_run = Counter(r["run_id"] for r in selection.records)
    runs = []
    for run_id in run_ids:
        run = store.get_run(run_id) or {}
        runs.append({"run_id": run_id, "benchmark": run.get("benchmark"), "subset": run.get("subset"),
                     "model": run.get("model"), "method": run.get("method"), "records": per_run[run_id]})
    kept = sum(t["kept"] for t in selection.per_run.values())
    return {
        "format": kind,
        "file": path.name,
        "file_format": fmt,
        "records": len(selection.records),
        "runs": runs,
        "splits": [{"benchmark": b, "subset": s, "split": sp, "records": n} for (b, s, sp), n in sorted(splits.items())],
        "allow_test": o.allow_test,
        "test_items": [{"benchmark": b, "split": sp, "items": n} for (b, sp), n in sorted(test_items.items())],
        "counts": {"unit": selection.unit, "candidates": selection.candidates, "kept": kept,
                   "dropped": dict(selection.dropped.most_common())},
        "options": _options(kind, o),
        "overlap": {"eval_sets": list(o.eval_sets), "ngram": o.ngram, "threshold": o.overlap_threshold,
                    "dropped": o.drop_overlap, "matches": overlaps},
        "clinreason_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def _options(kind: str, o: ExportOptions) -> dict:
    """The options that shaped this format's records."""
    if kind == "grpo":
        return {"template": o.template}
    out = {"min_reasoning": o.min_reasoning, "require_judge": o.require_judge}
    return {**out, "max_pairs_per_prompt": o.max_pairs} if kind == "dpo" else out
