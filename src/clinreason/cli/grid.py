"""`clinreason grid`: methods x models x benchmarks into one store, one comparison table with cost."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import typer

from . import _executor
from ._app import OutOption, app, console, err_console, esc, friendly_errors
from ._common import (Terminated, check_at_least, check_model_spec, check_results_dir, check_text, load_benchmark_items,
                      run_cancellable)


def _split(values: list[str]) -> list[str]:
    """Accept both `--methods a,b` and `--methods a --methods b`; a method's inline params
    (`cot_sc:n=5,adaptive=false`) keep their commas."""
    out: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if out and ":" in out[-1] and "=" in part and ":" not in part:
                out[-1] += "," + part  # continuation of the previous method's params
            else:
                out.append(part)
    return out


def _f(x, fmt: str) -> str:
    return "–" if x is None else format(x, fmt)


@app.command()
@friendly_errors
def grid(
    benchmarks: list[str] = typer.Option(..., "--benchmarks", "-b", help="Comma-separated benchmark names."),
    methods: list[str] = typer.Option(["direct,cot"], "--methods", help="Comma-separated methods; NAME:K=V,... for a variant."),
    models: list[str] = typer.Option(["smollm2"], "--models", "-m", help="Comma-separated model specs."),
    subset: Optional[str] = typer.Option(None, "--subset", "-s", help="Split for every benchmark, e.g. test_hard."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="Only the first N items of each benchmark."),
    param: Optional[list[str]] = typer.Option(None, "--param", "-p", help="[METHOD.]NAME=VALUE, e.g. cot_sc.n=5 or max_tokens=64."),
    seed: int = typer.Option(0, "--seed"),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", "-c"),
    out: Path = OutOption,
    data_dir: Optional[Path] = typer.Option(None, "--data-dir"),
    prices: Optional[Path] = typer.Option(None, "--prices", help="Price table (TOML) overriding the built-in one; else $CLINREASON_PRICES."),
    name: str = typer.Option("grid", "--name", help="Basename of the grid JSON/CSV/PNG written under OUT/grids/."),
    json_out: bool = typer.Option(False, "--json", help="Print the rows as JSON."),
    corpus: Optional[list[str]] = typer.Option(None, "--corpus", help="Corpus for retrieval methods (default medquad; see `clinreason run --help`)."),
    graph: Optional[str] = typer.Option(None, "--graph", help="Knowledge graph for graph methods (default hetionet)."),
    executor: str = _executor.ExecutorOption,
    address: Optional[str] = _executor.AddressOption,
    workers: Optional[int] = _executor.WorkersOption,
):
    """Run the cross product of benchmarks, methods and models; compare accuracy, tokens, calls, time and cost."""
    import sys

    from .. import grid as grid_lib
    from ..exemplars import exemplar_pool
    from ..methods import build_method
    from ..models import load_model
    from ..pricing import load_prices
    from ..store import Store

    # Every value is checked, and every benchmark, method and parameter resolved, before the store is
    # opened: a bad cell is one line and exit 2, not an error after the cells before it have run.
    check_at_least("--limit", limit, 1)
    check_at_least("--concurrency", concurrency, 1)
    check_at_least("--seed", seed, 0)
    check_text("--subset", subset)
    check_results_dir("--out", out)
    grid_lib.check_name(name, "grid name")  # before any cell runs
    ray_opts = _executor.ray_options(executor, address, workers, load={"concurrency": concurrency})
    spec = grid_lib.GridSpec(benchmarks=_split(benchmarks), methods=_split(methods), models=_split(models),
                             subset=subset, limit=limit, params=grid_lib.parse_scoped_params(param), seed=seed,
                             corpora=tuple(corpus or ()), graph=graph, data_dir=str(data_dir) if data_dir else None)
    for option, values in (("--benchmarks", spec.benchmarks), ("--methods", spec.methods), ("--models", spec.models)):
        if not values:
            raise ValueError(f"{option} must name at least one")
    for model_spec in spec.models:
        check_model_spec("--models", model_spec)
    for label in spec.methods:
        method_name, inline = grid_lib.parse_method_spec(label)
        build_method(method_name, spec.method_params(method_name, inline), seed=seed)  # bad parameters fail now
    price_table = load_prices(prices)
    loaded: dict[tuple, tuple] = {}

    def items_for(bench, sub):
        if (bench, sub) not in loaded:
            bench_name, sub_, items, _ = load_benchmark_items(bench, sub, data_dir, None)
            loaded[(bench, sub)] = (bench_name, sub_, items)
        return loaded[(bench, sub)]

    for bench in spec.benchmarks:
        items_for(bench, spec.subset)  # an unknown benchmark or a missing file fails before anything is written
    _executor.connect(ray_opts)  # an unreachable cluster fails here: nothing written yet
    store = Store(out)
    started = time.perf_counter()

    def progress(cell, row):
        console.print(f"[dim]{time.perf_counter() - started:7.0f}s[/] {esc(cell.benchmark)} · {esc(cell.model)} · "
                      f"{esc(cell.method_label)}: acc {_f(row['accuracy'], '.1%')}, "
                      f"{row['tokens_per_item']:.0f} tok/item, {_f(row['calls_per_item'], '.1f')} calls/item",
                      soft_wrap=True)

    try:
        rows = run_cancellable(lambda: grid_lib.run_grid(
            spec, store, load_items=items_for,
            load_pool=lambda bench, sub, items: exemplar_pool(bench, sub, items, data_dir),
            load_model=lambda m: load_model(m, concurrency=concurrency), prices=price_table,
            concurrency=concurrency, on_cell=progress, execute_all=_executor.execute_all(store, ray_opts, concurrency)))
    except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM (Terminated)
        how = "terminated (SIGTERM)" if isinstance(e, Terminated) else "interrupted"
        runs = len(store.list_runs())
        err_console.print(f"[yellow]{how}[/]: finished cells and items are saved in {esc(store.path)} ({runs} run{'s' * (runs != 1)}, "
                          "the one in flight recorded as interrupted); rerun the same command to resume.",
                          soft_wrap=True)
        sys.exit(143 if isinstance(e, Terminated) else 130)
    paths = grid_lib.write_outputs(rows, Path(out) / "grids", name)
    if json_out:
        console.print_json(json.dumps({"rows": rows, "adaptive_savings": grid_lib.adaptive_savings(rows)}))
        return
    print_grid(rows)
    for s in grid_lib.adaptive_savings(rows):
        line = (f"adaptive {s['method']} on {s['benchmark']}: {s['samples_used']}/{s['samples_fixed_n']} samples "
                f"({s['sample_saving']:.0%} fewer)")
        if "token_saving" in s and s["token_saving"] is not None:
            line += (f"; {s['tokens_per_item_adaptive']:.0f} vs {s['tokens_per_item_fixed']:.0f} tokens/item "
                     f"({s['token_saving']:.0%} saved) vs {s['fixed_method']}; accuracy "
                     f"{s['accuracy_adaptive']:.1%} vs {s['accuracy_fixed']:.1%}")
        console.print(esc(line), soft_wrap=True)
    console.print(f"grid: {esc(paths['json'])}  {esc(paths['csv'])}  {esc(paths['png'])}", soft_wrap=True)


def print_grid(rows: list[dict]) -> None:
    from rich.table import Table

    table = Table(title="grid (★ = on the accuracy/tokens Pareto front of its benchmark)", title_justify="left")
    for col in ("benchmark", "model", "method", "n", "accuracy (95% CI)", "unparsed", "prompt tok/item",
                "compl. tok/item", "calls/item", "s/item", "est. cost/item"):
        table.add_column(col, justify="left" if col in ("benchmark", "model", "method") else "right")
    for r in rows:
        ci = "" if r["ci_low"] is None else f" ({r['ci_low']:.0%}–{r['ci_high']:.0%})"
        cost = "?" if r["cost_per_item_usd"] is None else f"${r['cost_per_item_usd']:.5f}"
        table.add_row(esc(r["benchmark"]), esc(r["model"]), ("★ " if r["pareto"] else "") + esc(r["method"]), str(r["n_done"]),
                      f"{_f(r['accuracy'], '.1%')}{ci}", _f(r["unparsed_rate"], ".0%"),
                      f"{r['prompt_tokens_per_item']:.0f}", f"{r['completion_tokens_per_item']:.0f}",
                      _f(r["calls_per_item"], ".1f"), _f(r["wall_s_per_item"], ".1f"), cost)
    console.print(table)
