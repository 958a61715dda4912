"""Run methods x models x benchmarks into one store, and compare them with their cost.

Every cell is an ordinary run through `engine.execute` (so it resumes and reuses cached calls);
this module only plans the cells, collects their summaries into rows, and writes the comparison:
a JSON and a CSV table, and a Pareto plot of accuracy against tokens per item.

A method in a grid can carry its own parameters: `cot_sc:adaptive=false,n=5` is the method
`cot_sc` with those parameters, labelled as written, so variants of one method sit side by side.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable

from . import engine
from .methods import METHODS, build_method
from .models.protocol import Model
from .pricing import Price, price_for
from .redact import check_name, csv_row, public_spec
from .store import Store

COLUMNS = ("benchmark", "subset", "model", "method", "n_done", "accuracy", "ci_low", "ci_high", "unparsed_rate",
           "prompt_tokens_per_item", "completion_tokens_per_item", "tokens_per_item", "calls_per_item",
           "wall_s_per_item", "cost_per_item_usd", "cost_total_usd", "pareto", "run_id")


def _value(raw: str):
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def parse_method_spec(spec: str) -> tuple[str, dict]:
    """`cot_sc:n=5,adaptive=false` -> ("cot_sc", {"n": 5, "adaptive": False})."""
    name, _, rest = spec.partition(":")
    params = {}
    for pair in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, raw = pair.partition("=")
        if not sep:
            raise ValueError(f"method {spec!r}: expected NAME:KEY=VALUE,...")
        params[key.strip()] = _value(raw.strip())
    return name.strip(), params


def parse_scoped_params(values: list[str] | None) -> dict[str, dict]:
    """`--param cot_sc.n=5` -> {"cot_sc": {"n": 5}}; `--param max_tokens=64` applies to all ("*")."""
    out: dict[str, dict] = {}
    for value in values or []:
        key, sep, raw = value.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--param {value!r}: expected [METHOD.]NAME=VALUE")
        scope, dot, name = key.strip().rpartition(".")
        scope = METHODS.canonical(scope) if dot else "*"
        out.setdefault(scope, {})[name] = _value(raw)
    return out


@dataclass
class Cell:
    benchmark: str
    subset: str | None
    model: str
    method_label: str
    method_name: str
    params: dict


@dataclass
class GridSpec:
    benchmarks: list[str]
    methods: list[str]
    models: list[str]
    subset: str | None = None
    limit: int | None = None
    params: dict[str, dict] = field(default_factory=dict)  # from parse_scoped_params
    seed: int = 0
    # Knowledge sources for the methods that read them (see RunPlan): --corpus specs, --graph spec.
    corpora: tuple[str, ...] = ()
    graph: str | None = None
    data_dir: str | None = None

    def method_params(self, name: str, inline: dict) -> dict:
        """Grid-wide params that the method accepts, then method-scoped ones, then inline ones."""
        cls = METHODS.get(name)
        shared = {k: v for k, v in self.params.get("*", {}).items() if k in cls.Params.model_fields}
        return {**shared, **self.params.get(METHODS.canonical(name), {}), **inline}


ItemsLoader = Callable[[str, str | None], tuple[str, str | None, list]]  # -> (name, subset, items)
PoolLoader = Callable[[str, str | None, list], "object"]  # -> exemplars.Pool
ModelLoader = Callable[[str], Model]


async def run_grid(spec: GridSpec, store: Store, *, load_items: ItemsLoader, load_pool: PoolLoader,
                   load_model: ModelLoader, prices: dict[str, Price] | None = None, concurrency: int | None = None,
                   on_cell: Callable[[Cell, dict], None] | None = None,
                   execute_all: Callable[[list], Awaitable[list[dict]]] | None = None) -> list[dict]:
    """Run every cell (model-major, so each model is loaded once) and return one row per cell.
    `execute_all` (e.g. the Ray executor): given every cell's (plan, model) at once, returns their
    summaries in order; without it the cells run here, one after another."""
    methods = [(label, *parse_method_spec(label)) for label in spec.methods]
    for _, name, _ in methods:
        METHODS.get(name)  # unknown names fail before any model is loaded
    benches = []
    for bench in spec.benchmarks:
        name, subset, items = load_items(bench, spec.subset)
        items = items[: spec.limit] if spec.limit else items
        benches.append((name, subset, items))
    pools: dict[str, object] = {}
    rows, batch, opened = [], [], []

    def emit(cell: Cell, summary: dict) -> None:
        row = make_row(cell, summary, store, prices or {})
        rows.append(row)
        if on_cell:
            on_cell(cell, row)

    try:
        for model_spec in spec.models:
            model = load_model(model_spec)
            opened.append(model)
            for bench, subset, items in benches:
                for label, name, inline in methods:
                    method = build_method(name, spec.method_params(name, inline), seed=spec.seed)
                    extra = {}
                    if method.needs_pool:
                        if bench not in pools:
                            pools[bench] = load_pool(bench, subset, items)
                        method.prepare(pools[bench].items)
                        extra["exemplar_pool"] = pools[bench].source
                    plan = engine.RunPlan(benchmark=bench, subset=subset, model_spec=model_spec, method=method,
                                          items=items, seed=spec.seed, extra=extra, corpora=spec.corpora,
                                          graph=spec.graph, data_dir=spec.data_dir)
                    # The public spec (no URL password or key): rows reach files and the console.
                    cell = Cell(bench, subset, public_spec(model_spec), label, method.name, method.config())
                    if execute_all is not None:
                        batch.append((cell, plan, model))
                    else:
                        emit(cell, await engine.execute(plan, model, store, concurrency=concurrency))
            if execute_all is None:
                await opened.pop().aclose()
        if batch:
            for (cell, _, _), summary in zip(batch, await execute_all([(p, m) for _, p, m in batch])):
                emit(cell, summary)
    finally:
        for model in opened:
            await model.aclose()
    mark_pareto(rows)
    return rows


def make_row(cell: Cell, summary: dict, store: Store, prices: dict[str, Price]) -> dict:
    ci = summary.get("ci95") or [None, None]
    pt, ct = summary.get("prompt_tokens_per_item") or 0.0, summary.get("completion_tokens_per_item") or 0.0
    price = price_for(cell.model, prices)
    per_item = price.cost(pt, ct) if price else None
    row = {
        "benchmark": cell.benchmark, "subset": cell.subset, "model": cell.model, "method": cell.method_label,
        "n_done": summary["n_done"], "accuracy": summary["accuracy"], "ci_low": ci[0], "ci_high": ci[1],
        "unparsed_rate": summary["unparsed_rate"], "prompt_tokens_per_item": pt, "completion_tokens_per_item": ct,
        "tokens_per_item": pt + ct, "calls_per_item": summary.get("calls_per_item"),
        "wall_s_per_item": summary.get("wall_s_per_item"), "cost_per_item_usd": per_item,
        "cost_total_usd": per_item * summary["n_done"] if per_item is not None else None,
        "pareto": False, "run_id": summary["run_id"], "params": cell.params,
    }
    row.update(sampling_stats(store, summary["run_id"]))
    return row


def sampling_stats(store: Store, run_id: str) -> dict:
    """For voting methods: samples drawn vs the fixed n, from each prediction's info."""
    used = n = 0
    for p in store.predictions(run_id):
        info = p["info"] or {}
        if "samples_used" in info and "n" in info:
            used += info["samples_used"]
            n += info["n"]
    return {"samples_used": used, "samples_fixed_n": n} if n else {}


