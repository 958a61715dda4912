"""Item-level results for pandas / polars: one row per item x run, with stable column names.

The columns (and their order) are part of the public interface: add new ones at the end,
never rename. `docs/report.md` documents each.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterable

from .grading.scorers.answer import SCORER
from .redact import csv_row
from .store import Store

# name -> pyarrow type name; the order here is the column order in every format.
COLUMNS: dict[str, str] = {
    "run_id": "string",
    "benchmark": "string",
    "subset": "string",
    "model": "string",
    "method": "string",
    "reference": "bool_",  # imported published outputs, not run here
    "position": "int64",
    "item_id": "string",
    "task": "string",
    "subject": "string",  # first of the summary's breakdown keys present in the item's metadata
    "gold": "string",
    "answer": "string",  # the graded answer (letter / yes-no-maybe / number); null when unparsed
    "correct": "float64",  # 1.0 / 0.0; null when not gradable without a judge
    "unparsed": "bool_",
    "answer_rule": "string",  # which extraction rule found the answer (format, method, loose rules ...)
    "strict_format": "bool_",
    "status": "string",  # ok | error
    "error": "string",
    "output": "string",  # the final text the grader read
    "n_calls": "int64",
    "n_cached": "int64",
    "prompt_tokens": "int64",
    "completion_tokens": "int64",
    "wall_s": "float64",
    "judge_scores": "string",  # JSON {scorer: value} for scorers named judge:*
    "metadata": "string",  # JSON of the item's metadata
}
FORMATS = ("jsonl", "csv", "parquet")


def _subject(metadata: dict) -> str | None:
    from .summary import BREAKDOWN_KEYS

    for key in BREAKDOWN_KEYS:
        if metadata.get(key) not in (None, ""):
            return str(metadata[key])
    return None


def item_rows(store: Store, run_ids: Iterable[str]) -> list[dict]:
    rows = []
    for run_id in run_ids:
        run = store.require_run(run_id)
        items = {item.id: item for item in store.run_items(run_id)}
        scores = store.scores_by_item(run_id)
        for p in store.predictions(run_id):
            item = items.get(p["item_id"])
            answer_score = scores.get(p["item_id"], {}).get(SCORER, {})
            label = answer_score.get("label")
            detail = answer_score.get("detail") or {}
            judges = {k: v.get("value") for k, v in scores.get(p["item_id"], {}).items() if k.startswith("judge:")}
            metadata = item.metadata if item else {}
            rows.append({
                "run_id": run_id,
                "benchmark": run["benchmark"],
                "subset": run["subset"],
                "model": run["model"],
                "method": run["method"],
                "reference": bool(run["config"].get("reference", False)),
                "position": p["position"],
                "item_id": p["item_id"],
                "task": item.task.value if item else None,
                "subject": _subject(metadata),
                "gold": item.answer if item else detail.get("gold"),
                "answer": None if label in (None, "unparsed", "error", "needs_judge") else label,
                "correct": answer_score.get("value"),
                "unparsed": label == "unparsed",
                "answer_rule": detail.get("rule"),
                "strict_format": bool(detail.get("strict", False)),
                "status": p["status"],
                "error": p["error"],
                "output": p["output"],
                "n_calls": p["n_calls"],
                "n_cached": p["n_cached"],
                "prompt_tokens": p["prompt_tokens"],
                "completion_tokens": p["completion_tokens"],
                "wall_s": p["wall_s"],
                "judge_scores": json.dumps(judges, sort_keys=True),
                "metadata": json.dumps(metadata, sort_keys=True, ensure_ascii=False, default=str),
            })
    return rows


def write_rows(rows: list[dict], path: str | Path, fmt: str | None = None) -> Path:
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        with path.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps({c: row.get(c) for c in COLUMNS}, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(COLUMNS), extrasaction="ignore")
            writer.writeheader()
            # Text starting like a formula (=, +, -, @, tab, CR) gets a leading ' (OWASP): opening the
            # file in a spreadsheet never runs an item's or a model's text. JSONL and Parquet keep it verbatim.
            writer.writerows(csv_row(row) for row in rows)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        # An explicit schema: an all-null column still gets its type, so files concatenate.
        schema = pa.schema([(name, getattr(pa, kind)()) for name, kind in COLUMNS.items()])
        table = pa.Table.from_pylist([{c: row.get(c) for c in COLUMNS} for row in rows], schema=schema)
        pq.write_table(table, path)
    return path


def export_runs(store: Store, run_ids: Iterable[str], path: str | Path, fmt: str | None = None) -> tuple[Path, int]:
    rows = item_rows(store, run_ids)
    return write_rows(rows, path, fmt), len(rows)
