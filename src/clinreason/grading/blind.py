"""With the image vs without: a with-image run and its `--blind` run, paired by source item (the
same pairing as `clinreason compare`: a blind item by its source_id): accuracy with and without the
image, the paired difference (with image - blind) with its bootstrap interval and McNemar p-value,
and the share of items the blind model already gets right (overall, and among those answered right
with the image). One computation (`blind_stats`) serves `blind_comparison` and the report's panel."""

from __future__ import annotations

from typing import Any, Mapping

from .paired import compare_scores


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


def scores_by_source(store, run_id: str, scorer: str) -> dict[str, float | None]:
    """A run's scores keyed by source item (compare's keying: a derived item by its source_id)."""
    from ..paired_runs import run_side

    return {s["key"]: s["value"] for s in run_side(store, run_id, scorer)}


def blind_comparison(store, with_image_run: str, blind_run: str, scorer: str = "vqa") -> dict:
    """`blind_stats` of two stored runs, under the names `clinreason compare` users read. Raises
    ValueError when they share no scored source items."""
    s = blind_stats(scores_by_source(store, with_image_run, scorer), scores_by_source(store, blind_run, scorer))
    if not s["n"]:
        raise ValueError(f"runs {blind_run} and {with_image_run} share no items scored by {scorer!r}: "
                         "nothing to compare")
    return {
        "with_image_run": with_image_run, "blind_run": blind_run, "scorer": scorer, "n": s["n"],
        "accuracy_with_image": s["acc_image"], "accuracy_blind": s["acc_blind"],
        "diff": s["diff"], "ci95": s["ci95"], "p_value": s["p_value"],
        "blind_right_share": s["blind_right_share"],
        "blind_right_among_image_right": s["blind_right_of_image_right"],
        "image_only_right": s["image_only"], "blind_only_right": s["blind_only"],
    }  # fmt: skip
