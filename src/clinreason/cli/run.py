"""`clinreason run`, `list` and `show`."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from .. import engine
from ..data import list_benchmarks, load_items
from ..methods import METHODS, build_method
from ..models import DEFAULT_MODEL, MODEL_KINDS, load_model
from ..store import Store
from ..summary import summarize_run
from ._app import OutOption, app, console, err_console, friendly_errors, parse_params


def load_benchmark_items(benchmark: str, subset: str | None, data_dir: Path | None, fields: str | None,
                         skip_invalid: bool = False):
    """A registered benchmark name, or a path to the user's own file (with --fields)."""
    path = Path(benchmark)
    if path.suffix.lower() in {".jsonl", ".json", ".csv", ".tsv"}:
        from ..data import FieldMap, load_file

        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
        field_map = FieldMap.parse(fields or "question=question,options=options,answer=answer")
        extra = {"data_file": str(path.resolve()), "fields": fields}
        if skip_invalid:
            # Bad records are left out and listed in the run record, so the omission stays visible.
            from ..data import scan_file

            result = scan_file(path, field_map)
            extra["skipped"] = [{"line": e.line, "field": e.field, "error": str(e)} for e in result.skipped]
            return path.stem, None, result.items, extra
        return path.stem, None, load_file(path, field_map), extra
    from ..data import BENCHMARKS

    bench = BENCHMARKS.get(benchmark)
    subset = subset or bench.subsets[0]
    return bench.name, subset, load_items(bench.name, subset, data_dir), {}


