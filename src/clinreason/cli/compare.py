"""`clinreason compare RUN_A RUN_B [RUN_C ...]`: runs paired item by item (by source item, so a probe
run pairs with its base, and igakuqa with igakuqa_en) on the items both ran: the flip table,
McNemar's exact test, a paired bootstrap interval of the accuracy difference (B - A), TOST
equivalence with --margin, and with more than two runs (or --grid) each against the base with
Holm-adjusted p-values. Known translation pairs also get cross-lingual answer agreement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ._app import OutOption, app, console, esc, friendly_errors


@app.command()
@friendly_errors
def compare(
    runs: Optional[list[str]] = typer.Argument(None, help="The base run, then the run(s) compared with it (ids or unique prefixes)."),
    out: Path = OutOption,
    scorer: Optional[str] = typer.Option(None, "--scorer", help="Which stored score to compare (default: the base run's headline scorer, e.g. answer or vqa)."),
    margin: Optional[float] = typer.Option(None, "--margin", help="TOST equivalence margin on the accuracy difference, e.g. 0.05."),
    grid: Optional[Path] = typer.Option(None, "--grid", help="A grid JSON (`clinreason grid`): every cell against its group's base."),
    base: Optional[str] = typer.Option(None, "--base", help="With --grid: the base cell's method label or run id (default: each group's first cell)."),
    crosslingual: Optional[bool] = typer.Option(None, "--crosslingual/--no-crosslingual", help="Answer agreement between languages (default: when the benchmarks are a known translation pair)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
):
    """Compare runs item by item (only the items both ran and scored)."""
    from ..grading.paired import check_margin
    from ..paired_runs import adjust, compare_against_base, compare_two, grid_pairs
    from ..summary import run_scorers
    from ._common import check_text, open_existing_store, resolve_run

    runs = runs or []
    check_text("--scorer", scorer)
    check_text("--base", base)
    if margin is not None:
        check_margin(margin)
    if grid is None and len(runs) < 2:
        raise ValueError("compare needs two runs (RUN_A RUN_B), a base and several runs, or --grid GRID_JSON")
    if grid is not None and runs:
        raise ValueError("give either runs or --grid, not both")
    if base is not None and grid is None:
        raise ValueError("--base is for --grid (with runs, the first one is the base)")
    store = open_existing_store(out)
    try:
        if grid is not None:
            pairs = [(resolve_run(store, a), resolve_run(store, b)) for a, b in grid_pairs(grid, base)]
            results = adjust([compare_two(store, a, b, scorer or "answer", margin, crosslingual) for a, b in pairs])
        else:
            ids = [resolve_run(store, r) for r in runs]
            scorer = scorer or run_scorers(store.get_run(ids[0]))[0]  # the base run's headline scorer
            results = compare_against_base(store, ids[0], ids[1:], scorer, margin, crosslingual)
    finally:
        store.close()
    if as_json:
        print(json.dumps(results[0] if len(results) == 1 and grid is None else {"comparisons": results}))
    elif len(results) == 1 and grid is None:
        _print_two(results[0])
    else:
        _print_many(results)


def _print_two(r: dict) -> None:
    from rich.table import Table

    unit = f"{r['n']} shared items" if r["n"] == r["n_sources"] else f"{r['n']} pairs from {r['n_sources']} source items"
    # The run ids go on lines of their own: as a title of this narrow table they would wrap mid-id.
    console.print(esc(f"A = {r['a']}\nB = {r['b']}\n{r['scorer']}, {unit}"), soft_wrap=True)
    table = Table()
    for column in ("", "B right", "B wrong"):
        table.add_column(column, justify="right")
    both = r["a_correct"] - r["right_to_wrong"]
    neither = r["n"] - both - r["right_to_wrong"] - r["wrong_to_right"]
    table.add_row("A right", str(both), str(r["right_to_wrong"]))
    table.add_row("A wrong", str(r["wrong_to_right"]), str(neither))
    console.print(table)
    lo, hi = r["ci95"]
    console.print(f"accuracy A {r['a_correct'] / r['n']:.1%}, B {r['b_correct'] / r['n']:.1%}; "
                  f"difference B - A {r['diff']:+.1%} (paired 95% CI {lo:+.1%} to {hi:+.1%}); "
                  f"McNemar exact p = {r['p_value']:.3g}; answer changed on {r['answer_changed']} of {r['n']} "
                  + ("items" if r["n"] == r["n_sources"] else "pairs"))
    if r.get("margin") is not None:
        console.print(_tost_line(r))
    if "crosslingual" in r:
        console.print(_crosslingual_line(r))


def _tost_line(r: dict) -> str:
    if r["tost_p"] is None:
        return f"equivalence within ±{r['margin']:.1%}: not testable (fewer than 2 items)"
    verdict = "yes" if r["equivalent"] else "no"
    return f"equivalent within ±{r['margin']:.1%} (TOST, alpha 0.05): {verdict}, p = {r['tost_p']:.3g}"


def _crosslingual_line(r: dict) -> str:
    c = r["crosslingual"]
    rate = "–" if c["agreement"] is None else f"{c['agreement']:.1%}"
    lo, hi = r["ci95"]
    return esc(f"cross-lingual ({r['benchmark_a']} vs {r['benchmark_b']}): same answer on {c['agreed']} of "
               f"{c['both_answered']} items both answered ({rate}); both right {c['both_right']}, same wrong answer "
               f"{c['both_wrong_same_answer']}; accuracy gap {r['benchmark_b']} - {r['benchmark_a']} {r['diff']:+.1%} "
               f"(paired 95% CI {lo:+.1%} to {hi:+.1%})")


def _print_many(results: list[dict]) -> None:
    from rich.table import Table

    tost = any(r.get("margin") is not None for r in results)
    table = Table(title=f"each run against its base ({len(results)} comparisons, Holm-adjusted p)", title_justify="left")
    columns = ["base", "run", "n", "acc base", "acc run", "diff", "95% CI", "p", "p Holm"]
    columns += ["TOST p Holm", "equivalent"] if tost else []
    for column in columns:
        table.add_column(column, justify="left" if column in ("base", "run") else "right")
    for r in results:
        lo, hi = r["ci95"]
        cells = [esc(r["a"]), esc(r["b"]), str(r["n"]), f"{r['a_correct'] / r['n']:.1%}", f"{r['b_correct'] / r['n']:.1%}",
                 f"{r['diff']:+.1%}", f"{lo:+.1%} to {hi:+.1%}", f"{r['p_value']:.3g}", f"{r['p_holm']:.3g}"]
        if tost:
            p = r.get("tost_p_holm")
            cells += ["–", "–"] if p is None else [f"{p:.3g}", "yes" if r["equivalent_holm"] else "no"]
        table.add_row(*cells)
    console.print(table)
    for r in results:
        if "crosslingual" in r:
            console.print(_crosslingual_line(r))
