"""`clinreason report`, `view`, `export` and `import medagentsbench`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer


from ._app import DEFAULT_OUT, OutOption, Typer, app, console, err_console, esc, friendly_errors
from ._common import check_at_least, check_output_file, check_positive, check_results_dir, open_existing_store

ResultsOption = typer.Option(DEFAULT_OUT, "--results", "-r", help="Results directory holding the runs.")


def _runs(store, runs: list[str] | None, all_runs: bool) -> list[str]:
    from ..report import resolve_runs

    if not runs and not all_runs:
        raise ValueError("name at least one RUN (id or unique prefix), or pass --all")
    ids = resolve_runs(store, runs or [], all_runs=all_runs)
    if not ids:
        raise ValueError(f"no runs in {store.path}")
    return ids


@app.command()
@friendly_errors
def report(
    runs: Optional[list[str]] = typer.Argument(None, help="Run ids or unique prefixes."),
    output: Path = typer.Option(Path("report.html"), "--output", "-o", help="The HTML file to write."),
    results: Path = ResultsOption,
    all_runs: bool = typer.Option(False, "--all", help="Every run in the results directory."),
    title: str = typer.Option("clinreason report", "--title"),
):
    """Write one self-contained HTML report (leaderboard, charts, item browser); opens offline."""
    from ..report import write_report

    check_output_file("--output", output)
    store = open_existing_store(results)
    ids = _runs(store, runs, all_runs)
    path = write_report(store, ids, output, title=title)
    console.print(f"report: {esc(path)} ({path.stat().st_size / 1024:,.0f} KiB, {len(ids)} runs)", soft_wrap=True)


@app.command()
@friendly_errors
def export(
    runs: Optional[list[str]] = typer.Argument(None, help="Run ids or unique prefixes."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="jsonl, csv or parquet (default: from the file suffix)."),
    results: Path = ResultsOption,
    all_runs: bool = typer.Option(False, "--all", help="Every run in the results directory."),
):
    """Item-level results, one row per item x run (columns: see docs/report.md)."""
    from ..export import export_runs

    check_output_file("--output", output)
    if (fmt or output.suffix.lstrip(".")).lower() not in ("jsonl", "csv", "parquet"):
        raise ValueError(f"--format {fmt!r}: expected jsonl, csv or parquet" if fmt else
                         f"--output {output}: name a .jsonl, .csv or .parquet file, or give --format")
    store = open_existing_store(results)
    path, n = export_runs(store, _runs(store, runs, all_runs), output, fmt)
    console.print(f"wrote {n} rows to {esc(path)}", soft_wrap=True)


import_app = Typer(help="Import published per-item outputs as reference runs.", no_args_is_help=True)
app.add_typer(import_app, name="import")


@import_app.command("medagentsbench")
@friendly_errors
def import_medagentsbench(
    paths: list[Path] = typer.Argument(..., help="<model>-<dataset>-<subset>-<method>.json files, or folders of them."),
    out: Path = OutOption,
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Where benchmark files live (else $CLINREASON_DATA)."),
):
    """MedAgentsBench authors' outputs (GPT-4o, DeepSeek-V3, ...) as reference runs; re-importing is a no-op."""
    from ..importers import expand_paths, import_medagentsbench_file

    from ..store import Store

    check_results_dir("--out", out)
    store = Store(out)
    from rich.table import Table

    table = Table(title=f"imported into {esc(store.path)}", title_justify="left")
    for col in ("run", "items", "unmatched", "accuracy"):
        table.add_column(col)
    left_out: list[str] = []
    for path in expand_paths(paths):
        r = import_medagentsbench_file(path, store, data_dir)
        table.add_row(esc(r.run_id), f"{r.n_imported}/{r.n_records}", str(len(r.unmatched)),
                      "–" if r.accuracy is None else f"{r.accuracy:.1%}")
        left_out += [f"{path.name}: {why}" for why in r.unmatched]
    console.print(table)
    for line in left_out[:20]:  # why records were left out, so no omission is silent
        console.print(f"  left out: {esc(line)}")
    if len(left_out) > 20:
        console.print(f"  ... and {len(left_out) - 20} more")


@app.command()
@friendly_errors
def view(
    directory: Path = typer.Argument(DEFAULT_OUT, help="Results directory."),
    port: int = typer.Option(8765, "--port", help="Port on 127.0.0.1 (0 = any free port)."),
    duration: float = typer.Option(3600.0, "--duration", help="Stop serving after this many seconds."),
):
    """Serve a live report of a results directory on 127.0.0.1 (reload the page for new results)."""
    check_at_least("--port", port, 0)
    if port > 65535:
        raise ValueError(f"--port must be at most 65535 (got {port})")
    check_positive("--duration", duration, " of seconds")
    open_existing_store(directory).close()  # a clean error when there are no results; never creates a store
    started = time.time()

    def announce(bound_port: int) -> None:
        console.print(f"serving {esc(directory)} at http://127.0.0.1:{bound_port}/ for {duration:.0f} s (Ctrl-C to stop)",
                      soft_wrap=True)

    from ..report.server import serve  # http.server (and ssl) only for this command

    try:
        serve(directory, port, duration, on_bound=announce)
    except KeyboardInterrupt:
        pass
    err_console.print(f"stopped after {time.time() - started:.0f} s")
