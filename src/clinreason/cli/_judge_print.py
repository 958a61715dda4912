"""Printing a run's judge summary (the judge columns: reasoning, claims, citations, rubric, MEDEC,
trust statistics, control accuracy with the UNRELIABLE mark, and what the judge cost)."""

from __future__ import annotations

from rich.table import Table

from ._app import console, esc


def print_judge_summary(j: dict) -> None:
    if not j:
        return
    table = Table(title="judges: " + esc(", ".join(j.get("judges") or ["(rule-based)"])), show_header=False,
                  title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    unreliable = set(j.get("unreliable") or [])

    def mark(scorer: str) -> str:  # beside the verdicts of a judge that failed its controls
        return "  [bold red]UNRELIABLE judge[/]" if scorer in unreliable else ""

    if unreliable:
        table.add_row("[bold red]UNRELIABLE[/]", esc(", ".join(sorted(unreliable)))
                      + ": the judge got fewer than the threshold of its control units right; do not trust these verdicts")
    if r := j.get("judge:reasoning"):
        rawr = r["right_answer_wrong_reasoning"]
        table.add_row("reasoning sound", _fmt(r["sound"]) + esc(f"  [{r['n_invalid']} of {r['n']} invalid]")
                      + mark("judge:reasoning"))
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
                      f"{_fmt(m['contradicted'])}, unverifiable {_fmt(m['unverifiable'])}" + esc(f"  [{c['n_invalid']} of {c['n']} invalid]")
                      + mark("judge:claims"))
    if e := j.get("judge:equivalence"):
        row = "top-1 " + _fmt(e["top1"]) + "".join(f", {k} {_fmt(e[k])}" for k in ("top3", "top5") if k in e)
        table.add_row("open-ended accuracy", row + esc(f"  [{e['n_invalid']} of {e['n']} invalid]")
                      + mark("judge:equivalence"))
    if g := j.get("judge:citations"):
        table.add_row("cited evidence supports the answer", _fmt(g["supported"])
                      + esc(f"  [{g['no_citation']} cite nothing, {g['n_invalid']} of {g['n']} invalid]"))
    if f := j.get("judge:faithfulness"):
        table.add_row("patient replies faithful to the facts", _fmt(f["faithful"])
                      + esc(f"  [{f['unfaithful_replies']} of {f['replies']} replies flagged, {f['n_invalid']} of {f['n']} invalid]"))
    if h := j.get("judge:rubric"):
        table.add_row("rubric score (HealthBench)", _fmt(h["score"]) + esc(f"  [{h['criteria_invalid']} criteria invalid]"))
        for tag, stat in list(h["by_tag"].items())[:12]:
            table.add_row(f"  {esc(tag)}", _fmt(stat))
    if m := j.get("medec"):
        table.add_row("MEDEC flag accuracy", _fmt(m["flag_accuracy"]))
        table.add_row("MEDEC sentence accuracy", _fmt(m["sentence_accuracy"]))
        table.add_row("MEDEC correction ROUGE-L", _fmt(m["correction_rouge_l"]))
    for scorer, t in (j.get("trust") or {}).items():
        if ct := t.get("controls"):
            table.add_row(f"{esc(scorer)} controls", _controls(ct) + mark(scorer))
        if sa := t.get("self_agreement"):
            table.add_row(f"{esc(scorer)} self-agreement", f"{_fmt(sa['agreement'])}, kappa {_fmt_k(sa['kappa'])} over {sa['n_units']} units")
        if pb := t.get("position_bias"):
            table.add_row(f"{esc(scorer)} position bias", f"consistent {_fmt(pb['consistency'])}, shift {_fmt_k(pb['shift'])} (n={pb['n']})")
        if vh := t.get("vs_human"):
            table.add_row(f"{esc(scorer)} vs human", f"{_fmt(vh['agreement'])}, kappa {_fmt_k(vh['kappa'])} over {vh['n_units']} units")
    if j.get("errors"):
        table.add_row("judge errors", esc(", ".join(f"{scorer}: {n}" for scorer, n in j["errors"].items()))
                      + "  (failed calls, not verdicts: `clinreason judge RUN --retry-errors` redoes them)")
    cost = j.get("cost") or {}
    if cost.get("tokens_per_item") is not None:
        table.add_row("judge cost", f"{cost['tokens_per_item']:.0f} tokens / item ({cost['calls_per_item']:.1f} calls), "
                      f"{cost['prompt_tokens']:,} prompt + {cost['completion_tokens']:,} completion over {cost['items']} items")
    console.print(table)


def _controls(ct: dict) -> str:
    """"83.3% right (5 of 6: gold 3/3, other_gold 2/3; soft: shuffled 1/2 flagged)"."""
    kinds = ", ".join(f"{k} {e['correct']}/{e['n']}" for k, e in ct["by_kind"].items())
    soft = ", ".join(f"{k} {e['correct']}/{e['n']}" for k, e in ct["soft"].items())
    head = "–" if ct["accuracy"] is None else f"{ct['accuracy']:.1%} right"
    return esc(f"{head} ({ct['correct']} of {ct['n']} over {ct['n_items']} items: {kinds or 'none'}"
               + (f"; soft, not counted: {soft}" if soft else "") + f"; threshold {ct['threshold']:.0%})")


def _fmt_k(x) -> str:
    return "–" if x is None else f"{x:+.2f}"


def _fmt(stat) -> str:
    if isinstance(stat, dict) and "mean" in stat:
        if stat["mean"] is None:
            return "–"
        ci = stat.get("ci95")
        return f"{stat['mean']:.1%} (n={stat['n']}" + (f", 95% CI {ci[0]:.1%}–{ci[1]:.1%})" if ci else ")")
    return "–" if stat is None else (f"{stat:.1%}" if isinstance(stat, float) else str(stat))
