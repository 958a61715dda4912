"""With the image vs without: a with-image run and its `--blind` run, paired by source item (the
same pairing as `clinreason compare`): accuracy with and without the image, the paired difference
(with image - blind) with its bootstrap interval and McNemar p-value, and the share of items the
blind model already gets right (overall, and among those answered right with the image)."""

from __future__ import annotations


def blind_comparison(store, with_image_run: str, blind_run: str, scorer: str = "vqa") -> dict:
    """The blind run is the base (A), the with-image run B: `diff` = accuracy with image - blind."""
    from ..paired_runs import compare_two

    r = compare_two(store, blind_run, with_image_run, scorer)
    n = r["n"]
    both_right = r["a_correct"] - r["right_to_wrong"]  # right blind and right with the image
    return {
        "with_image_run": with_image_run, "blind_run": blind_run, "scorer": scorer, "n": n,
        "accuracy_with_image": r["b_correct"] / n, "accuracy_blind": r["a_correct"] / n,
        "diff": r["diff"], "ci95": r["ci95"], "p_value": r["p_value"],
        "blind_right_share": r["a_correct"] / n,
        "blind_right_among_image_right": both_right / r["b_correct"] if r["b_correct"] else None,
        "image_only_right": r["wrong_to_right"], "blind_only_right": r["right_to_wrong"],
    }  # fmt: skip
