"""`clinreason list`: what there is to run (benchmarks with item counts, methods, scorers, tools,
probes, model kinds)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._app import app, console, esc, friendly_errors


@app.command("list")
@friendly_errors
def list_(data_dir: Optional[Path] = typer.Option(None, "--data-dir")):
    """Benchmarks (with item counts), methods, scorers, tools and model kinds."""
    from rich.table import Table

    from ..data import list_benchmarks
    from ..grading.scorers import SCORERS
    from ..methods import METHODS
    from ..models import MODEL_KINDS
    from ..probes import PROBES
    from ..tools import TOOLS

    table = Table(title="benchmarks", title_justify="left")
    for col in ("name", "task", "subsets (items)", "description"):
        table.add_column(col)
    for bench in list_benchmarks():
        counts = []
        for subset in bench.subsets:
            n = bench.count(data_dir, subset)  # local files only: listing never waits on the network
            counts.append(f"{subset} ({n if n is not None else 'not found'})")
        table.add_row(esc(bench.name), esc(bench.task.value), esc(", ".join(counts)), esc(bench.description))
    console.print(table)
    methods = Table(title="methods", title_justify="left")
    for col in ("name", "description", "parameters"):
        methods.add_column(col)
    for name, cls in METHODS.items():
        params = ", ".join(f"{k}={f.default}" for k, f in cls.Params.model_fields.items())
        needs = "".join(f" (needs --{r})" for r in cls.roles)
        needs += "".join({"retriever": " (reads --corpus)", "graph": " (reads --graph)"}.get(k, "")
                         for k in getattr(cls, "knowledge", ()))
        methods.add_row(esc(name), esc(cls.description + needs), esc(params))
    console.print(methods)
    extras = Table(title="scorers, tools and probes", title_justify="left")
    for col in ("kind", "name", "description"):
        extras.add_column(col)
    for name, cls in SCORERS.items():
        extras.add_row("scorer", esc(name), esc(cls.description))
    for name, cls in TOOLS.items():
        extras.add_row("tool", esc(name), esc(cls.description))
    for name, cls in PROBES.items():
        extras.add_row("probe", esc(name), esc(cls.description))
    console.print(extras)
    kinds = Table(title="models", title_justify="left")
    kinds.add_column("spec")
    kinds.add_column("description")
    for _, kind in MODEL_KINDS.items():
        kinds.add_row(esc(kind.syntax), esc(kind.description))
    console.print(kinds)
