"""`clinreason judge`: grade a stored run's reasoning, claims, rubric criteria and open answers
with a judge model (any spec, independent of the model under test)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Optional

import typer

from ._app import OutOption, app, console, err_console, friendly_errors
from ._common import print_judge_summary, resolve_run, write_summary_json

RUBRIC_HELP = "Rubric(s): reasoning, claims, equivalence, rubric (HealthBench), medec, or auto (all that apply). Repeatable."


def import_human_labels(store, run_id: str, path: Path) -> int:
    """JSONL lines {item_id, rubric, unit, label} -> `human:<rubric>` scores whose units the
    trust statistics compare with the judge's (Cohen's kappa)."""
    units: dict[tuple[str, str], dict[str, str]] = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
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
                     api_key_env=api_key_env, timeout=timeout, no_cache=no_cache, json_out=json_out)


def judge_stored_run(out: Path, run_id: str, judge_spec: str | None, rubric: list[str] | None, *,
                     limit: int | None = None, trust: bool = False, redo: bool = False, max_tokens: int = 512,
                     max_attempts: int = 3, seed: int = 0, concurrency: int | None = None,
                     human_labels: Path | None = None, api_key_env: str | None = None, timeout: float = 120.0,
                     no_cache: bool = False, json_out: bool = False) -> None:
    """`clinreason judge`'s work, also what `clinreason run --judge` calls after the run."""
    from ..judges import Judge, judge_run, resolve_rubrics
    from ..models import load_model
    from ..summary import summarize_run

    from ..store import Store

    store = Store(out)
    rid = resolve_run(store, run_id)
    rubrics = resolve_rubrics(rubric or ["auto"])
    if judge_spec is None:
        rubrics = [r for r in rubrics if not r.needs_judge] if not rubric or "auto" in rubric else rubrics
    if human_labels:
        console.print(f"imported human labels for {import_human_labels(store, rid, human_labels)} (rubric, item) pairs")
    backend = load_model(judge_spec, api_key_env=api_key_env, concurrency=concurrency, timeout_s=timeout) if judge_spec else None
    console.print(f"[bold]judging {rid}[/] · judge {judge_spec or '(none)'} · rubrics {', '.join(r.name for r in rubrics)}")

    async def go():
        judge_ = Judge(backend, store, rid, max_tokens=max_tokens, seed=seed, max_attempts=max_attempts,
                       use_cache=not no_cache, concurrency=concurrency) if backend else None
        try:
            return await judge_run(store, rid, judge_, rubrics, limit=limit, trust=trust, redo=redo,
                                   workers=concurrency or (backend.max_concurrency if backend else 1),
                                   on_progress=lambda p: err_console.print(f"\r{p.done}/{p.total} judged", end=""))
        finally:
            if backend:
                await backend.aclose()

    progress = asyncio.run(go())
    err_console.print()
    run = store.get_run(rid)
    summary = summarize_run(store, rid)
    store.finish_run(rid, run["status"], summary)
    path = write_summary_json(out, summary)
    if json_out:
        console.print_json(json.dumps(summary.get("judges")))
    else:
        console.print(f"{progress.done} judgements this session ({progress.invalid} invalid)")
        print_judge_summary(summary.get("judges") or {})
        console.print(f"summary: {path}")