@app.command()
@friendly_errors
def run(
    benchmark: str = typer.Argument(..., help="Benchmark name (see `clinreason list`) or a .jsonl/.json/.csv file."),
    subset: Optional[str] = typer.Option(None, "--subset", "-s", help="Split, e.g. test or test_hard."),
    model: str = typer.Option(DEFAULT_MODEL, "--model", "-m", help="Model spec: smollm2, gguf:PATH, openai-compat:URL#MODEL, openai:MODEL, ollama:MODEL."),
    method: str = typer.Option("cot", "--method", help="Reasoning method (see `clinreason list`)."),
    param: Optional[list[str]] = typer.Option(None, "--param", "-p", help="Method parameter NAME=VALUE (repeatable)."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="Only the first N items."),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", "-c", help="Requests in flight (default: the backend's own limit)."),
    seed: int = typer.Option(0, "--seed", help="Seed for sampling and any random choice."),
    out: Path = OutOption,
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Where benchmark files live (else $CLINREASON_DATA, then the user cache)."),
    fields: Optional[str] = typer.Option(None, "--fields", help="For your own file: question=COL,options=A|B|C|D,answer=COL[,id=COL,context=COL]."),
    api_key_env: Optional[str] = typer.Option(None, "--api-key-env", help="Environment variable holding the API key."),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds per model request (HTTP backends)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not serve responses from the store's cache."),
    retry_errors: bool = typer.Option(False, "--retry-errors", help="Redo items whose model calls failed."),
    run_name: Optional[str] = typer.Option(None, "--run-name", help="Name the run yourself (default: derived from its settings)."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="For your own file: skip bad records (listed in the run record) instead of stopping."),
    max_rpm: Optional[float] = typer.Option(None, "--max-rpm", help="At most this many model requests per minute."),
    max_tpm: Optional[float] = typer.Option(None, "--max-tpm", help="At most this many tokens (prompt + completion) per minute."),
    judge_spec: Optional[str] = typer.Option(None, "--judge", "-j", help="Also judge the run inline with this model spec (see `clinreason judge`)."),
    rubric: Optional[list[str]] = typer.Option(None, "--rubric", help="Judge rubric(s) for --judge (default: auto)."),
):
    """Evaluate a model with a reasoning method on a benchmark. Rerunning resumes."""
    if limit is not None and limit < 1:
        raise ValueError("--limit must be at least 1")
    name, subset, items, extra = load_benchmark_items(benchmark, subset, data_dir, fields, skip_invalid)
    if extra.get("skipped"):
        err_console.print(f"[yellow]skipped {len(extra['skipped'])} invalid records[/] (listed in the run config), "
                          f"first: {extra['skipped'][0]['error']}", soft_wrap=True)
    if limit:
        items = items[:limit]
    reasoner = build_method(method, parse_params(param), seed=seed)
    if reasoner.needs_pool:  # few-shot methods: exemplars from outside the evaluated items
        from ..exemplars import exemplar_pool

        pool = exemplar_pool(name, subset, items, data_dir)
        reasoner.prepare(pool.items)
        extra = {**extra, "exemplar_pool": pool.source}
    backend = load_model(model, api_key_env=api_key_env, concurrency=concurrency, timeout_s=timeout)
    plan = engine.RunPlan(benchmark=name, subset=subset, model_spec=model, method=reasoner, items=items,
                          seed=seed, name=run_name, extra=extra)
    store = Store(out)
    run_id = plan.run_id(backend)
    console.print(f"[bold]{run_id}[/]  {len(items)} items · {model} · {reasoner.name} · store {store.path}")
    from ..models.ratelimit import RateLimiter

    limiter = RateLimiter(max_rpm, max_tpm) if (max_rpm or max_tpm) else None
    summary = _run_with_progress(plan, backend, store, concurrency, not no_cache, retry_errors, limiter)
    path = write_summary_json(out, summary)
    if json_out:
        console.print_json(json.dumps(summary))
    else:
        print_summary(summary)
        console.print(f"summary: {path}")
    if summary["n_done"] < summary["n_items"]:
        sys.exit(130)
    if judge_spec:
        from .judge import judge_stored_run

        judge_stored_run(out, summary["run_id"], judge_spec, rubric, seed=seed, concurrency=concurrency,
                         api_key_env=api_key_env, timeout=timeout, no_cache=no_cache, json_out=json_out)


def _run_with_progress(plan, backend, store, concurrency, use_cache, retry_errors, rate_limit=None) -> dict:
    columns = [TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.fields[stats]}")]
    with Progress(*columns, console=console, transient=False, disable=not sys.stdout.isatty() and not _force_progress()) as bar:
        task = bar.add_task("running", total=len(plan.items), stats="")

        def update(p: engine.Progress) -> None:
            acc = p.correct / p.done if p.done else 0.0
            bar.update(task, completed=p.done,
                       stats=f"acc {acc:.1%} · {p.tokens:,} tok · {p.model_calls} calls · {p.cache_hits} cached"
                             + (f" · {p.errors} errors" if p.errors else ""))

        async def go():
            try:
                return await engine.execute(plan, backend, store, concurrency=concurrency, use_cache=use_cache,
                                            retry_errors=retry_errors, on_progress=update, rate_limit=rate_limit)
            finally:
                await backend.aclose()

        try:
            return asyncio.run(go())
        except KeyboardInterrupt:
            err_console.print("[yellow]interrupted[/]: finished items are saved; rerun the same command to resume.")
            sys.exit(130)


def _force_progress() -> bool:
    import os

    return os.environ.get("CLINREASON_PROGRESS") == "1"


def write_summary_json(out: Path, summary: dict) -> Path:
    path = Path(out) / "runs" / f"{summary['run_id']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    tmp.replace(path)  # atomic: a reader never sees half a file
    return path


def _pct(x) -> str:
    return "–" if x is None else f"{x:.1%}"


def print_summary(s: dict) -> None:
    ci = s.get("ci95")
    table = Table(title=f"{s['run_id']}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("benchmark", f"{s['benchmark']} {s['subset'] or ''}".strip())
    table.add_row("model · method", f"{s['model']} · {s['method']}")
    table.add_row("items", f"{s['n_done']} / {s['n_items']} done" + (f", {s['errors']} errors" if s["errors"] else ""))
    table.add_row("accuracy", f"[bold]{_pct(s['accuracy'])}[/]" + (f"  (95% CI {_pct(ci[0])}–{_pct(ci[1])})" if ci else ""))
    table.add_row("chance level", _pct(s.get("chance_accuracy")))
    table.add_row("strict-format accuracy", f"{_pct(s['accuracy_strict_format'])}  (answers given as 'ANSWER: X' only)")
    table.add_row("format followed", _pct(s.get("format_followed_rate")))
    table.add_row("unparsed", f"{s['unparsed']} ({_pct(s['unparsed_rate'])})")
    table.add_row("answer rules", ", ".join(f"{k} {v}" for k, v in s["answer_rules"].items()) or "–")
    if s.get("prompt_tokens_per_item") is not None:
        table.add_row("tokens / item", f"{s['prompt_tokens_per_item']:.0f} prompt + {s['completion_tokens_per_item']:.0f} completion")
        table.add_row("calls / item", f"{s['calls_per_item']:.2f}")
        table.add_row("time / item", f"{s['wall_s_per_item']:.2f} s")
    if "session" in s:
        sess = s["session"]
        multi = f" ({sess['multi_sample_requests']} requests for several samples)" if sess.get("multi_sample_requests") else ""
        table.add_row("this session", f"{sess['elapsed_s']:.1f} s, {sess['model_calls']} model calls{multi}, "
                                      f"{sess['cache_hits']} cache hits")
    console.print(table)
    if s.get("judges"):  # added by `clinreason judge`
        from .judge import print_judge_summary

        print_judge_summary(s["judges"])
    for key, groups in s.get("breakdown", {}).items():
        sub = Table(title=f"by {key}", title_justify="left")
        for col in (key, "n", "accuracy", "95% CI"):
            sub.add_column(col)
        for name, g in list(groups.items())[:15]:
            gci = g["ci95"]
            sub.add_row(name, str(g["n"]), _pct(g["mean"]), f"{_pct(gci[0])}–{_pct(gci[1])}" if gci else "–")
        console.print(sub)


@app.command("list")
@friendly_errors
def list_(data_dir: Optional[Path] = typer.Option(None, "--data-dir")):
    """Benchmarks (with item counts), methods and model kinds."""
    table = Table(title="benchmarks", title_justify="left")
    for col in ("name", "task", "subsets (items)", "description"):
        table.add_column(col)
    for bench in list_benchmarks():
        counts = []
        for subset in bench.subsets:
            n = bench.count(data_dir, subset)  # local files only: listing never waits on the network
            counts.append(f"{subset} ({n if n is not None else 'not found'})")
        table.add_row(bench.name, bench.task.value, ", ".join(counts), bench.description)
    console.print(table)
    methods = Table(title="methods", title_justify="left")
    for col in ("name", "description", "parameters"):
        methods.add_column(col)
    for name, cls in METHODS.items():
        params = ", ".join(f"{k}={f.default}" for k, f in cls.Params.model_fields.items())
        methods.add_row(name, cls.description, params)
    console.print(methods)
    kinds = Table(title="models", title_justify="left")
    kinds.add_column("spec")
    kinds.add_column("description")
    for _, kind in MODEL_KINDS.items():
        kinds.add_row(kind.syntax, kind.description)
    console.print(kinds)


@app.command()
@friendly_errors
def show(
    run_id: Optional[str] = typer.Argument(None, help="Run id (or a unique prefix). Omit to list runs."),
    out: Path = OutOption,
    json_out: bool = typer.Option(False, "--json"),
):
    """Show a run's summary, or list the runs in a results directory."""
    store = Store(out)
    if run_id is None:
        table = Table(title=f"runs in {store.path}", title_justify="left")
        for col in ("run", "status", "items", "accuracy", "95% CI"):
            table.add_column(col)
        for r in store.list_runs():
            s = r["summary"] or {}
            ci = s.get("ci95")
            table.add_row(r["id"], r["status"], f"{s.get('n_done', 0)}/{r['n_items']}", _pct(s.get("accuracy")),
                          f"{_pct(ci[0])}–{_pct(ci[1])}" if ci else "–")
        console.print(table)
        return
    matches = store.find_runs(run_id)
    if not matches:
        raise ValueError(f"no run {run_id!r} in {store.path}")
    if len(matches) > 1 and not any(m["id"] == run_id for m in matches):
        raise ValueError(f"{run_id!r} matches {len(matches)} runs: " + ", ".join(m["id"] for m in matches))
    rid = run_id if any(m["id"] == run_id for m in matches) else matches[0]["id"]
    summary = summarize_run(store, rid)
    if json_out:
        console.print_json(json.dumps(summary))
    else:
        print_summary(summary)
