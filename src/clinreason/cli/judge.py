"""`clinreason judge`: grade a stored run's reasoning, claims, rubric criteria and open answers
with a judge model (any spec, independent of the model under test)."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Optional

import typer

from ._app import OutOption, app, console, err_console, friendly_errors
from ._common import resolve_run, write_summary_json
from ._judge_print import print_judge_summary

RUBRIC_HELP = "Rubric(s): reasoning, claims, equivalence, rubric (HealthBench), medec, or auto (all that apply). Repeatable."


def import_human_labels(store, run_id: str, path: Path) -> int:
    """JSONL lines {item_id, rubric, unit, label} -> `human:<rubric>` scores whose units the
    trust statistics compare with the judge's (Cohen's kappa)."""
    units: dict[tuple[str, str], dict[str, str]] = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{n}: invalid JSON ({e.msg})") from None
        if not isinstance(rec, dict):
            raise ValueError(f"{path}:{n}: expected a JSON object")
        missing = [k for k in ("item_id", "rubric", "unit", "label") if k not in rec]
        if missing:
            raise ValueError(f"{path}:{n}: missing {', '.join(missing)}")
        units.setdefault((rec["rubric"], str(rec["item_id"])), {})[str(rec["unit"])] = str(rec["label"])
    for (rubric, item_id), u in units.items():
        store.save_score(run_id, item_id, f"human:{rubric}", {"value": None, "label": "human", "detail": {"units": u}})
    return len(units)


@app.command()
@friendly_errors
def judge(
    run_id: str = typer.Argument(..., help="Run id (or a unique prefix) in the results directory."),
    judge_spec: Optional[str] = typer.Option(None, "--judge", "-j", help="Judge model spec (e.g. smollm2, openai-compat:URL#MODEL). Not needed for medec."),
    rubric: Optional[list[str]] = typer.Option(None, "--rubric", "-r", help=RUBRIC_HELP),
    out: Path = OutOption,
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="Only the first N predictions."),
    trust: bool = typer.Option(False, "--trust", help="Also re-judge with another seed (self-agreement) and swapped order (position bias)."),
    redo: bool = typer.Option(False, "--redo", help="Re-score items already scored (judge calls still come from the cache)."),
    retry_errors: bool = typer.Option(False, "--retry-errors", help="Redo only the judgements whose judge call failed (label judge_error)."),
    no_controls: bool = typer.Option(False, "--no-controls", help="Skip the control units (known-answer cases that check the judge; stored as judge:<rubric>@control)."),
    max_tokens: int = typer.Option(512, "--max-tokens", help="Judge reply budget per call."),
    max_attempts: int = typer.Option(3, "--max-attempts", help="Calls per judgement, re-asking on invalid JSON."),
    seed: int = typer.Option(0, "--seed"),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", "-c"),
    human_labels: Optional[Path] = typer.Option(None, "--human-labels", help="JSONL {item_id, rubric, unit, label} to compare the judge with."),
    api_key_env: Optional[str] = typer.Option(None, "--api-key-env"),
    timeout: float = typer.Option(120.0, "--timeout"),
    no_cache: bool = typer.Option(False, "--no-cache"),
    json_out: bool = typer.Option(False, "--json"),
):
    """Judge a stored run: reasoning quality, right-answer-wrong-reasoning, claims, rubric, equivalence, MEDEC."""
    judge_stored_run(out, run_id, judge_spec, rubric, limit=limit, trust=trust, redo=redo, max_tokens=max_tokens,
                     max_attempts=max_attempts, seed=seed, concurrency=concurrency, human_labels=human_labels,
                     api_key_env=api_key_env, timeout=timeout, no_cache=no_cache, json_out=json_out,
                     retry_errors=retry_errors, controls=not no_controls)


def judge_stored_run(out: Path, run_id: str, judge_spec: str | None, rubric: list[str] | None, *,
                     limit: int | None = None, trust: bool = False, redo: bool = False, max_tokens: int = 512,
                     max_attempts: int = 3, seed: int = 0, concurrency: int | None = None,
                     human_labels: Path | None = None, api_key_env: str | None = None, timeout: float = 120.0,
                     no_cache: bool = False, json_out: bool = False, retry_errors: bool = False,
                     controls: bool = True) -> None:
    """`clinreason judge`'s work, also what `clinreason run --judge` calls after the run."""
    from rich.markup import escape

    from ..judges import Judge, judge_run, resolve_rubrics
    from ..models import load_model
    from ..redact import public_spec
    from ..summary import summarize_run
    from ._common import check_model_spec, check_positive, open_existing_store

    # Refused before anything is opened or written.
    for name, value in (("--limit", limit), ("--max-attempts", max_attempts), ("--concurrency", concurrency)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    check_positive("--timeout", timeout, " of seconds")
    check_model_spec("--judge", judge_spec)
    store = open_existing_store(out)  # judging never creates a store
    rid = resolve_run(store, run_id)
    rubrics = resolve_rubrics(rubric or ["auto"])
    if judge_spec is None:
        rubrics = [r for r in rubrics if not r.needs_judge] if not rubric or "auto" in rubric else rubrics
    if human_labels:
        console.print(f"imported human labels for {import_human_labels(store, rid, human_labels)} (rubric, item) pairs")
    backend = load_model(judge_spec, api_key_env=api_key_env, concurrency=concurrency, timeout_s=timeout) if judge_spec else None
    console.print(f"[bold]judging {escape(rid)}[/] · judge {escape(public_spec(judge_spec) or '(none)')} · rubrics "
                  f"{escape(', '.join(r.name for r in rubrics))}" + (" · only judge errors" if retry_errors else ""))
    show = _progress_printer()
    session = {"done": 0}
    terminated: list[bool] = []

    def on_progress(p) -> None:
        session["done"] = p.done
        show(p.done, p.total)

    async def go():
        loop, task = asyncio.get_running_loop(), asyncio.current_task()

        def on_sigterm() -> None:
            terminated.append(True)
            task.cancel()

        try:
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
            pass
        judge_ = Judge(backend, store, rid, max_tokens=max_tokens, seed=seed, max_attempts=max_attempts,
                       use_cache=not no_cache, concurrency=concurrency) if backend else None
        try:
            return await judge_run(store, rid, judge_, rubrics, limit=limit, trust=trust, redo=redo,
                                   retry_errors=retry_errors, controls=controls,
                                   workers=concurrency or (backend.max_concurrency if backend else 1),
                                   on_progress=on_progress)
        finally:
            try:
                loop.remove_signal_handler(signal.SIGTERM)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
            if backend:
                await backend.aclose()

    try:
        progress = asyncio.run(go())
    except (KeyboardInterrupt, asyncio.CancelledError) as e:
        if isinstance(e, asyncio.CancelledError) and not terminated:
            raise
        show.finish()
        n = session["done"]
        err_console.print(f"[yellow]{'terminated' if terminated else 'interrupted'}[/]: {n} judgement{'s' * (n != 1)} "
                          "stored this session are kept; rerun the same command to resume (stored judgements are "
                          "skipped).", soft_wrap=True)
        sys.exit(143 if terminated else 130)
    show.finish()
    run = store.get_run(rid)
    summary = summarize_run(store, rid)
    store.finish_run(rid, run["status"], summary)
    path = write_summary_json(out, summary)
    errors = [s for s in store.scores(rid) if s["label"] == JUDGE_ERROR]
    if json_out:
        console.print_json(json.dumps(summary.get("judges")))
    else:
        console.print(f"{progress.done} judgements this session ({progress.invalid} invalid, "
                      f"{progress.errors} judge errors)")
        print_judge_summary(summary.get("judges") or {})
        console.print(f"summary: {escape(str(path))}")
    if errors:
        first = errors[0]
        err_console.print(
            f"[yellow]{len(errors)} judge error{'s' * (len(errors) != 1)}[/] recorded (label {JUDGE_ERROR}, not "
            f"scored), e.g. {escape(first['item_id'])} {escape(first['scorer'])}: "
            f"{escape(str(first['detail'].get('error') or '?'))}\n"
            "rerun with --retry-errors to redo only those.", soft_wrap=True)


JUDGE_ERROR = "judge_error"  # judges.runner.JUDGE_ERROR, without importing the judge machinery at start-up


class _ProgressPrinter:
    """On a terminal, one line rewritten in place; in a log (not a TTY), whole lines: one per tenth
    of the work and the last, so lines never run together."""

    def __init__(self, tty: bool):
        self.tty, self.open_line, self.last_step = tty, False, -1

    def __call__(self, done: int, total: int) -> None:
        if self.tty:
            err_console.print(f"\r{done}/{total} judged", end="")
            self.open_line = True
            return
        step = done * 10 // max(total, 1)
        if step != self.last_step or done == total:
            self.last_step = step
            err_console.print(f"{done}/{total} judged")

    def finish(self) -> None:
        if self.open_line:
            err_console.print()
            self.open_line = False


def _progress_printer() -> _ProgressPrinter:
    return _ProgressPrinter(err_console.is_terminal)
