"""Paired comparison of two runs on the items both ran: the flip table, McNemar's exact test and
a paired bootstrap interval of the accuracy difference.

Two methods (or models) run on the same items are paired data: an unpaired test throws away the
pairing and is far too conservative (or, with overlapping intervals, says nothing). Grounding
(`rag`, `kg_paths`) against the same model without it is the first user; `compare` the next."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class PairedResult:
    n: int  # items both runs scored
    a_correct: int
    b_correct: int
    right_to_wrong: int  # correct in A, wrong in B
    wrong_to_right: int  # wrong in A, correct in B
    answer_changed: int  # items whose read answer differs (right or wrong), when answers are given
    p_value: float | None  # McNemar exact (two-sided binomial on the discordant pairs)
    diff: float | None  # accuracy of B minus accuracy of A
    ci95: tuple[float, float] | None  # paired bootstrap interval of `diff`

    def as_dict(self) -> dict:
        return {"n": self.n, "a_correct": self.a_correct, "b_correct": self.b_correct,
                "right_to_wrong": self.right_to_wrong, "wrong_to_right": self.wrong_to_right,
                "answer_changed": self.answer_changed, "p_value": self.p_value, "diff": self.diff,
                "ci95": list(self.ci95) if self.ci95 else None}


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts b and c (binomial, p = 1/2)."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def paired_bootstrap(diffs: list[int], n_resamples: int = 10_000, seed: int = 0,
                     level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of the mean per-item difference (each in {-1, 0, 1}); resampling
    items keeps each pair together. Only how many of each value a resample draws matters, so
    resamples are multinomial draws of the three counts (fast at any n)."""
    import numpy as np  # only when a comparison is asked for

    n = len(diffs)
    counts = [diffs.count(-1), diffs.count(0), diffs.count(1)]
    draws = np.random.default_rng(seed).multinomial(n, [c / n for c in counts], size=n_resamples)
    means = (draws[:, 2] - draws[:, 0]) / n
    alpha = (1 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1 - alpha])
    return float(lo), float(hi)


def compare_scores(a: Mapping[str, float], b: Mapping[str, float], answers_a: Mapping[str, str | None] | None = None,
                   answers_b: Mapping[str, str | None] | None = None, *, n_resamples: int = 10_000,
                   seed: int = 0) -> PairedResult:
    """`a`, `b`: item id -> 0/1 score (None-valued items are left out). Only shared items count."""
    shared = sorted(i for i in a.keys() & b.keys() if a[i] is not None and b[i] is not None)
    ra = [1 if a[i] >= 1.0 else 0 for i in shared]
    rb = [1 if b[i] >= 1.0 else 0 for i in shared]
    right_to_wrong = sum(1 for x, y in zip(ra, rb) if x and not y)
    wrong_to_right = sum(1 for x, y in zip(ra, rb) if y and not x)
    changed = 0
    if answers_a is not None and answers_b is not None:
        changed = sum(1 for i in shared if answers_a.get(i) != answers_b.get(i))
    if not shared:
        return PairedResult(0, 0, 0, 0, 0, 0, None, None, None)
    diffs = [y - x for x, y in zip(ra, rb)]
    return PairedResult(
        n=len(shared), a_correct=sum(ra), b_correct=sum(rb), right_to_wrong=right_to_wrong,
        wrong_to_right=wrong_to_right, answer_changed=changed,
        p_value=mcnemar_exact(right_to_wrong, wrong_to_right), diff=sum(diffs) / len(shared),
        ci95=paired_bootstrap(diffs, n_resamples=n_resamples, seed=seed))
