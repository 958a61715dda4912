"""The report regrouped by benchmark/subset (issue 16 item 6): per group, a leaderboard on the items
the runs share, ranked by the lower bound of the Wilson interval (a run of 5 items at 100% never
outranks one of 500 at 80% on its point estimate alone), runs whose interval overlaps the leader's
marked; a models × benchmarks matrix; and precomputed paired comparisons (flip counts, paired
difference with a bootstrap interval, exact McNemar p) for up to MAX_PAIRS pairs per group."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Any

from ..grading.paired import compare_scores
from ..grading.stats import proportion_with_ci

MAX_PAIRS = 60  # paired statistics precomputed per benchmark; the page computes flips for the others
CORE_SHARE = 0.5  # runs with at least this share of the largest run's items define the shared set
GRADED = ("correct", "wrong", "unparsed")


def group_key(run: dict) -> str:
    return f"{run['benchmark']}/{run['subset']}" if run.get("subset") else str(run["benchmark"])


def _correct(items: list[dict]) -> dict[str, dict[str, int]]:
    """run id -> item key -> 1/0, for graded results (unparsed counts as wrong)."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for item in items:
        for rid, res in item["results"].items():
            if res["status"] in GRADED:
                out[rid][item["key"]] = int(res["status"] == "correct")
    return out


def build_groups(runs: list[dict], items: list[dict], *, max_pairs: int = MAX_PAIRS,
                 n_resamples: int = 2000) -> list[dict[str, Any]]:
    correct = _correct(items)
    by_group: dict[str, list[dict]] = defaultdict(list)
    for r in runs:
        by_group[group_key(r)].append(r)
    groups = []
    for key, members in by_group.items():
        sets = {r["run_id"]: set(correct.get(r["run_id"], {})) for r in members}
        largest = max((len(s) for s in sets.values()), default=0)
        core = [rid for rid, s in sets.items() if s and len(s) >= CORE_SHARE * largest]
        shared = set.intersection(*(sets[rid] for rid in core)) if core else set()
        rows = []
        for r in members:
            rid = r["run_id"]
            mine = sets[rid] & shared if shared else sets[rid]
            k = sum(correct.get(rid, {}).get(i, 0) for i in mine)
            stats = proportion_with_ci(len(mine), k)
            ci = stats["ci95"] or [None, None]
            rows.append({"run_id": rid, "label": r["label"], "model": r["model"], "method": r["method"],
                         "reference": r["reference"], "n": len(mine), "n_run": len(sets[rid]),
                         "fewer": len(mine) < len(shared), "accuracy": stats["mean"],
                         "ci_low": ci[0], "ci_high": ci[1]})
        # Rank by the Wilson lower bound: small runs carry wide intervals and sink.
        rows.sort(key=lambda x: (-1 if x["ci_low"] is None else x["ci_low"], x["n"]), reverse=True)
        leader = rows[0] if rows and rows[0]["ci_low"] is not None else None
        for rank, row in enumerate(rows, 1):
            row["rank"] = rank
            row["leader"] = row is leader
            row["overlaps_leader"] = (leader is not None and row is not leader and row["ci_high"] is not None
                                      and row["ci_high"] >= leader["ci_low"])
        groups.append({"key": key, "benchmark": members[0]["benchmark"], "subset": members[0].get("subset"),
                       "n_shared": len(shared), "rows": rows, "runs": members,
                       "pairs": _pairs(rows, correct, shared, max_pairs, n_resamples)})
    return groups


def _pairs(rows: list[dict], correct: dict, shared: set, max_pairs: int, n_resamples: int) -> list[dict]:
    """Paired statistics for pairs of ranked runs, best-ranked pairs first (capped)."""
    out = []
    for a, b in combinations([r["run_id"] for r in rows], 2):  # rows are ranked: early pairs are the top runs
        if len(out) >= max_pairs:
            break
        sa, sb = correct.get(a, {}), correct.get(b, {})
        common = sa.keys() & sb.keys()
        if not common:
            continue
        res = compare_scores({i: sa[i] for i in common}, {i: sb[i] for i in common}, n_resamples=n_resamples)
        out.append({"a": a, "b": b, "n": res.n, "right_to_wrong": res.right_to_wrong,
                    "wrong_to_right": res.wrong_to_right, "diff": res.diff,
                    "ci95": list(res.ci95) if res.ci95 else None, "p_value": res.p_value})
    return out


def matrix(runs: list[dict]) -> dict[str, Any]:
    """Rows "model · method", columns benchmark/subset, cells the run's accuracy (the first run of
    that model, method and benchmark; more than one such run is counted in `extra`)."""
    cols = list(dict.fromkeys(group_key(r) for r in runs))
    rows: dict[str, dict[str, dict]] = {}
    for r in runs:
        row = rows.setdefault(f"{r['model']} · {r['method']}", {})
        cell = row.get(group_key(r))
        if cell is None:
            row[group_key(r)] = {"accuracy": r["accuracy"], "n": r["n_done"], "run_id": r["run_id"], "extra": 0}
        else:
            cell["extra"] += 1
    return {"cols": cols, "rows": [{"label": k, "cells": v} for k, v in rows.items()]}
