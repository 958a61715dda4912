"""`judge_summary(store, run_id)`: every judge column of a run, computed from stored scores."""

from __future__ import annotations

from collections import defaultdict

ANSWER_SCORER = "answer"  # grading.answer.SCORER; not imported so judges load without the extractor
from ..grading.claims import pool_claims
from ..grading.open_ended import top_k_hits
from ..grading.reasoning import right_answer_wrong_reasoning
from ..grading.rubric import aggregate_tags
from ..grading.stats import mean_with_ci
from ..store import Store
from .trust import agreement, cohen_kappa, control_accuracy, paired_units, position_bias

JUDGE_PREFIXES = ("judge:", "medec", "human:")
INVALID = ("judge_invalid", "judge_refused")
JUDGE_ERROR = "judge_error"  # the judge call failed for good (runner.JUDGE_ERROR); `judge --retry-errors` redoes it


def judge_summary(store: Store, run_id: str) -> dict | None:
    rows = [s for s in store.scores(run_id) if s["scorer"].startswith(JUDGE_PREFIXES)]
    if not rows:
        return None
    by_scorer: dict[str, dict[str, dict]] = defaultdict(dict)
    for s in rows:
        by_scorer[s["scorer"]][s["item_id"]] = s
    out: dict = {"judges": sorted({s["detail"].get("judge") for s in rows if s["detail"].get("judge")})}
    summarizers = {"judge:reasoning": _reasoning, "judge:claims": _claims, "judge:rubric": _rubric,
                   "judge:equivalence": _equivalence, "judge:citations": _citations, "judge:faithfulness": _faithfulness, "medec": _medec}
    for scorer, summarize in summarizers.items():
        if scorer in by_scorer:
            scores = by_scorer[scorer]
            out[scorer] = {"n": len(scores), "n_invalid": sum(s["label"] in INVALID for s in scores.values()),
                           "n_errors": sum(s["label"] == JUDGE_ERROR for s in scores.values()),
                           **summarize(scores, store, run_id)}
    out["errors"] = {scorer: n for scorer, scores in sorted(by_scorer.items())
                     if (n := sum(s["label"] == JUDGE_ERROR for s in scores.values()))}
    out["cost"] = _cost(rows)
    out["trust"] = _trust(by_scorer)
    # A judge that fails its control units (controls.py) is not to be believed on this run.
    out["unreliable"] = sorted(s for s, t in out["trust"].items() if (t.get("controls") or {}).get("reliable") is False)
    return out


def _values(scores: dict, key: str | None = None) -> list[float]:
    if key is None:
        return [s["value"] for s in scores.values() if s["value"] is not None]
    return [s["detail"][key] for s in scores.values() if s["detail"].get(key) is not None]


def _correctness(store: Store, run_id: str) -> dict[str, bool]:
    """Answer correctness per item: the rule-based grade, else the judge's equivalence verdict."""
    out = {s["item_id"]: s["value"] == 1.0 for s in store.scores(run_id, "judge:equivalence") if s["value"] is not None}
    out.update({s["item_id"]: s["value"] == 1.0 for s in store.scores(run_id, ANSWER_SCORER) if s["value"] is not None})
    return out


def _reasoning(scores, store, run_id) -> dict:
    correct = _correctness(store, run_id)
    pairs = [(correct[i], s["value"] == 1.0) for i, s in scores.items() if s["value"] is not None and i in correct]
    return {"sound": mean_with_ci(_values(scores)), "efficiency": mean_with_ci(_values(scores, "efficiency")),
            "factuality": mean_with_ci(_values(scores, "factuality")),
            "completeness": mean_with_ci(_values(scores, "completeness")),
            "right_answer_wrong_reasoning": right_answer_wrong_reasoning(pairs)}


def _claims(scores, store, run_id) -> dict:
    verdicts = [[c["verdict"] for c in s["detail"]["claims"]] for s in scores.values() if "claims" in s["detail"]]
    return pool_claims(verdicts)


def _rubric(scores, store, run_id) -> dict:
    return {"score": mean_with_ci(_values(scores)),
            "criteria_invalid": sum(s["detail"].get("n_invalid", 0) for s in scores.values()),
            "by_tag": aggregate_tags([s["detail"].get("tag_scores", {}) for s in scores.values()])}


