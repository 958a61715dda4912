"""`clinreason probe RUN --probes shuffle,nota,bias,...`: robustness probes of a stored run (same
model, method and settings on transformed items, each probe a stored run), reported against it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ._app import OutOption, app, console, err_console, esc, friendly_errors
from ._common import check_at_least, check_model_spec, check_text

DEFAULT_PROBES = "shuffle,nota,distractor,bias,hint,prefill"


@app.command()
@friendly_errors
def probe(
    run_id: Optional[str] = typer.Argument(None, help="The base run (id or unique prefix)."),
    probes: str = typer.Option(DEFAULT_PROBES, "--probes", help="Comma-separated probes (see `clinreason probe --list`)."),
    out: Path = OutOption,
    seed: int = typer.Option(0, "--seed", help="Seed for the probes' choices (option orders, wrong options, donors)."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="Only the base run's first N items."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="The model spec, when the recorded one lost a URL secret (must be the same model)."),
    api_key_env: Optional[str] = typer.Option(None, "--api-key-env", help="Environment variable holding the API key."),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", "-c", help="Requests in flight."),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds per model request (HTTP backends)."),
    corpus: Optional[list[str]] = typer.Option(None, "--corpus", help="The base run's --corpus (retrieval methods)."),
    graph: Optional[str] = typer.Option(None, "--graph", help="The base run's --graph (graph methods)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Where benchmark files live (few-shot exemplar pools)."),
    scorer: str = typer.Option("answer", "--scorer", help="Which stored score to compare."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    list_probes: bool = typer.Option(False, "--list", help="List the probes and exit."),
):
    """Run robustness probes of a stored run and report each against it, paired by source item."""
    from ..probes import PROBES

    if list_probes:
        for name, cls in PROBES.items():
            console.print(f"{esc(name):<22} {esc(cls.description)}", soft_wrap=True)
        return
    if not run_id:
        raise ValueError("probe needs the base run: clinreason probe RUN --probes shuffle,nota (or --list)")
    names = [n.strip() for n in probes.split(",") if n.strip()]
    if not names:
        raise ValueError("--probes: give at least one probe, e.g. --probes shuffle,nota")
    for n in names:
        check_text("--probes", n)
        if n not in PROBES:
            raise ValueError(f"--probes: unknown probe {n!r}; probes: {', '.join(sorted(p for p, _ in PROBES.items()))}")
    check_at_least("--seed", seed, 0)
    check_at_least("--limit", limit, 1)
    check_at_least("--concurrency", concurrency, 1)
    check_model_spec("--model", model)
    check_text("--api-key-env", api_key_env)
    check_text("--scorer", scorer)
    rows = _run_probes(run_id, names, out, seed, limit, model, api_key_env, concurrency, timeout, corpus, graph,
                       data_dir, scorer)
    if as_json:
        print(json.dumps({"base": rows[0]["base"] if rows else run_id, "probes": rows}))
    else:
        print_probe_table(rows)


def _run_probes(run_id, names, out, seed, limit, model, api_key_env, concurrency, timeout, corpus, graph, data_dir,
                scorer) -> list[dict]:
    from .. import engine
    from ..models import load_model
    from ..robustness import check_same_model, plan_probes, probe_row
    from ._common import open_existing_store, resolve_run, write_summary_json
    from .run import _run_with_progress

    store = open_existing_store(out)
    try:
        base_id = resolve_run(store, run_id)

        def pool_loader(benchmark, subset, items):
            from ..exemplars import exemplar_pool

            return exemplar_pool(benchmark, subset, items, data_dir)

        plans = plan_probes(store, base_id, names, seed=seed, limit=limit, model_spec=model,
                            corpora=tuple(corpus or ()), graph=graph, data_dir=str(data_dir) if data_dir else None,
                            pool_loader=pool_loader)
        rows = []
        for p in plans:
            if p.plan is None:
                rows.append({**probe_row(store, base_id, p, None, scorer), "base": base_id})
                continue
            # Loaded per probe: the progress runner closes the backends when a run ends.
            backends = {r: load_model(spec, api_key_env=api_key_env, concurrency=concurrency, timeout_s=timeout)
                        for r, spec in p.plan.role_specs().items()}
            check_same_model(store.get_run(base_id), {r: m.identity for r, m in backends.items()}, p.plan.roles)
            knowledge = engine.open_knowledge(p.plan) if p.plan.knowledge_config() else None
            probe_id = p.plan.run_id(backends)
            used = p.n_source - sum(p.skipped.values())
            console.print(f"[bold]{esc(probe_id)}[/]  " + esc(f"{len(p.plan.items)} items from {used} of {p.n_source}"),
                          soft_wrap=True)
            write_summary_json(out, _run_with_progress(p.plan, backends, store, concurrency, True, False, None, knowledge))
            rows.append({**probe_row(store, base_id, p, probe_id, scorer), "base": base_id})
    finally:
        store.close()
    return rows


def print_probe_table(rows: list[dict]) -> None:
    from rich.table import Table

    base = rows[0]["base"] if rows else ""
    table = Table(title=esc(f"probes of {base} (change = probe - base on the same source items)"), title_justify="left")
    for column in ("probe", "items", "skipped", "base acc", "probe acc", "change", "95% CI", "p", "flip rate",
                   "took bait"):
        table.add_column(column, justify="left" if column == "probe" else "right")
    for row in rows:
        table.add_row(*_cells(row["probe"], row, row["n_skipped"]))
        for kind, stats in (row.get("variants") or {}).items():
            table.add_row(*_cells(f"  {kind}", stats, None))
    console.print(table)
    for row in rows:
        if row["skipped"]:
            reasons = "; ".join(f"{n} {reason}" for reason, n in sorted(row["skipped"].items(), key=lambda kv: -kv[1]))
            err_console.print(esc(f"{row['probe']}: skipped {row['n_skipped']} of {row['n_source']} items ({reasons})"),
                              soft_wrap=True)


def _cells(label: str, s: dict, skipped: int | None) -> list[str]:
    from ._common import pct

    skipped_text = "" if skipped is None else str(skipped)
    if not s.get("n"):
        return [esc(label), "0", skipped_text] + [""] * 7
    lo, hi = s["ci95"]
    bait = pct(s["took_target"]) if s.get("took_target") is not None else ""
    return [esc(label), str(s["n"]), skipped_text, pct(s["base_accuracy"]), pct(s["accuracy"]), f"{s['change']:+.1%}",
            f"{lo:+.1%} to {hi:+.1%}", f"{s['p_value']:.3g}", pct(s["flip_rate"]), bait]
