"""`clinreason compare RUN_A RUN_B`: the two runs on the items both ran, paired: the flip table,
McNemar's exact test and a paired bootstrap interval of the accuracy difference (B - A)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ._app import OutOption, app, console, esc, friendly_errors


def paired_scores(store, run_id: str, scorer: str) -> tuple[dict, dict]:
    """item id -> headline score value, and item id -> the answer read (None when unread)."""
    values = {s["item_id"]: s["value"] for s in store.scores(run_id, scorer)}
    answers = {p["item_id"]: p["answer"] for p in store.predictions(run_id)}
    return values, answers


@app.command()
@friendly_errors
def compare(
    run_a: str = typer.Argument(..., help="The baseline run (id or unique prefix)."),
    run_b: str = typer.Argument(..., help="The run compared with it (id or unique prefix)."),
    out: Path = OutOption,
    scorer: str = typer.Option("answer", "--scorer", help="Which stored score to compare."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
):
    """Compare two runs item by item (only the items both ran and scored)."""
    from rich.table import Table

    from ..grading.paired import compare_scores
    from ._common import open_existing_store, resolve_run

    store = open_existing_store(out)
    try:
        a_id, b_id = resolve_run(store, run_a), resolve_run(store, run_b)
        a, answers_a = paired_scores(store, a_id, scorer)
        b, answers_b = paired_scores(store, b_id, scorer)
    finally:
        store.close()
    result = compare_scores(a, b, answers_a, answers_b)
    if result.n == 0:
        raise ValueError(f"runs {a_id} and {b_id} share no items scored by {scorer!r}: nothing to compare")
    if as_json:
        print(json.dumps({"a": a_id, "b": b_id, "scorer": scorer, **result.as_dict()}))
        return
    table = Table(title=esc(f"{b_id} against {a_id} ({scorer}, {result.n} shared items)"), title_justify="left")
    for column in ("", "B right", "B wrong"):
        table.add_column(column, justify="right")
    both = result.a_correct - result.right_to_wrong
    neither = result.n - both - result.right_to_wrong - result.wrong_to_right
    table.add_row("A right", str(both), str(result.right_to_wrong))
    table.add_row("A wrong", str(result.wrong_to_right), str(neither))
    console.print(table)
    lo, hi = result.ci95
    console.print(f"accuracy A {result.a_correct / result.n:.1%}, B {result.b_correct / result.n:.1%}; "
                  f"difference B - A {result.diff:+.1%} (paired 95% CI {lo:+.1%} to {hi:+.1%}); "
                  f"McNemar exact p = {result.p_value:.3g}; answer changed on {result.answer_changed} items")
