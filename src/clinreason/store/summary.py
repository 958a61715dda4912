"""A run's summary, aggregated inside SQLite so memory stays flat however many items a run has.

Scorers are summarised generically from their declared metrics (grading/scorers/base.py `Metric`,
passed in duck-typed: name, kind, arg), so the store needs no knowledge of any scorer. The only
per-item data ever loaded are the values of a non-0/1 mean, which a bootstrap CI needs.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Mapping, Sequence

from ..grading.stats import mean_with_ci, proportion_with_ci

ANSWER = "answer"  # the rule-based answer scorer: the legacy top-level keys come from its rows
# Metadata keys worth a breakdown when present (subject/specialty/difficulty/source).
BREAKDOWN_KEYS = ("subject", "meta_info", "difficulty", "specialty", "category", "calculator", "src", "medical_task",
                  "body_system", "question_type", "organ", "answer_type", "phrase_type")
ROWS = """FROM scores s JOIN run_items r ON r.run_id = s.run_id AND r.item_id = s.item_id
          JOIN items i ON i.hash = r.item_hash
          WHERE s.run_id = ? AND s.scorer = ?"""
GRADED = ROWS + " AND s.value IS NOT NULL"
NUMERIC = "('integer', 'real', 'true', 'false')"


def _path(arg: str | None) -> str:
    if not arg:
        raise ValueError("this metric kind needs an arg (a detail key or a label)")
    return '$."' + arg.replace('"', '\\"') + '"'


class SummaryMixin:
    db: sqlite3.Connection

    def summary(self, run_id: str, scorers: Mapping[str, Sequence[Any]] | None = None) -> dict:
        """Everything about a run but judges and session counters (see clinreason.summary).
        `scorers`: stored scorer name -> its metrics, the first being the primary scorer."""
        run = self.get_run(run_id)
        if run is None:
            raise KeyError(run_id)
        db = self.db
        scorers = dict(scorers) if scorers else {ANSWER: ()}
        primary = next(iter(scorers))
        scores = {name: {m.name: metric(db, run_id, name, m) for m in metrics} for name, metrics in scorers.items()}
        headline = _headline(db, run_id, primary, scorers[primary])

        n_done, errors, prompt_tokens, completion_tokens, trace_calls, wall_s = db.execute(  # calls: model calls made or replayed, not other trace events
            "SELECT COUNT(*), COALESCE(SUM(status = 'error'), 0), SUM(prompt_tokens), SUM(completion_tokens),"
            " SUM(n_calls + n_cached), SUM(wall_s) FROM predictions WHERE run_id = ?", (run_id,)).fetchone()
        per_item = lambda total: total / n_done if n_done else None  # noqa: E731
        # Time per item counts only items whose calls were all made: a cache replay takes milliseconds.
        n_timed, made_s, n_replayed, replayed_s = db.execute(
            "SELECT COALESCE(SUM(n_cached = 0), 0), SUM(CASE WHEN n_cached = 0 THEN wall_s END),"
            " COALESCE(SUM(n_cached > 0), 0), SUM(CASE WHEN n_cached > 0 THEN wall_s END)"
            " FROM predictions WHERE run_id = ? AND wall_s IS NOT NULL", (run_id,)).fetchone()
        summary = {
            "run_id": run_id,
            "benchmark": run["benchmark"],
            "subset": run["subset"],
            "model": run["model"],
            "method": run["method"],
            "method_params": run["config"].get("method", {}),
            "n_items": run["n_items"],
            "n_done": n_done,
            "n_graded": headline["n"],
            "accuracy": headline["mean"],
            "ci95": headline["ci95"],
            **_answer_keys(db, run_id, present=ANSWER in scorers),
            "errors": errors,
            "prompt_tokens_per_item": per_item(prompt_tokens or 0),
            "completion_tokens_per_item": per_item(completion_tokens or 0),
            "calls_per_item": per_item(trace_calls or 0),
            "model_calls_stored": self.count_calls(run_id),
            "failed_attempts_stored": self.count_calls(run_id, errors=True),
            "wall_s_per_item": per_item(wall_s or 0.0),  # every item, cache replays included
            "wall_s_made_per_item": made_s / n_timed if n_timed else None,
            "n_timed": n_timed,
            "n_replayed": n_replayed,  # items with a cache replay (timed apart)
            "wall_s_replayed_per_item": replayed_s / n_replayed if n_replayed else None,
            "breakdown": _breakdowns(db, run_id, primary),
            "scores": scores,
        }
        roles = {role: {"calls": n, "prompt_tokens": p or 0, "completion_tokens": c or 0}
                 for role, n, p, c in db.execute(
                     "SELECT role, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens) FROM calls"
                     " WHERE run_id = ? AND error IS NULL GROUP BY role ORDER BY role", (run_id,))}
        if set(roles) - {"model"}:
            summary["roles"] = roles
        return summary


def metric(db: sqlite3.Connection, run_id: str, scorer: str, m: Any) -> Any:
    """One declared metric of `scorer`'s rows in this run (kinds: grading/scorers/base.py Metric)."""
    args = (run_id, scorer)
    if m.kind == "mean":
        return _mean(db, "s.value", GRADED, args)
    if m.kind == "detail_mean":
        path = _path(m.arg)
        return _mean(db, f"json_extract(s.detail, '{path}')",
                     ROWS + f" AND json_type(s.detail, '{path}') IN {NUMERIC}", args)
    if m.kind == "label_rate":
        n, k = db.execute(f"SELECT COUNT(*), COALESCE(SUM(s.label = ?), 0) {GRADED}", (m.arg, *args)).fetchone()
        return k / n if n else None
    if m.kind == "value_where":
        n, k = db.execute(f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN json_extract(s.detail, '{_path(m.arg)}')"
                          f" THEN s.value ELSE 0 END), 0) {GRADED}", args).fetchone()
        return k / n if n else None
    if m.kind == "detail_counts":
        return dict(db.execute(
            f"SELECT COALESCE(json_extract(s.detail, '{_path(m.arg)}'), '?') AS g, COUNT(*) {GRADED}"
            " GROUP BY g ORDER BY COUNT(*) DESC, g", args).fetchall())
    if m.kind == "chance":
        return db.execute("SELECT AVG(1.0 / NULLIF((SELECT COUNT(*) FROM json_each(i.data, '$.options')), 0)) "
                          + GRADED, args).fetchone()[0]
    raise ValueError(f"unknown metric kind {m.kind!r} ({scorer}.{m.name})")


