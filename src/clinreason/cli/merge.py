"""`clinreason merge`: results from several machines into one store."""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer

from ._app import OutOption, app, console, esc, friendly_errors

COUNTED = ("runs", "predictions", "predictions_replaced", "scores", "calls", "items")


@app.command()
@friendly_errors
def merge(
    sources: List[Path] = typer.Argument(..., help="Stores to merge in: results directories or .db files."),
    out: Path = OutOption,
):
    """Merge other stores into --out: each run, item, call, prediction and score once.

    Safe to repeat (what is already there is not added again). A run in both with different
    planned items is refused. Touched runs get a fresh summary and status."""
    from ..store import DB_NAME, Store, store_file
    from ._common import check_results_dir, write_summary_json

    check_results_dir("--out", out)
    target = (Path(out) if Path(out).suffix == ".db" else Path(out) / DB_NAME).resolve()
    for source in sources:  # not a store: a clean error before the target is even created
        if store_file(source).resolve() == target:
            raise ValueError(f"{source}: cannot merge a store into itself (it is --out); nothing merged")
    store = Store(out)
    # Every source is checked against the target and the other sources before anything is written.
    seen = {run_id: (plan, str(out)) for run_id, plan in store.run_plans().items()}
    for source in sources:
        other = Store(store_file(source))
        try:
            for run_id, plan in other.run_plans().items():
                if run_id in seen and seen[run_id][0] != plan:
                    raise ValueError(f"run {run_id} has different planned items in {source} than in {seen[run_id][1]} "
                                     "(the data changed?); nothing merged")
                seen.setdefault(run_id, (plan, str(source)))
        finally:
            other.close()
    touched: list[str] = []
    for source in sources:
        counts = store.merge_from(source)
        added = ", ".join(f"{counts[k]} {k.replace('_', ' ')}" for k in COUNTED if counts.get(k))
        console.print(f"{esc(source)}: {added or 'nothing new'}", soft_wrap=True)
        touched += [r for r in counts["runs_touched"] if r not in touched]
    from ..summary import refresh_run

    for run_id in touched:
        refresh_run(store, run_id)
        run = store.get_run(run_id)
        path = write_summary_json(out, run["summary"])
        console.print(esc(f"{run_id}: {run['status']}, summary {path}"), soft_wrap=True)
