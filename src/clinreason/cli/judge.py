"""`clinreason judge`: grade a stored run's reasoning, claims, rubric criteria and open answers
with a judge model (any spec, independent of the model under test)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..store import Store
from ._app import OutOption, app, console, err_console, friendly_errors

RUBRIC_HELP = "Rubric(s): reasoning, claims, equivalence, rubric (HealthBench), medec, or auto (all that apply). Repeatable."


def resolve_run(store: Store, run_id: str) -> str:
    matches = store.find_runs(run_id)
    if not matches:
        raise ValueError(f"no run {run_id!r} in {store.path}")
    if any(m["id"] == run_id for m in matches):
        return run_id
    if len(matches) > 1:
        raise ValueError(f"{run_id!r} matches {len(matches)} runs: " + ", ".join(m["id"] for m in matches))
    return matches[0]["id"]


def import_human_labels(store: Store, run_id: str, path: Path) -> int:
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
    from .run import write_summary_json

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


def _fmt(stat) -> str:
    if isinstance(stat, dict) and "mean" in stat:
        if stat["mean"] is None:
            return "–"
        ci = stat.get("ci95")
        return f"{stat['mean']:.1%} (n={stat['n']}" + (f", 95% CI {ci[0]:.1%}–{ci[1]:.1%})" if ci else ")")
    return "–" if stat is None else (f"{stat:.1%}" if isinstance(stat, float) else str(stat))


def print_judge_summary(j: dict) -> None:
    if not j:
        return
    table = Table(title="judges: " + ", ".join(j.get("judges") or ["(rule-based)"]), show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    if r := j.get("judge:reasoning"):
        rawr = r["right_answer_wrong_reasoning"]
        table.add_row("reasoning sound", _fmt(r["sound"]) + f"  [{r['n_invalid']} of {r['n']} invalid]")
        table.add_row("efficiency (relevant steps)", _fmt(r["efficiency"]))
        table.add_row("factuality (correct steps)", _fmt(r["factuality"]))
        table.add_row("completeness (reference recall)", _fmt(r["completeness"]))
        share = rawr["share"]
        ci = rawr["ci95"]
        table.add_row("right answer, wrong reasoning", "–" if share is None else
                      f"{share:.1%} of {rawr['n_correct']} correct answers" + (f" (95% CI {ci[0]:.1%}–{ci[1]:.1%})" if ci else ""))
    if c := j.get("judge:claims"):
        m = c["micro"]
        table.add_row("claims", f"{m['n_claims']} claims: supported {_fmt(m['supported'])}, contradicted "
                      f"{_fmt(m['contradicted'])}, unverifiable {_fmt(m['unverifiable'])}  [{c['n_invalid']} of {c['n']} invalid]")
    if e := j.get("judge:equivalence"):
        row = "top-1 " + _fmt(e["top1"]) + "".join(f", {k} {_fmt(e[k])}" for k in ("top3", "top5") if k in e)
        table.add_row("open-ended accuracy", row + f"  [{e['n_invalid']} of {e['n']} invalid]")
    if h := j.get("judge:rubric"):
        table.add_row("rubric score (HealthBench)", _fmt(h["score"]) + f"  [{h['criteria_invalid']} criteria invalid]")
        for tag, stat in list(h["by_tag"].items())[:12]:
            table.add_row(f"  {tag}", _fmt(stat))
    if m := j.get("medec"):
        table.add_row("MEDEC flag accuracy", _fmt(m["flag_accuracy"]))
        table.add_row("MEDEC sentence accuracy", _fmt(m["sentence_accuracy"]))
        table.add_row("MEDEC correction ROUGE-L", _fmt(m["correction_rouge_l"]))
    for scorer, t in (j.get("trust") or {}).items():
        if sa := t.get("self_agreement"):
            table.add_row(f"{scorer} self-agreement", f"{_fmt(sa['agreement'])}, kappa {_fmt_k(sa['kappa'])} over {sa['n_units']} units")
        if pb := t.get("position_bias"):
            table.add_row(f"{scorer} position bias", f"consistent {_fmt(pb['consistency'])}, shift {_fmt_k(pb['shift'])} (n={pb['n']})")
        if vh := t.get("vs_human"):
            table.add_row(f"{scorer} vs human", f"{_fmt(vh['agreement'])}, kappa {_fmt_k(vh['kappa'])} over {vh['n_units']} units")
    cost = j.get("cost") or {}
    if cost.get("tokens_per_item") is not None:
        table.add_row("judge cost", f"{cost['tokens_per_item']:.0f} tokens / item ({cost['calls_per_item']:.1f} calls), "
                      f"{cost['prompt_tokens']:,} prompt + {cost['completion_tokens']:,} completion over {cost['items']} items")
    console.print(table)


def _fmt_k(x) -> str:
    return "–" if x is None else f"{x:+.2f}"
