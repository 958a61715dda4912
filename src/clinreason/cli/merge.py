"""`clinreason merge`: results from several machines into one store."""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer

from ._app import OutOption, app, console, friendly_errors

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
    from ..store import Store, store_file
    from ._common import write_summary_json

    for source in sources:  # every source is checked before anything is written
        store_file(source)
    store = Store(out)
    touched: list[str] = []
    for source in sources:
        counts = store.merge_from(source)
        added = ", ".join(f"{counts[k]} {k.replace('_', ' ')}" for k in COUNTED if counts.get(k))
        console.print(f"{source}: {added or 'nothing new'}")
        touched += [r for r in counts["runs_touched"] if r not in touched]
    for run_id in touched:
        run = store.get_run(run_id)
        path = write_summary_json(out, run["summary"])
        console.print(f"{run_id}: {run['status']}, summary {path}")