def _equivalence(scores, store, run_id) -> dict:
    ranks = [s["detail"].get("match_rank") for s in scores.values() if s["value"] is not None]
    out = {"top1": mean_with_ci(top_k_hits(ranks, 1))}
    if any("candidates" in s["detail"] for s in scores.values()):
        out["top3"] = mean_with_ci(top_k_hits(ranks, 3))
        out["top5"] = mean_with_ci(top_k_hits(ranks, 5))
    return out


def _citations(scores, store, run_id) -> dict:
    """Share of grounded answers whose cited evidence supports them (citing nothing counts as not)."""
    return {"supported": mean_with_ci(_values(scores)),
            "no_citation": sum(s["label"] == "no_citation" for s in scores.values())}


def _faithfulness(scores, store, run_id) -> dict:
    """Consultations: share of model-patient replies judged faithful to the facts, per episode."""
    return {"faithful": mean_with_ci(_values(scores)),
            "unfaithful_replies": sum(len(s["detail"].get("unfaithful") or []) for s in scores.values()),
            "replies": sum(s["detail"].get("n_replies") or 0 for s in scores.values())}


def _medec(scores, store, run_id) -> dict:
    return {"flag_accuracy": mean_with_ci(_values(scores, "flag_correct")),
            "sentence_accuracy": mean_with_ci(_values(scores, "sentence_correct")),
            "correction_rouge_l": mean_with_ci(_values(scores, "rouge_l")),
            "correction_rouge_1": mean_with_ci(_values(scores, "rouge_1"))}


def _cost(rows) -> dict:
    """Judge tokens per judged item (all rubrics and trust variants together), and per scorer."""
    per_scorer: dict[str, dict] = defaultdict(lambda: {"items": set(), "prompt": 0, "completion": 0, "calls": 0})
    for s in rows:
        cost = s["detail"].get("cost")
        if not cost:
            continue
        entry = per_scorer[s["scorer"]]
        entry["items"].add(s["item_id"])
        entry["prompt"] += cost.get("prompt_tokens", 0)
        entry["completion"] += cost.get("completion_tokens", 0)
        entry["calls"] += len(cost.get("call_ids", []))
    items = set().union(*(e["items"] for e in per_scorer.values())) if per_scorer else set()
    prompt = sum(e["prompt"] for e in per_scorer.values())
    completion = sum(e["completion"] for e in per_scorer.values())
    n = len(items)
    return {"items": n, "prompt_tokens": prompt, "completion_tokens": completion,
            "tokens_per_item": (prompt + completion) / n if n else None,
            "calls_per_item": sum(e["calls"] for e in per_scorer.values()) / n if n else None,
            "by_scorer": {k: {"items": len(e["items"]), "tokens_per_item": (e["prompt"] + e["completion"]) / len(e["items"]),
                              "calls": e["calls"]} for k, e in sorted(per_scorer.items())}}


def _units(scores: dict) -> dict[str, dict[str, str]]:
    return {i: s["detail"]["units"] for i, s in scores.items() if s["detail"].get("units")}


def _trust(by_scorer: dict[str, dict]) -> dict:
    out = {}
    for scorer, scores in by_scorer.items():
        base, _, variant = scorer.partition("@")
        if not variant or base not in by_scorer:
            continue
        entry = out.setdefault(base, {})
        if variant == "repeat":
            entry["self_agreement"] = agreement(_units(by_scorer[base]), _units(scores))
        elif variant == "control":  # known-answer units; never mixed with the verdicts above
            entry["controls"] = control_accuracy([s["detail"] for s in scores.values() if s["label"] != JUDGE_ERROR])
        elif variant == "swap":
            entry["position_bias"] = position_bias({i: s["value"] for i, s in by_scorer[base].items()},
                                                   {i: s["value"] for i, s in scores.items()})
    for scorer, humans in by_scorer.items():
        if scorer.startswith("human:"):
            base = "judge:" + scorer.split(":", 1)[1]
            if base in by_scorer:
                a, b = paired_units(_units(by_scorer[base]), _units(humans))
                out.setdefault(base, {})["vs_human"] = {
                    "n_units": len(a), "agreement": (sum(x == y for x, y in zip(a, b)) / len(a)) if a else None,
                    "kappa": cohen_kappa(a, b)}
    return out