def mark_pareto(rows: list[dict]) -> None:
    """Within each benchmark, a row is on the front when no other row has at least its accuracy at
    no more tokens per item, and is strictly better in one of the two."""
    for bench in {r["benchmark"] for r in rows}:
        group = [r for r in rows if r["benchmark"] == bench and r["accuracy"] is not None]
        for r in group:
            r["pareto"] = not any(
                o is not r and o["accuracy"] >= r["accuracy"] and o["tokens_per_item"] <= r["tokens_per_item"]
                and (o["accuracy"] > r["accuracy"] or o["tokens_per_item"] < r["tokens_per_item"])
                for o in group)


def adaptive_savings(rows: list[dict]) -> list[dict]:
    """Adaptive vs fixed-n voting, per (benchmark, model, method label): tokens actually spent by the
    adaptive run vs the fixed-n run of the same method and n when the grid has one (measured);
    otherwise samples used vs n (the fraction of sampling calls saved)."""
    out = []
    for r in rows:
        if not r.get("samples_fixed_n") or not r["params"].get("adaptive"):
            continue
        fixed = next((o for o in rows if o is not r and o["benchmark"] == r["benchmark"] and o["model"] == r["model"]
                      and o["params"].get("method") == r["params"].get("method") and o["params"].get("adaptive") is False
                      and o["params"].get("n") == r["params"].get("n")), None)
        entry = {"benchmark": r["benchmark"], "model": r["model"], "method": r["method"],
                 "samples_used": r["samples_used"], "samples_fixed_n": r["samples_fixed_n"],
                 "sample_saving": 1 - r["samples_used"] / r["samples_fixed_n"], "accuracy_adaptive": r["accuracy"]}
        if fixed:
            entry.update(fixed_method=fixed["method"], accuracy_fixed=fixed["accuracy"],
                         tokens_per_item_adaptive=r["tokens_per_item"], tokens_per_item_fixed=fixed["tokens_per_item"],
                         token_saving=1 - r["tokens_per_item"] / fixed["tokens_per_item"] if fixed["tokens_per_item"] else None)
        out.append(entry)
    return out


