"""A run's summary, computed from the store alone (so `show` and reports agree with `run`).

The SQL lives in the store (store/summary.py); this picks the run's scorers and their declared
metrics, and adds the judges' summary and the session counters."""

from __future__ import annotations

from .store import Store
from .store.summary import BREAKDOWN_KEYS  # noqa: F401  (re-exported: callers read it here)

DEFAULT_SCORERS = ["answer"]  # runs stored before scorers were recorded in the config


def run_scorers(run: dict) -> list[str]:
    return list(run["config"].get("scorers") or DEFAULT_SCORERS)


def stored_scorer_name(cls) -> str:
    """The `scores.scorer` value a scorer's rows carry: its name, except judged scorers, whose
    rows `clinreason judge` writes under its rubric's scorer name (judge:<rubric>)."""
    rubric = getattr(cls, "rubric", "")
    return f"judge:{rubric}" if getattr(cls, "needs_model", False) and rubric else cls.name


def scorer_metrics(names: list[str]) -> dict[str, tuple]:
    """Stored scorer name -> declared metrics, in the run's order (the first is the primary)."""
    from .grading.scorers import SCORERS  # lazy: keeps importing the store cheap

    out: dict[str, tuple] = {}
    for name in names:
        cls = SCORERS.get(name)
        out.setdefault(stored_scorer_name(cls), tuple(cls.metrics))
    return out


def summarize_run(store: Store, run_id: str, *, session_elapsed_s: float | None = None,
                  session_calls: int | None = None, session_cache_hits: int | None = None,
                  session_multi_sample_requests: int | None = None) -> dict:
    """Everything is aggregated inside SQLite, so memory stays flat however many items a run has."""
    run = store.get_run(run_id)
    if run is None:
        raise KeyError(run_id)
    summary = store.summary(run_id, scorers=scorer_metrics(run_scorers(run)))
    from .judges.summary import judge_summary  # lazy: judges are optional and import the gateway

    if (judges := judge_summary(store, run_id)) is not None:  # only when judge scores exist
        summary["judges"] = judges
    from .grading.confidence import SOURCES, calibration_summary

    if rows := store.confidences(run_id, list(SOURCES)):  # only when a method recorded a confidence
        summary["calibration"] = calibration_summary(rows)
    if session_elapsed_s is not None:
        summary["session"] = {"elapsed_s": session_elapsed_s, "model_calls": session_calls,
                              "cache_hits": session_cache_hits,
                              # requests that carried several samples (`n`): model_calls counts their samples
                              "multi_sample_requests": session_multi_sample_requests}
    return summary


def refresh_run(store: Store, run_id: str) -> dict:
    """Recompute a run's stored summary and status from what the store now holds (after a merge)."""
    summary = summarize_run(store, run_id)
    store.finish_run(run_id, store.completion_status(run_id), summary)
    return summary
