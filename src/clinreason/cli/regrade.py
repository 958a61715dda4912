"""`clinreason regrade`: redo a run's stored scores made by older scorer versions."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import OutOption, app, console, esc, friendly_errors


def regrade_run(store, run_id: str, *, all_: bool = False) -> dict[str, int]:
    """Re-score with the current version of each of the run's rule-based scorers every prediction
    whose stored score is of another version (every prediction with `all_`). Scorers that need a
    model (judges) are left to `clinreason judge --redo`. Returns {scorer: scores redone}."""
    from ..grading.scorers import SCORERS, error_score
    from ..results import Prediction
    from ..summary import run_scorers, stored_scorer_name

    run = store.get_run(run_id)
    items = None
    redone: dict[str, int] = {}
    for name in run_scorers(run):
        cls = SCORERS.get(name)
        if cls.needs_model:
            continue
        scorer, stored = cls(), stored_scorer_name(cls)
        todo = set(store.predicted_ids(run_id) if all_ else store.stale_scores(run_id, stored, cls.version))
        redone[stored] = 0
        if not todo:
            continue
        items = items or {item.id: item for item in store.run_items(run_id)}
        with store.transaction():
            for p in store.predictions(run_id):
                item = items.get(p["item_id"])
                if p["item_id"] not in todo or item is None or not scorer.applies(item):
                    continue
                if p["status"] == "ok":
                    score = scorer(item, Prediction(output=p["output"] or "", answer=p["answer"], info=p["info"]))
                else:
                    score = error_score(item, p["error"] or "").model_copy(update={"version": cls.version})
                store.save_score(run_id, p["item_id"], stored, score)
                redone[stored] += 1
    return redone


@app.command()
@friendly_errors
def regrade(
    run_id: str = typer.Argument(..., help="Run id (or a unique prefix)."),
    out: Path = OutOption,
    all_: bool = typer.Option(False, "--all", help="Redo every score, not only those of older scorer versions."),
):
    """Re-score a run's stored predictions with the current scorer versions (no model calls)."""
    from ..summary import summarize_run
    from ._common import check_text, open_existing_store, resolve_run, write_summary_json

    check_text("RUN_ID", run_id)
    store = open_existing_store(out)  # never creates a store: there would be nothing to regrade
    rid = resolve_run(store, run_id)
    redone = regrade_run(store, rid, all_=all_)
    for scorer, n in redone.items():
        console.print(f"{esc(scorer)}: {n} {'score(s) redone' if all_ else 'stale score(s) redone'}")
    run = store.get_run(rid)
    summary = summarize_run(store, rid)
    store.finish_run(rid, run["status"], summary)
    path = write_summary_json(out, summary)
    acc = summary["accuracy"]
    console.print(esc(f"{rid}: accuracy {'–' if acc is None else f'{acc:.1%}'} (n={summary['n_graded']}), summary {path}"),
                  soft_wrap=True)
