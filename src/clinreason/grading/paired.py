"""Paired comparison of two runs on the items both ran: the flip table, an exact McNemar (sign)
test, a paired bootstrap interval of the accuracy difference, TOST equivalence within a margin, and
Holm's correction when one base is compared with several runs.

Two methods (or models) run on the same items are paired data: an unpaired test throws away the
pairing and is far too conservative (or, with overlapping intervals, says nothing).

Pairs are grouped by source item. A probe derives several items from one (two option orders, seven
bias sentences), so one base item meets several derived ones: those pairs are not independent, and
every statistic here treats the source item as the unit: the bootstrap resamples source items, and
McNemar's test and TOST use each source item's mean difference. With one pair per item (two
ordinary runs) this is exactly the textbook McNemar and paired bootstrap."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Mapping, Sequence


@dataclass(frozen=True)
class Pair:
    key: str  # the source item: pairs with one key are resampled together
    a: int  # 1 right, 0 wrong
    b: int
    answer_a: str | None = None  # in the source item's letters (probes.to_source_letters)
    answer_b: str | None = None


@dataclass(frozen=True)
class PairedResult:
    n: int  # pairs both runs scored
    a_correct: int
    b_correct: int
    right_to_wrong: int  # correct in A, wrong in B
    wrong_to_right: int  # wrong in A, correct in B
    answer_changed: int  # pairs whose read answer differs (right or wrong), when answers are given
    p_value: float | None  # McNemar exact (two-sided sign test on the source items' differences)
    diff: float | None  # accuracy of B minus accuracy of A
    ci95: tuple[float, float] | None  # paired bootstrap interval of `diff`
    n_sources: int = 0  # source items (= n when every item has one pair)
    margin: float | None = None  # TOST equivalence margin, when asked
    tost_p: float | None = None
    equivalent: bool | None = None

    def as_dict(self) -> dict:
        return {"n": self.n, "n_sources": self.n_sources, "a_correct": self.a_correct, "b_correct": self.b_correct,
                "right_to_wrong": self.right_to_wrong, "wrong_to_right": self.wrong_to_right,
                "answer_changed": self.answer_changed, "p_value": self.p_value, "diff": self.diff,
                "ci95": list(self.ci95) if self.ci95 else None, "margin": self.margin, "tost_p": self.tost_p,
                "equivalent": self.equivalent}


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts b and c (binomial, p = 1/2)."""
    from scipy.stats import binomtest

    return 1.0 if b + c == 0 else min(1.0, float(binomtest(min(b, c), b + c, 0.5).pvalue))


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


def cluster_bootstrap(sums: Sequence[int], sizes: Sequence[int], n_resamples: int = 10_000, seed: int = 0,
                      level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of sum(diffs) / n(pairs) when source items (with `sums` of differences
    over `sizes` pairs each) are resampled whole."""
    import numpy as np

    sums_, sizes_ = np.asarray(sums, dtype=float), np.asarray(sizes, dtype=float)
    rng, means = np.random.default_rng(seed), []
    for start in range(0, n_resamples, 1000):  # chunks: memory stays small at any number of items
        idx = rng.integers(0, len(sums_), size=(min(1000, n_resamples - start), len(sums_)))
        means.append(sums_[idx].sum(axis=1) / sizes_[idx].sum(axis=1))
    alpha = (1 - level) / 2
    lo, hi = np.quantile(np.concatenate(means), [alpha, 1 - alpha])
    return float(lo), float(hi)


def tost(unit_diffs: Sequence[float], margin: float) -> float | None:
    """Two one-sided t-tests that the mean paired difference lies within (-margin, +margin): the
    larger of the two p-values (equivalent at level alpha when below alpha). None under 2 units."""
    import numpy as np
    from scipy.stats import ttest_1samp

    d = np.asarray(unit_diffs, dtype=float)
    if len(d) < 2:
        return None
    if np.ptp(d) == 0:  # no spread: the difference is known exactly (t is undefined)
        return 0.0 if -margin < d[0] < margin else 1.0
    above = ttest_1samp(d, -margin, alternative="greater").pvalue
    below = ttest_1samp(d, margin, alternative="less").pvalue
    return float(max(above, below))


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment (family-wise error), None entries left out of the family.
    scipy offers only Benjamini-Hochberg (false_discovery_control), so it is done here."""
    order = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p))
        adjusted[i] = running
    return adjusted


