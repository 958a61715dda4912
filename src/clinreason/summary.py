"""A run's summary, computed from the store alone (so `show` and reports agree with `run`)."""

from __future__ import annotations

from .grading.answer import SCORER
from .grading.stats import proportion_with_ci
from .store import Store

# Metadata keys worth a breakdown when present (subject/specialty/difficulty/source).
BREAKDOWN_KEYS = ("subject", "meta_info", "difficulty", "specialty", "category", "src", "medical_task",
                  "body_system", "question_type")


def summarize_run(store: Store, run_id: str, *, session_elapsed_s: float | None = None,
                  session_calls: int | None = None, session_cache_hits: int | None = None,
                  session_multi_sample_requests: int | None = None) -> dict:
    """Everything is aggregated inside SQLite, so memory stays flat however many items a run has."""
    run = store.get_run(run_id)
    if run is None:
        raise KeyError(run_id)
    db = store.db
    graded = """FROM scores s JOIN run_items r ON r.run_id = s.run_id AND r.item_id = s.item_id
                JOIN items i ON i.hash = r.item_hash
                WHERE s.run_id = ? AND s.scorer = ? AND s.value IS NOT NULL"""
    n_graded, n_correct, n_strict, unparsed, chance = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(s.value), 0),"
        " COALESCE(SUM(CASE WHEN json_extract(s.detail, '$.strict') THEN s.value ELSE 0 END), 0),"
        " COALESCE(SUM(s.label = 'unparsed'), 0),"
        " AVG(1.0 / NULLIF((SELECT COUNT(*) FROM json_each(i.data, '$.options')), 0)) " + graded,
        (run_id, SCORER)).fetchone()
    rules = dict(db.execute(
        "SELECT COALESCE(json_extract(s.detail, '$.rule'), '?') AS rule, COUNT(*) " + graded
        + " GROUP BY rule ORDER BY COUNT(*) DESC, rule", (run_id, SCORER)).fetchall())
    n_done, errors, prompt_tokens, completion_tokens, trace_calls, wall_s = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(status = 'error'), 0), SUM(prompt_tokens), SUM(completion_tokens),"
        " SUM(json_array_length(trace)), SUM(wall_s) FROM predictions WHERE run_id = ?", (run_id,)).fetchone()
    acc = proportion_with_ci(n_graded, int(n_correct))
    per_item = lambda total: total / n_done if n_done else None  # noqa: E731

    summary = {
        "run_id": run_id,
        "benchmark": run["benchmark"],
        "subset": run["subset"],
        "model": run["model"],
        "method": run["method"],
        "method_params": run["config"].get("method", {}),
        "n_items": run["n_items"],
        "n_done": n_done,
        "n_graded": n_graded,
        "accuracy": acc["mean"],
        "ci95": acc["ci95"],
        # Only answers given in the requested `ANSWER: X` format count here: loose extraction
        # rules can turn noise into chance-level "accuracy", and this shows how much of that there is.
        "accuracy_strict_format": n_strict / n_graded if n_graded else None,
        "chance_accuracy": chance,
        "unparsed": unparsed,
        "unparsed_rate": unparsed / n_graded if n_graded else None,
        "errors": errors,
        "answer_rules": rules,
        "format_followed_rate": (rules.get("format", 0) + rules.get("method", 0)) / n_graded if n_graded else None,
        "prompt_tokens_per_item": per_item(prompt_tokens or 0),
        "completion_tokens_per_item": per_item(completion_tokens or 0),
        "calls_per_item": per_item(trace_calls or 0),
        "model_calls_stored": store.count_calls(run_id),
        "failed_attempts_stored": store.count_calls(run_id, errors=True),
        "wall_s_per_item": per_item(wall_s or 0.0),
        "breakdown": _breakdowns(db, graded, run_id),
    }
    from .judges.summary import judge_summary  # lazy: judges are optional and import the gateway

    if (judges := judge_summary(store, run_id)) is not None:  # only when judge scores exist
        summary["judges"] = judges
    if session_elapsed_s is not None:
        summary["session"] = {"elapsed_s": session_elapsed_s, "model_calls": session_calls,
                              "cache_hits": session_cache_hits,
                              # requests that carried several samples (`n`): model_calls counts their samples
                              "multi_sample_requests": session_multi_sample_requests}
    return summary


def _breakdowns(db, graded: str, run_id: str) -> dict:
    out = {}
    for key in BREAKDOWN_KEYS:
        rows = db.execute(
            f"SELECT json_extract(i.data, '$.metadata.{key}') AS g, COUNT(*), SUM(s.value) {graded}"
            " AND g IS NOT NULL AND g != '' GROUP BY g ORDER BY COUNT(*) DESC, g", (run_id, SCORER)).fetchall()
        if len(rows) > 1:  # a single group repeats the overall accuracy
            out[key] = {str(g): proportion_with_ci(n, int(k)) for g, n, k in rows}
    return out