def _mean(db: sqlite3.Connection, expr: str, rows: str, args: tuple) -> dict:
    """Mean with a 95% CI: from counts alone for 0/1 values, else a bootstrap over the values."""
    n, total, other = db.execute(
        f"SELECT COUNT(*), COALESCE(SUM({expr}), 0), COALESCE(SUM({expr} NOT IN (0, 1)), 0) {rows}", args).fetchone()
    if not n:
        return {"n": 0, "mean": None, "ci95": None}
    if not other:
        return proportion_with_ci(n, int(total))
    return mean_with_ci([float(r[0]) for r in db.execute(f"SELECT {expr} {rows}", args)])


def _headline(db, run_id: str, primary: str, metrics: Sequence[Any]) -> dict:
    """The primary scorer's `mean` metric (else its first `detail_mean`): accuracy, ci95, n_graded."""
    for kind in ("mean", "detail_mean"):
        for m in metrics:
            if m.kind == kind:
                return metric(db, run_id, primary, m)
    return _mean(db, "s.value", GRADED, (run_id, primary))


def _answer_keys(db, run_id: str, present: bool) -> dict:
    if not present:
        return {"accuracy_strict_format": None, "chance_accuracy": None, "unparsed": None, "unparsed_rate": None,
                "answer_rules": {}, "format_followed_rate": None}
    args = (run_id, ANSWER)
    n, strict, unparsed, chance = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN json_extract(s.detail, '$.strict') THEN s.value ELSE 0 END), 0),"
        " COALESCE(SUM(s.label = 'unparsed'), 0),"
        " AVG(1.0 / NULLIF((SELECT COUNT(*) FROM json_each(i.data, '$.options')), 0)) " + GRADED, args).fetchone()
    rules = dict(db.execute(
        "SELECT COALESCE(json_extract(s.detail, '$.rule'), '?') AS rule, COUNT(*) " + GRADED
        + " GROUP BY rule ORDER BY COUNT(*) DESC, rule", args).fetchall())
    return {
        # Only answers given in the requested `ANSWER: X` format count here: loose extraction
        # rules can turn noise into chance-level "accuracy", and this shows how much of that there is.
        "accuracy_strict_format": strict / n if n else None,
        "chance_accuracy": chance,
        "unparsed": unparsed,
        "unparsed_rate": unparsed / n if n else None,
        "answer_rules": rules,
        "format_followed_rate": (rules.get("format", 0) + rules.get("method", 0)) / n if n else None,
    }


def _breakdowns(db, run_id: str, scorer: str) -> dict:
    out = {}
    for key in BREAKDOWN_KEYS:
        rows = db.execute(
            f"SELECT json_extract(i.data, '$.metadata.{key}') AS g, COUNT(*), SUM(s.value),"
            f" SUM(s.value NOT IN (0, 1)) {GRADED} AND g IS NOT NULL AND g != ''"
            " GROUP BY g ORDER BY COUNT(*) DESC, g", (run_id, scorer)).fetchall()
        if len(rows) > 1:  # a single group repeats the overall accuracy
            out[key] = {str(g): proportion_with_ci(n, int(k)) if not other else {"n": n, "mean": k / n, "ci95": None}
                        for g, n, k, other in rows}
    return out
