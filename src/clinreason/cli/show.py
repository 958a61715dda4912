"""`clinreason show`: a run's summary, or the runs in a results directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ._app import OutOption, app, console, esc, friendly_errors
from ._common import check_text, open_existing_store, pct, print_summary, resolve_run


@app.command()
@friendly_errors
def show(
    run_id: Optional[str] = typer.Argument(None, help="Run id (or a unique prefix). Omit to list runs."),
    out: Path = OutOption,
    json_out: bool = typer.Option(False, "--json"),
):
    """Show a run's summary, or list the runs in a results directory."""
    from ..summary import summarize_run

    check_text("RUN_ID", run_id)
    store = open_existing_store(out)
    if run_id is None:
        from rich.table import Table

        table = Table(title=f"runs in {esc(store.path)}", title_justify="left")
        for col in ("run", "status", "items", "accuracy", "95% CI"):
            table.add_column(col)
        for r in store.list_runs():
            s = r["summary"] or {}
            ci = s.get("ci95")
            size = r["config"].get("subset_size")
            of = f" (of {size})" if isinstance(size, int) and r["n_items"] < size else ""
            table.add_row(esc(r["id"]), esc(r["status"]), f"{s.get('n_done', 0)}/{r['n_items']}{of}",
                          pct(s.get("accuracy")), f"{pct(ci[0])}–{pct(ci[1])}" if ci else "–")
        console.print(table)
        return
    rid = resolve_run(store, run_id)
    summary = summarize_run(store, rid)
    if json_out:
        console.print_json(json.dumps(summary))
    else:
        print_summary(summary, store.get_run(rid))
