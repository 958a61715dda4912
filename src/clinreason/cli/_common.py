"""Helpers the command modules share: finding a run by id prefix, writing a run's summary file,
and printing summaries. Imports only what printing needs, so every command starts fast."""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table

from ._app import console


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
    from ..data import BENCHMARKS, load_items

    bench = BENCHMARKS.get(benchmark)
    subset = subset or bench.subsets[0]
    return bench.name, subset, load_items(bench.name, subset, data_dir), {"scorers": list(bench.default_scorers)}


def resolve_run(store, run_id: str) -> str:
    """A run id, or a unique prefix of one, in `store`."""
    matches = store.find_runs(run_id)
    if not matches:
        raise ValueError(f"no run {run_id!r} in {store.path}")
    if any(m["id"] == run_id for m in matches):
        return run_id
    if len(matches) > 1:
        raise ValueError(f"{run_id!r} matches {len(matches)} runs: " + ", ".join(m["id"] for m in matches))
    return matches[0]["id"]


def write_summary_json(out: Path, summary: dict) -> Path:
    path = Path(out) / "runs" / f"{summary['run_id']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    tmp.replace(path)  # atomic: a reader never sees half a file
    return path


def pct(x) -> str:
    return "–" if x is None else f"{x:.1%}"


def print_summary(s: dict) -> None:
    ci = s.get("ci95")
    table = Table(title=f"{s['run_id']}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("benchmark", f"{s['benchmark']} {s['subset'] or ''}".strip())
    table.add_row("model · method", f"{s['model']} · {s['method']}")
    table.add_row("items", f"{s['n_done']} / {s['n_items']} done" + (f", {s['errors']} errors" if s["errors"] else ""))
    table.add_row("accuracy", f"[bold]{pct(s['accuracy'])}[/]" + (f"  (95% CI {pct(ci[0])}–{pct(ci[1])})" if ci else ""))
    table.add_row("chance level", pct(s.get("chance_accuracy")))
    table.add_row("strict-format accuracy", f"{pct(s['accuracy_strict_format'])}  (answers given as 'ANSWER: X' only)")
    table.add_row("format followed", pct(s.get("format_followed_rate")))
    table.add_row("unparsed", f"{s['unparsed']} ({pct(s['unparsed_rate'])})")
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
    if s.get("roles"):
        table.add_row("other roles", ", ".join(f"{role}: {r['calls']} calls, {r['prompt_tokens'] + r['completion_tokens']:,} tokens"
                                               for role, r in s["roles"].items()))
    if s.get("judges"):  # added by `clinreason judge`
        print_judge_summary(s["judges"])
    for key, groups in s.get("breakdown", {}).items():
        sub = Table(title=f"by {key}", title_justify="left")
        for col in (key, "n", "accuracy", "95% CI"):
            sub.add_column(col)
        for name, g in list(groups.items())[:15]:
            gci = g["ci95"]
            sub.add_row(name, str(g["n"]), pct(g["mean"]), f"{pct(gci[0])}–{pct(gci[1])}" if gci else "–")
        console.print(sub)



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
