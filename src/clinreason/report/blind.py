"""The image-blind comparison panel: a run with images against its blind baseline (`clinreason run
--blind`: the same items, images removed, transform "blind", source_id = the original item's id), on
the same benchmark with the same model, paired by source item.

How much of the accuracy needs the image at all? The panel shows accuracy with and without the image,
the paired difference (with image - blind) with its 95% paired-bootstrap interval and McNemar p
(grading/paired.py), and the share of items the blind model already gets right: of all paired items,
and of those it gets right with the image."""

from __future__ import annotations

from typing import Any, Mapping

from ..grading.paired import compare_scores

BLIND = "blind"


def blind_stats(with_image: Mapping[str, float | None], blind: Mapping[str, float | None], *,
                n_resamples: int = 10_000, seed: int = 0) -> dict[str, Any]:
    """`with_image`: item id -> score (1 right, 0 wrong, None ungraded); `blind`: source item id ->
    score. Only items scored on both sides count. Pure: no store, no I/O."""
    shared = sorted(k for k in with_image.keys() & blind.keys()
                    if with_image[k] is not None and blind[k] is not None)
    img = {k: int(with_image[k] >= 1.0) for k in shared}
    bln = {k: int(blind[k] >= 1.0) for k in shared}
    n = len(shared)
    if not n:
        return {"n": 0, "acc_image": None, "acc_blind": None, "diff": None, "ci95": None, "p_value": None,
                "blind_right": 0, "image_right": 0, "both_right": 0, "blind_right_share": None,
                "blind_right_of_image_right": None, "image_only": 0, "blind_only": 0}
    paired = compare_scores(bln, img, n_resamples=n_resamples, seed=seed)  # diff = image - blind
    image_right = sum(img.values())
    blind_right = sum(bln.values())
    both = sum(1 for k in shared if img[k] and bln[k])
    return {"n": n, "acc_image": image_right / n, "acc_blind": blind_right / n, "diff": paired.diff,
            "ci95": list(paired.ci95) if paired.ci95 else None, "p_value": paired.p_value,
            "blind_right": blind_right, "image_right": image_right, "both_right": both,
            "blind_right_share": blind_right / n,
            "blind_right_of_image_right": both / image_right if image_right else None,
            "image_only": paired.wrong_to_right, "blind_only": paired.right_to_wrong}


def _scores(store, run_id: str, scorer: str) -> dict[str, float | None]:
    return {s["item_id"]: s["value"] for s in store.scores(run_id, scorer)}


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
        elif any(getattr(i, "images", ()) for i in its):
            image_runs.append(r)
    rows = []
    for b in blind_runs:
        sources = {i.source_id: i.id for i in items[b["run_id"]] if i.source_id}
        candidates = [a for a in image_runs if a["benchmark"] == b["benchmark"] and a["model"] == b["model"]
                      and sources.keys() & {i.id for i in items[a["run_id"]]}]
        same_method = [a for a in candidates if a["method"] == b["method"]]
        for a in same_method or candidates:
            name = scorer or answer_scorer(store.get_run(a["run_id"]))
            blind_scores = _scores(store, b["run_id"], name)
            by_source = {src: blind_scores.get(bid) for src, bid in sources.items() if bid in blind_scores}
            stats = blind_stats(_scores(store, a["run_id"], name), by_source)
            rows.append({"image_run": a["run_id"], "blind_run": b["run_id"], "label": a["label"],
                         "blind_label": b["label"], "benchmark": a["benchmark"], "model": a["model"],
                         "method": a["method"], "blind_method": b["method"], "scorer": name, **stats})
    return rows
