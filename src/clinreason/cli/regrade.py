"""`clinreason regrade RUN...`: read runs' stored outputs again with the current parsers and scorers
(no model calls) and show what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import typer

from ._app import OutOption, app, console, esc, friendly_errors

MAX_ROWS_SHOWN = 50  # per run; the counts cover every row


@dataclass
class Regraded:
    """What a regrade did to one run."""

    checked: dict[str, int] = field(default_factory=dict)  # stored scorer -> predictions read again
    changed: dict[str, int] = field(default_factory=dict)  # stored scorer -> rows whose reading changed
    restamped: dict[str, int] = field(default_factory=dict)  # stale rows read the same: version updated
    rows: list[dict] = field(default_factory=list)  # one per changed row: item, scorer, old, new

    @property
    def redone(self) -> dict[str, int]:
        return {s: self.changed[s] + self.restamped[s] for s in self.checked}


def _reading(score: dict | None) -> tuple:
    """What a score says about a prediction: its answer (label), correctness and how it was read."""
    if score is None:
        return (None,) * 4
    detail = score.get("detail") or {}
    return score.get("label"), score.get("value"), detail.get("rule"), detail.get("strict")


def regrade_run(store, run_id: str, *, all_: bool = False) -> Regraded:
    """Read again, with the current version of each of the run's rule-based scorers, every prediction
    whose stored score is of another version (every prediction with `all_`). Only rows whose reading
    (answer, correctness, rule, strictness) changed are rewritten; a stale row that reads the same
    only gets the current version (its time stamp kept). Scorers that need a model (judges) are left
    to `clinreason judge --redo`."""
    from ..grading.extractor import stored_prediction
    from ..grading.scorers import SCORERS, error_score
    from ..summary import run_scorers, stored_scorer_name

    run = store.get_run(run_id)
    items = None
    result = Regraded()
    for name in run_scorers(run):
        cls = SCORERS.get(name)
        if cls.needs_model:
            continue
        scorer, stored = cls(), stored_scorer_name(cls)
        todo = set(store.predicted_ids(run_id) if all_ else store.stale_scores(run_id, stored, cls.version))
        for counter in (result.checked, result.changed, result.restamped):
            counter.setdefault(stored, 0)
        if not todo:
            continue
        items = items or {item.id: item for item in store.run_items(run_id)}
        old_scores = {s["item_id"]: s for s in store.scores(run_id, stored)}
        with store.transaction():
            for p in store.predictions(run_id):
                item = items.get(p["item_id"])
                if p["item_id"] not in todo or item is None or not scorer.applies(item):
                    continue
                if p["status"] == "ok":
                    score = scorer(item, stored_prediction(item, p), trace=p.get("trace"))
                else:
                    score = error_score(item, p["error"] or "").model_copy(update={"version": cls.version})
                result.checked[stored] += 1
                old = old_scores.get(p["item_id"])
                new = score.as_dict()
                if _reading(old) != _reading(new):
                    store.save_score(run_id, p["item_id"], stored, score)
                    result.changed[stored] += 1
                    result.rows.append({"item_id": p["item_id"], "scorer": stored, "old": old, "new": new})
                elif old is not None and old.get("version") != cls.version:
                    store.save_score(run_id, p["item_id"], stored, score, now=old.get("created_at"))
                    result.restamped[stored] += 1
    return result


def _show(score: dict | None) -> str:
    if score is None:
        return "–"
    rule = (score.get("detail") or {}).get("rule")
    strict = (score.get("detail") or {}).get("strict")
    return f"{score.get('label')}" + (f" ({rule}{', strict' if strict else ''})" if rule else "")


def _mark(score: dict | None) -> str:
    value = None if score is None else score.get("value")
    return "–" if value is None else ("✓" if value == 1.0 else "✗" if value == 0.0 else f"{value:.2f}")


def _pct(x) -> str:
    return "–" if x is None else f"{x:.1%}"


def print_changes(run_id: str, result: Regraded) -> None:
    from rich.table import Table

    if not result.rows:
        return
    table = Table(title=esc(f"{run_id}: readings that changed"), title_justify="left")
    for col in ("item", "scorer", "was", "now", "correct"):
        table.add_column(col)
    for row in result.rows[:MAX_ROWS_SHOWN]:
        table.add_row(esc(row["item_id"]), esc(row["scorer"]), esc(_show(row["old"])), esc(_show(row["new"])),
                      f"{_mark(row['old'])} → {_mark(row['new'])}")
    console.print(table)
    if len(result.rows) > MAX_ROWS_SHOWN:
        console.print(f"... and {len(result.rows) - MAX_ROWS_SHOWN} more changed row(s)")


@app.command()
@friendly_errors
def regrade(
    run_ids: list[str] = typer.Argument(..., help="Run ids (or unique prefixes)."),
    out: Path = OutOption,
    all_: bool = typer.Option(False, "--all", help="Read every prediction again, not only those scored by older "
                                                  "scorer versions."),
):
    """Read runs' stored outputs again with the current parsers and scorers (no model calls); show and
    save the readings that changed."""
    from ..summary import summarize_run
    from ._common import check_text, open_existing_store, resolve_run, write_summary_json

    for run_id in run_ids:
        check_text("RUN_ID", run_id)
    store = open_existing_store(out)  # never creates a store: there would be nothing to regrade
    rids = list(dict.fromkeys(resolve_run(store, run_id) for run_id in run_ids))  # every id checked first
    for rid in rids:
        before = summarize_run(store, rid)
        result = regrade_run(store, rid, all_=all_)
        print_changes(rid, result)
        for scorer, n in result.checked.items():
            what = f"{n} score(s) read again" if all_ else f"{result.redone[scorer]} stale score(s) redone"
            console.print(esc(f"{scorer}: {what}, {result.changed[scorer]} reading(s) changed"))
        run = store.get_run(rid)
        summary = summarize_run(store, rid)
        store.finish_run(rid, run["status"], summary)
        path = write_summary_json(out, summary)
        console.print(esc(f"{rid}: accuracy {_pct(summary['accuracy'])} (was {_pct(before['accuracy'])}; "
                          f"n={summary['n_graded']}), summary {path}"), soft_wrap=True)
