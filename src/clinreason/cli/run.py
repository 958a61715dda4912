"""`clinreason run` (`list` is in catalog.py, `show` in show.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from ._app import OutOption, app, console, err_console, esc, friendly_errors, parse_params
from . import _executor
from ._common import (Terminated, check_at_least, check_model_spec, check_positive, check_results_dir, check_run_name,
                      check_text, load_benchmark_items, print_summary, run_cancellable, write_summary_json)

from ._run_options import _blind_items, _default_method, _interactive_items, _report_errors, parse_roles, parse_shard  # noqa: F401

# Heavy modules (engine, models, data, methods, store) are imported inside the commands: `--help`
# and `show` must not pay for what only `run` uses.
DEFAULT_MODEL = "smollm2"


@app.command()
@friendly_errors
def run(
    benchmark: str = typer.Argument(..., help="Benchmark name (see `clinreason list`) or a .jsonl/.json/.csv file."),
    subset: Optional[str] = typer.Option(None, "--subset", "-s", help="Split, e.g. test or test_hard."),
    model: str = typer.Option(DEFAULT_MODEL, "--model", "-m", help="Model spec: smollm2, gguf:PATH, openai-compat:URL#MODEL, openai:MODEL, ollama:MODEL."),
    method: Optional[str] = typer.Option(None, "--method", help="Reasoning method (see `clinreason list`; default cot, or the benchmark's own: mediq -> consult, agentclinic -> agentclinic; consult with --interactive)."),
    param: Optional[list[str]] = typer.Option(None, "--param", "-p", help="Method parameter NAME=VALUE (repeatable)."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="Only the first N items."),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", "-c", help="Requests in flight (default: the backend's own limit)."),
    seed: int = typer.Option(0, "--seed", help="Seed for sampling and any random choice."),
    out: Path = OutOption,
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Where benchmark files live (else $CLINREASON_DATA, then the user cache)."),
    fields: Optional[str] = typer.Option(None, "--fields", help="For your own file: question=COL,options=A|B|C|D (or one column holding all options: options=COL),answer=COL[:letter|:text|:index0|:index1][,id=COL,context=COL,language=COL or a code]."),
    api_key_env: Optional[str] = typer.Option(None, "--api-key-env", help="Environment variable holding the API key."),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds per model request (HTTP backends)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not serve responses from the store's cache."),
    retry_errors: bool = typer.Option(False, "--retry-errors", help="Redo items whose model calls failed."),
    run_name: Optional[str] = typer.Option(None, "--run-name", help="Name the run yourself (default: derived from its settings)."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Skip bad records (your own file, VQA-RAD) instead of stopping; they are listed in the run record."),
    max_rpm: Optional[float] = typer.Option(None, "--max-rpm", help="At most this many model requests per minute."),
    max_tpm: Optional[float] = typer.Option(None, "--max-tpm", help="At most this many tokens (prompt + completion) per minute."),
    judge_spec: Optional[str] = typer.Option(None, "--judge", "-j", help="Also judge the run inline with this model spec (see `clinreason judge`)."),
    rubric: Optional[list[str]] = typer.Option(None, "--rubric", help="Judge rubric(s) for --judge (default: auto)."),
    patient: Optional[str] = typer.Option(None, "--patient", help="Model spec for the patient role (methods that consult a patient)."),
    extractor: Optional[str] = typer.Option(None, "--extractor", help="Model spec for the extractor role."),
    role: Optional[list[str]] = typer.Option(None, "--role", help="Another model role: NAME=SPEC (repeatable)."),
    scorer: Optional[list[str]] = typer.Option(None, "--scorer", help="Scorer(s), the headline first (default: the benchmark's own)."),
    shard: Optional[str] = typer.Option(None, "--shard", help="I/K: do only every K-th item from the I-th (0-based); shards of one run merge with `clinreason merge`."),
    corpus: Optional[list[str]] = typer.Option(None, "--corpus", help="Corpus for retrieval methods (rag, i_medrag; default medquad): medquad, a .jsonl/.json/.csv/.tsv file or folder of .txt files (records need 'text'; optional 'id', 'title'), or an http(s) search URL. Repeat or comma-list to fuse by reciprocal rank."),
    graph: Optional[str] = typer.Option(None, "--graph", help="Knowledge graph for graph methods (default hetionet)."),
    executor: str = _executor.ExecutorOption,
    address: Optional[str] = _executor.AddressOption,
    workers: Optional[int] = _executor.WorkersOption,
    interactive: bool = typer.Option(False, "--interactive", help="Run each case as a consultation episode: the vignette becomes the patient's facts, the doctor sees its first sentence (needs an episode method: consult, agentclinic, consult_full, consult_first)."),
    blind: bool = typer.Option(False, "--blind", help="Image-blind baseline: the same items with their images removed and the question saying no image is available (a run of its own; compare it with the with-image run)."),
):
    """Evaluate a model with a reasoning method on a benchmark. Rerunning resumes."""
    from .. import engine
    from ..methods import build_method
    from ..models import load_model
    from ..store import Store

    # Every value is checked before anything is written: a bad one is one line, exit 2, no store.
    check_text("BENCHMARK", benchmark)
    check_text("--subset", subset)
    check_model_spec("--model", model)
    check_text("--method", method)
    check_at_least("--limit", limit, 1)
    check_at_least("--concurrency", concurrency, 1)
    check_at_least("--seed", seed, 0)
    check_results_dir("--out", out)
    check_text("--fields", fields)
    check_text("--api-key-env", api_key_env)
    check_positive("--timeout", timeout, " of seconds")
    check_run_name("--run-name", run_name)
    check_positive("--max-rpm", max_rpm)
    check_positive("--max-tpm", max_tpm)
    check_model_spec("--judge", judge_spec)
    check_model_spec("--patient", patient)
    check_model_spec("--extractor", extractor)
    for name_ in scorer or []:
        check_text("--scorer", name_)
    for spec_ in corpus or []:
        check_text("--corpus", spec_)
    check_text("--graph", graph)
    if rubric and not judge_spec:
        raise ValueError("--rubric needs --judge SPEC")
    roles = parse_roles(role, patient=patient, extractor=extractor)
    for role_name, spec in roles.items():
        check_model_spec(f"--role {role_name}", spec)
    shard_ = parse_shard(shard)
    ray_opts = _executor.ray_options(executor, address, workers, rate_limited=max_rpm is not None or max_tpm is not None,
                                     load={"api_key_env": api_key_env, "concurrency": concurrency, "timeout_s": timeout})
    if judge_spec:
        from ..judges import resolve_rubrics

        resolve_rubrics(rubric or ["auto"])  # an unknown rubric fails now, not after the run

    name, subset, items, extra = load_benchmark_items(benchmark, subset, data_dir, fields, skip_invalid)
    if extra.get("skipped"):
        err_console.print(f"[yellow]skipped {len(extra['skipped'])} invalid records[/] (listed in the run config), "
                          f"first: {esc(extra['skipped'][0]['error'])}", soft_wrap=True)
    if method is None:
        method = _default_method(name, interactive)
    if interactive:
        items, extra = _interactive_items(items, extra, method)
    if blind:
        items, extra = _blind_items(items, extra)
    subset_size = len(items)
    if limit:
        items = items[:limit]
    scorers = tuple(scorer) if scorer else tuple(extra.pop("scorers", None) or ("answer",))
    extra.pop("scorers", None)
    reasoner = build_method(method, parse_params(param), seed=seed)
    if not scorer and getattr(reasoner, "episode", False) and "episode" not in scorers:
        scorers = (*scorers, "episode")  # consultations: turns, questions, information gained, ... (issue 15)
    if reasoner.needs_pool:  # few-shot methods: exemplars from outside the evaluated items
        from ..exemplars import exemplar_pool

        pool = exemplar_pool(name, subset, items, data_dir)
        reasoner.prepare(pool.items)
        extra = {**extra, "exemplar_pool": pool.source}
    plan = engine.RunPlan(benchmark=name, subset=subset, model_spec=model, method=reasoner, items=items,
                          seed=seed, name=run_name, extra=extra, roles=roles, scorers=scorers, shard=shard_,
                          corpora=tuple(corpus or ()), graph=graph, data_dir=str(data_dir) if data_dir else None)
    from ..engine.plan import knowledge_needed

    needs = knowledge_needed(reasoner)
    for option, value, kind in (("--corpus", corpus, "retriever"), ("--graph", graph, "graph")):
        if value and kind not in needs:
            err_console.print(f"[yellow]{option} is not used by method {esc(reasoner.name)}[/] (it reads no {kind})")
    # Knowledge sources are opened now: a missing or broken corpus fails (FILE:LINE) before anything
    # is written, and an index is built once, here, then shared by the run's workers.
    knowledge = engine.open_knowledge(plan) if needs else None
    if knowledge and "retriever" in knowledge:
        r = knowledge["retriever"]
        console.print(esc(f"corpus {r.name}" + (f" (index built in {r.build_s:.1f} s)" if getattr(r, "built", False) else "")))
    from ..grading.scorers import build_scorers

    build_scorers(scorers)  # an unknown scorer is a clear error before any model loads
    from ..models.ratelimit import RateLimiter

    limiter = RateLimiter(max_rpm, max_tpm) if (max_rpm is not None or max_tpm is not None) else None
    backends = {r: load_model(spec, api_key_env=api_key_env, concurrency=concurrency, timeout_s=timeout)
                for r, spec in plan.role_specs().items()}
    from ..engine.plan import check_vision

    check_vision(plan, backends)  # image items on a model that cannot see: refused before anything is written
    run_id = plan.run_id(backends)
    # The subset's size is recorded (to flag partial runs) but is not part of the run id: the id is
    # fixed first, so runs started before this was recorded keep their ids and resume.
    plan.name = run_id
    plan.extra = {**plan.extra, "subset_size": subset_size}
    _executor.connect(ray_opts)  # an unreachable cluster fails here: nothing written yet
    store = Store(out)
    others = "".join(f" · {r}: {spec}" for r, spec in plan.roles.items())  # public specs: no URL secrets
    part = f" · shard {plan.shard[0]}/{plan.shard[1]} ({len(plan.shard_items())} items)" if plan.shard else ""
    console.print(f"[bold]{esc(run_id)}[/]  {esc(f'{len(items)} items · {plan.model_spec} · {reasoner.name}{others}{part} · store {store.path}')}",
                  soft_wrap=True)
    if subset_size > len(items):
        console.print(esc(f"{len(items)} of {subset_size} items of {name} {subset or ''}".strip()) + " (not the whole benchmark)")
    summary = _run_with_progress(plan, backends, store, concurrency, not no_cache, retry_errors, limiter, knowledge,
                                 ray_opts)
    path = write_summary_json(out, summary)
    if json_out:
        console.print_json(json.dumps(summary))
    else:
        print_summary(summary, store.get_run(summary["run_id"]))
        console.print(f"summary: {esc(path)}", soft_wrap=True)
    mine = {item.id for item in plan.shard_items()}
    done_here = store.predicted_ids(summary["run_id"]) & mine
    if len(done_here) < len(mine):
        sys.exit(130)
    if _report_errors(store, summary["run_id"], mine):
        sys.exit(1)  # not one item succeeded: nothing to judge, and scripts must see the failure
    if judge_spec:
        from .judge import judge_stored_run

        judge_stored_run(out, summary["run_id"], judge_spec, rubric, seed=seed, concurrency=concurrency,
                         api_key_env=api_key_env, timeout=timeout, no_cache=no_cache, json_out=json_out)


def _run_with_progress(plan, backends, store, concurrency, use_cache, retry_errors, rate_limit=None,
                       knowledge=None, ray_opts=None) -> dict:
    """Run the plan with a progress display: a live bar on a terminal, plain lines in a log.
    Ctrl-C and SIGTERM stop it the same way: the items in flight are cancelled, finished ones stay
    stored, the run is recorded as interrupted, and the message says how to resume (exit 130 / 143)."""
    total = len(plan.shard_items())
    live = sys.stdout.isatty() or _force_progress()
    display = _BarProgress(total) if live else _LogProgress(total)

    async def go():
        try:
            return await _executor.execute(plan, backends, store, ray_opts, concurrency=concurrency, use_cache=use_cache,
                                           retry_errors=retry_errors, on_progress=display.update, rate_limit=rate_limit,
                                           knowledge=knowledge)
        finally:
            for backend in backends.values():
                await backend.aclose()

    try:
        with display:
            return run_cancellable(go)
    except KeyboardInterrupt as e:
        run_id = plan.run_id(backends)
        mine = {item.id for item in plan.shard_items()}
        kept = len(store.predicted_ids(run_id) & mine) if store.get_run(run_id) else 0
        how = "terminated (SIGTERM)" if isinstance(e, Terminated) else "interrupted"
        err_console.print(f"[yellow]{how}[/]: {kept} of {total} items are saved in {esc(store.path)} (run {esc(run_id)}, "
                          "status interrupted); rerun the same command to resume.", soft_wrap=True)
        sys.exit(143 if isinstance(e, Terminated) else 130)


def _stats(p) -> str:
    acc = p.correct / p.done if p.done else 0.0
    return (f"acc {acc:.1%} · {p.tokens:,} tok · {p.model_calls} calls · {p.cache_hits} cached"
            + (f" · {p.errors} errors" if p.errors else ""))


class _BarProgress:
    """rich's live bar, for a terminal (or CLINREASON_PROGRESS=1)."""

    def __init__(self, total: int):
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        columns = [TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.fields[stats]}")]
        self.bar = Progress(*columns, console=console, transient=False)
        self.task = self.bar.add_task("running", total=total, stats="")

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def update(self, p) -> None:
        self.bar.update(self.task, completed=p.done, stats=_stats(p))


class _LogProgress:
    """For a log or a pipe: one complete line (on stderr, so --json stays clean) about every tenth of
    the run or every 30 s, never a carriage return or a redrawn bar."""

    EVERY_S = 30.0

    def __init__(self, total: int):
        import time

        self.total = total
        self.step = max(1, total // 10)
        self.clock = time.monotonic
        self.started = self.last_time = self.clock()
        self.last_done: int | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, p) -> None:
        now = self.clock()
        if self.last_done is None:  # the first call: what earlier sessions finished
            self.last_done = p.done
            if p.done:
                err_console.print(f"resuming: {p.done}/{p.total} items already done", soft_wrap=True)
            return
        if p.done == self.last_done:
            return
        if p.done < p.total and p.done - self.last_done < self.step and now - self.last_time < self.EVERY_S:
            return
        self.last_done, self.last_time = p.done, now
        err_console.print(f"{p.done}/{p.total} items · {now - self.started:.0f} s · {_stats(p)}", soft_wrap=True,
                          markup=False)


def _force_progress() -> bool:
    import os

    return os.environ.get("CLINREASON_PROGRESS") == "1"
