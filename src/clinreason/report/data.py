"""Everything a report shows, assembled from the store alone (so reports agree with `show`)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from ..grading.confidence import SOURCES, as_probability
from ..grading.scorers.answer import SCORER
from ..store import Store
from ..summary import BREAKDOWN_KEYS, run_scorers, scorer_metrics, summarize_run

JUDGE_PREFIX = "judge:"


def resolve_runs(store: Store, refs: list[str], all_runs: bool = False) -> list[str]:
    """Run ids from exact ids or unique prefixes (or every run in the store)."""
    if all_runs:
        return [r["id"] for r in store.list_runs()]
    out = []
    for ref in refs:
        matches = store.find_runs(ref)
        exact = [m for m in matches if m["id"] == ref]
        if exact:
            out.append(ref)
        elif len(matches) == 1:
            out.append(matches[0]["id"])
        elif not matches:
            raise KeyError(f"no run {ref!r} in {store.path}")
        else:
            raise ValueError(f"{ref!r} matches {len(matches)} runs: " + ", ".join(m["id"] for m in matches))
    return list(dict.fromkeys(out))


def _price_per_item(model: str, prompt_tokens: float | None, completion_tokens: float | None) -> float | None:
    """Estimated USD per item from the price table (clinreason.pricing), when it prices this model."""
    if prompt_tokens is None or completion_tokens is None:
        return None
    try:  # pricing is optional here: a report without cost is still a report
        from ..pricing import load_prices, price_for

        prices = load_prices()  # a small TOML file, read once per run in the report
    except (ImportError, OSError, ValueError):
        return None
    # Published runs are named "gpt-4o (published)"; the table knows "gpt-4o".
    price = price_for(model.removesuffix(" (published)"), prices)
    return None if price is None else price.cost(prompt_tokens, completion_tokens)


def answer_scorer(run: dict) -> str:
    """The scorer whose label is the read answer: "answer", or the run's primary scorer when that is
    another rule-based one (VQA-RAD's "vqa"); a judge never is."""
    primary = next(iter(scorer_metrics(run_scorers(run))), SCORER)
    return SCORER if primary.startswith(JUDGE_PREFIX) else primary


def _status(pred: dict, score: dict | None) -> str:
    if pred["status"] == "error":
        return "error"
    if score is None or score.get("value") is None:
        return "ungraded"
    if score.get("label") == "unparsed":
        return "unparsed"
    return "correct" if score["value"] == 1.0 else "wrong"


def _confidence(pred: dict, key: str = "confidence") -> float | None:
    """A method's confidence in [0, 1] from one source (info.confidence: stated; percentages are
    rescaled; see grading/confidence.py for the others)."""
    return as_probability((pred.get("info") or {}).get(key))


def _trace(pred: dict, calls: dict) -> list[dict]:
    """The item's typed trace for the browser: model calls with their stored request and response,
    and tool uses, retrievals and dialogue turns as what they are."""
    out = []
    for entry in pred["trace"]:
        kind = entry.get("type", "model_call")
        if kind != "model_call":
            out.append({"type": kind, **{k: v for k, v in entry.items() if k != "type"}})
            continue
        call = calls.get(entry.get("call_id"))
        row = {"type": "model_call", "role": entry.get("role", "model"), "tag": entry.get("tag", ""),
               "cached": bool(entry.get("cached")), "prompt_tokens": entry.get("prompt_tokens"),
               "completion_tokens": entry.get("completion_tokens"), "latency_s": entry.get("latency_s"),
               "tool_calls": entry.get("tool_calls") or [], "messages": [], "response": None, "error": None}
        if call is not None:
            row["messages"] = json.loads(call["messages"])
            row["response"] = call["response"]
            row["error"] = call["error"]
            row["model"] = call["model"]
        out.append(row)
    return out


def _run_label(run: dict) -> str:
    """model · method · benchmark[/subset]: three runs of one model and method on three benchmarks
    read as three different things everywhere (charts, selects, cards)."""
    bench = f"{run['benchmark']}/{run['subset']}" if run.get("subset") else str(run["benchmark"])
    config = run.get("config") or {}
    probe = f" · {config.get('transform') or 'probe'}" if config.get("probe_of") else ""  # a probe run: its transform
    if not probe and config.get("transform") == "blind":  # `run --blind`: the image-blind baseline
        probe = " · blind"
    return f"{run['model']} · {run['method']} · {bench}{probe}"


def _timing(preds: list[dict], summary: dict) -> dict[str, Any]:
    """Time per item over items whose calls were all made (no cache replay), and cache replays apart:
    an item replayed from the cache takes milliseconds and would make a method look fast. The times
    come from the run's summary (store/summary.py), as `clinreason show` prints them."""
    n = len(preds)
    return {**{k: summary.get(k) for k in ("wall_s_made_per_item", "n_timed", "n_replayed", "wall_s_replayed_per_item")},
            "calls_made_per_item": sum(p.get("n_calls") or 0 for p in preds) / n if n else None,
            "calls_cached_per_item": sum(p.get("n_cached") or 0 for p in preds) / n if n else None}


def collect(store: Store, run_ids: list[str]) -> dict[str, Any]:
    """-> {"runs": leaderboard rows, "items": [...], "breakdowns": ..., "reliability": ...}.
    reliability and risk_coverage are keyed "<run id> · <confidence source>" (labels: `series`)."""
    runs, items = [], {}
    breakdowns: dict[str, dict[str, dict[str, dict]]] = defaultdict(dict)  # key -> run -> group -> stats
    reliability: dict[str, list[tuple[float, float]]] = {}
    risk_coverage: dict[str, list[dict]] = {}
    series: dict[str, str] = {}  # a reliability / risk-coverage series -> "model · method · source"
    judge_scorers: set[str] = set()

    for run_id in run_ids:
        run = store.require_run(run_id)
        summary = summarize_run(store, run_id)
        preds = store.predictions(run_id)
        scores = store.scores_by_item(run_id)
        calls = store.get_calls({t["call_id"] for p in preds for t in p["trace"]
                                 if t.get("call_id") is not None and t.get("type", "model_call") == "model_call"})
        run_items = {item.id: item for item in store.run_items(run_id)}
        primary = answer_scorer(run)

        judges: dict[str, list[float]] = defaultdict(list)
        published_costs = []
        confidences: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for pred in preds:
            item = run_items.get(pred["item_id"])
            if item is None:
                continue
            key = f"{item.benchmark}/{item.id}"
            if key not in items:
                items[key] = {"key": key, "id": item.id, "benchmark": item.benchmark,
                              "question": item.question, "context": item.context, "options": item.options,
                              "gold": item.answer, "task": item.task.value, "metadata": item.metadata,
                              "explanation": item.explanation, "subject": _subject(item.metadata), "results": {},
                              "facts": list(item.facts),  # a consultation's hidden facts (shown with the dialogue)
                              # the item's images by hash (report/images.py embeds thumbnails from the store)
                              "images": [{"sha256": im.sha256, "media_type": im.media_type}
                                         for im in getattr(item, "images", ())],
                              "transform": item.transform, "source_id": item.source_id}
            item_scores = scores.get(pred["item_id"], {})
            answer = item_scores.get(SCORER) or item_scores.get(primary)
            verdicts = []
            for scorer, s in sorted(item_scores.items()):
                if scorer.startswith(JUDGE_PREFIX):
                    judge_scorers.add(scorer)
                    if s["value"] is not None:
                        judges[scorer].append(s["value"])
                    verdicts.append({"scorer": scorer, "value": s["value"], "label": s["label"],
                                     "detail": s["detail"]})
            status = _status(pred, answer)
            if isinstance(pred["info"].get("cost_usd"), (int, float)):
                published_costs.append(pred["info"]["cost_usd"])
            confidence = _confidence(pred)
            if status in ("correct", "wrong", "unparsed"):
                for field, source in SOURCES.items():
                    if (value := _confidence(pred, field)) is not None:
                        confidences[source].append((value, 1.0 if status == "correct" else 0.0))
            items[key]["results"][run_id] = {
                "status": status,
                "answer": None if answer is None else answer["label"],
                "rule": None if answer is None else answer["detail"].get("rule"),
                "output": pred["output"], "error": pred["error"], "info": pred["info"],
                "tokens": pred["prompt_tokens"] + pred["completion_tokens"],
                "n_calls": sum(t.get("type", "model_call") == "model_call" for t in pred["trace"]),
                "wall_s": pred["wall_s"], "confidence": confidence, "judges": verdicts,
                "episode": (item_scores.get("episode") or {}).get("detail"),  # consultations: per-turn grades
                "trace": _trace(pred, calls),
            }

        for bkey, groups in summary["breakdown"].items():
            breakdowns[bkey][run_id] = groups
        for source, pairs in confidences.items():
            key = f"{run_id} · {source}"
            reliability[key] = pairs
            series[key] = f"{run['model']} · {run['method']} · {source} · {run['benchmark']}"
            rc = ((summary.get("calibration") or {}).get(source) or {}).get("risk_coverage")
            if rc:
                risk_coverage[key] = rc["points"]
        judged = summary.get("judges") or {}
        tokens = (None if summary["prompt_tokens_per_item"] is None
                  else summary["prompt_tokens_per_item"] + summary["completion_tokens_per_item"])
        reference = bool(run["config"].get("reference", False))
        if reference and not tokens:
            tokens = None  # the published file had no token_usage (aflow, spo): unknown, not zero
        cost = (sum(published_costs) / len(published_costs) if published_costs
                else _price_per_item(run["model"], summary["prompt_tokens_per_item"],
                                     summary["completion_tokens_per_item"]))
        ci = summary["ci95"] or [None, None]
        # The benchmark subset's size, recorded at `run` time: a run of fewer items is flagged.
        size = run["config"].get("subset_size")
        subset_size = size if isinstance(size, int) and not isinstance(size, bool) else None
        runs.append({
            "run_id": run_id, "label": _run_label(run), "model": run["model"], "method": run["method"],
            "benchmark": run["benchmark"], "subset": run["subset"], "status": run["status"],
            "reference": reference, "probe_of": run["config"].get("probe_of"),
            "transform": run["config"].get("transform"), "n_done": summary["n_done"], "n_items": summary["n_items"],
            "subset_size": subset_size, "partial": subset_size is not None and summary["n_items"] < subset_size,
            "accuracy": summary["accuracy"], "ci_low": ci[0], "ci_high": ci[1],
            "chance": summary["chance_accuracy"], "unparsed_rate": summary["unparsed_rate"],
            "errors": summary["errors"], "tokens_per_item": tokens,
            # Published outputs carry no per-call trace: calls per item is unknown, not zero.
            "calls_per_item": None if reference else summary["calls_per_item"],
            "wall_s_per_item": summary["wall_s_per_item"], "cost_per_item": cost,
            **_timing(preds, summary),
            "judges": {k: (sum(v) / len(v) if v else None) for k, v in judges.items()},
            "episode": summary["scores"].get("episode"),  # the episode scorer's metrics, when it ran
            "calibration": summary.get("calibration") or {},
            # judges that failed their control units on this run (judges/controls.py)
            "unreliable_judges": list(judged.get("unreliable") or []),
        })

    return {
        "runs": runs,
        "items": list(items.values()),
        "breakdowns": {k: v for k, v in breakdowns.items() if v},
        "reliability": reliability,
        "risk_coverage": risk_coverage,
        "series": series,
        "judge_scorers": sorted(judge_scorers),
        "has_cost": any(r["cost_per_item"] is not None for r in runs),
        "subjects": [s for s, _ in Counter(i["subject"] for i in items.values() if i["subject"]).most_common()],
    }


def _subject(metadata: dict) -> str | None:
    for key in BREAKDOWN_KEYS:
        if metadata.get(key) not in (None, ""):
            return str(metadata[key])
    return None