def compare_pairs(pairs: Sequence[Pair], *, margin: float | None = None, n_resamples: int = 10_000,
                  seed: int = 0) -> PairedResult:
    if not pairs:
        return PairedResult(0, 0, 0, 0, 0, 0, None, None, None, margin=margin)
    groups: dict[str, list[int]] = defaultdict(list)
    for p in pairs:
        groups[p.key].append(p.b - p.a)
    sums, sizes = [sum(g) for g in groups.values()], [len(g) for g in groups.values()]
    if max(sizes) == 1:
        ci = paired_bootstrap(sums, n_resamples=n_resamples, seed=seed)
    else:
        ci = cluster_bootstrap(sums, sizes, n_resamples=n_resamples, seed=seed)
    unit_diffs = [s / k for s, k in zip(sums, sizes)]
    tost_p = tost(unit_diffs, margin) if margin is not None else None
    return PairedResult(
        n=len(pairs), a_correct=sum(p.a for p in pairs), b_correct=sum(p.b for p in pairs),
        right_to_wrong=sum(1 for p in pairs if p.a and not p.b), wrong_to_right=sum(1 for p in pairs if p.b and not p.a),
        answer_changed=sum(1 for p in pairs if p.answer_a != p.answer_b),
        p_value=mcnemar_exact(sum(1 for d in unit_diffs if d < 0), sum(1 for d in unit_diffs if d > 0)),
        diff=sum(sums) / len(pairs), ci95=ci, n_sources=len(groups), margin=margin, tost_p=tost_p,
        equivalent=None if tost_p is None else tost_p < 0.05)


def compare_scores(a: Mapping[str, float], b: Mapping[str, float], answers_a: Mapping[str, str | None] | None = None,
                   answers_b: Mapping[str, str | None] | None = None, *, n_resamples: int = 10_000,
                   seed: int = 0, margin: float | None = None) -> PairedResult:
    """`a`, `b`: item id -> 0/1 score (None-valued items are left out). Only shared items count."""
    shared = sorted(i for i in a.keys() & b.keys() if a[i] is not None and b[i] is not None)
    answers = answers_a is not None and answers_b is not None
    pairs = [Pair(i, int(a[i] >= 1.0), int(b[i] >= 1.0), answers_a.get(i) if answers else None,
                  answers_b.get(i) if answers else None) for i in shared]
    return compare_pairs(pairs, margin=margin, n_resamples=n_resamples, seed=seed)


def run_pairs(side_a: Sequence[dict], side_b: Sequence[dict]) -> list[Pair]:
    """Pairs from two runs' scored items, each {"id", "key" (the source id), "value", "answer" (in
    source letters)}. Items pair by key: an item alone on its side pairs with every item of the
    other side under its key (a base item with its derived items); when both sides have several,
    they pair by id where ids agree, else in id order."""
    by_a, by_b = defaultdict(list), defaultdict(list)
    for side, into in ((side_a, by_a), (side_b, by_b)):
        for x in side:
            if x["value"] is not None:
                into[x["key"]].append(x)
    pairs = []
    for key in sorted(by_a.keys() & by_b.keys()):
        xs, ys = sorted(by_a[key], key=lambda x: x["id"]), sorted(by_b[key], key=lambda x: x["id"])
        if len(xs) == 1 or len(ys) == 1:
            matched = [(x, y) for x in xs for y in ys]
        else:
            ids = {y["id"]: y for y in ys}
            matched = [(x, ids[x["id"]]) for x in xs if x["id"] in ids] or list(zip(xs, ys))
        pairs.extend(Pair(key, int(x["value"] >= 1.0), int(y["value"] >= 1.0), x["answer"], y["answer"])
                     for x, y in matched)
    return pairs


def check_margin(margin: float) -> None:
    if not (math.isfinite(margin) and 0 < margin < 1):
        raise ValueError(f"--margin {margin}: expected a difference in accuracy between 0 and 1, e.g. 0.05")
