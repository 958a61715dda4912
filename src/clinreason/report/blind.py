"""The image-blind comparison panel: a run with images against its blind baseline (`clinreason run
--blind`: the same items, images removed, transform "blind", source_id = the original item's id), on
the same benchmark with the same model, paired by source item.

How much of the accuracy needs the image at all? The panel shows accuracy with and without the image,
the paired difference (with image - blind) with its 95% paired-bootstrap interval and McNemar p
(grading/paired.py), and the share of items the blind model already gets right: of all paired items,
and of those it gets right with the image."""

from __future__ import annotations

from typing import Any

from ..grading.blind import blind_stats, scores_by_source

BLIND = "blind"
__all__ = ["BLIND", "blind_panels", "blind_stats"]  # blind_stats: grading/blind.py, the one computation


def blind_panels(store, runs: list[dict], scorer: str | None = None) -> list[dict[str, Any]]:
    """One row per (with-image run, blind run) pair in the report: same benchmark and model, the blind
    run's items transformed "blind" with source ids among the with-image run's item ids. `runs`: the
    report's leaderboard rows (data.collect). A blind run with several candidates prefers the one of
    its own method. Scores: `scorer`, else the with-image run's answer scorer ("vqa" on VQA-RAD)."""
    from .data import answer_scorer

    items = {r["run_id"]: store.run_items(r["run_id"]) for r in runs}
    blind_runs, image_runs = [], []
    for r in runs:
        its = items[r["run_id"]]
        if its and all(i.transform == BLIND for i in its):
            blind_runs.append(r)
        elif any(i.images for i in its):
            image_runs.append(r)
    rows = []
    for b in blind_runs:
        sources = {i.source_id for i in items[b["run_id"]] if i.source_id}
        candidates = [a for a in image_runs if a["benchmark"] == b["benchmark"] and a["model"] == b["model"]
                      and sources & {i.id for i in items[a["run_id"]]}]
        same_method = [a for a in candidates if a["method"] == b["method"]]
        for a in same_method or candidates:
            name = scorer or answer_scorer(store.get_run(a["run_id"]))
            stats = blind_stats(scores_by_source(store, a["run_id"], name),
                                scores_by_source(store, b["run_id"], name))
            rows.append({"image_run": a["run_id"], "blind_run": b["run_id"], "label": a["label"],
                         "blind_label": b["label"], "benchmark": a["benchmark"], "model": a["model"],
                         "method": a["method"], "blind_method": b["method"], "scorer": name, **stats})
    return rows