def write_outputs(rows: list[dict], out_dir: Path, name: str) -> dict[str, Path]:
    check_name(name, "grid name")  # a file name under out_dir, never a path out of it
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / f"{name}.json", "csv": out_dir / f"{name}.csv", "png": out_dir / f"{name}.png"}
    payload = {"rows": rows, "adaptive_savings": adaptive_savings(rows)}
    paths["json"].write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    with paths["csv"].open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(csv_row(row) for row in rows)  # no cell a spreadsheet would run as a formula
    plot_pareto(rows, paths["png"])
    return paths


def plot_pareto(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    benches = sorted({r["benchmark"] for r in rows})
    fig, axes = plt.subplots(1, max(1, len(benches)), figsize=(6.5 * max(1, len(benches)), 5), squeeze=False)
    models = sorted({r["model"] for r in rows})
    markers = "os^Dv<>p*h"
    for ax, bench in zip(axes[0], benches):
        group = [r for r in rows if r["benchmark"] == bench and r["accuracy"] is not None]
        for r in group:
            m = markers[models.index(r["model"]) % len(markers)]
            ax.scatter(r["tokens_per_item"], r["accuracy"], marker=m, s=60 if r["pareto"] else 30,
                       color="tab:red" if r["pareto"] else "tab:gray", zorder=3)
            label = r["method"] if len(models) == 1 else f"{r['method']} ({r['model']})"
            ax.annotate(label, (r["tokens_per_item"], r["accuracy"]), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
        front = sorted((r for r in group if r["pareto"]), key=lambda r: r["tokens_per_item"])
        if front:
            ax.step([r["tokens_per_item"] for r in front], [r["accuracy"] for r in front], where="post",
                    color="tab:red", lw=1, label="Pareto front")
            ax.legend(loc="lower right", fontsize=8)
        ax.set_xscale("log")
        ax.set_xlabel("tokens per item (prompt + completion, log)")
        ax.set_ylabel("accuracy")
        ax.set_title(bench)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
