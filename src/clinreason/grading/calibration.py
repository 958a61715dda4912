"""Calibration arithmetic: how well a confidence in [0, 1] tells right answers from wrong ones.

Pure functions over (confidence, correct) pairs, correct being 0/1:
- `reliability_bins` / `ece`: expected calibration error over 10 equal-width bins (Guo et al.,
  2017), the bins returned too so a report can draw them and a reader can recompute the number;
- `brier`: mean squared gap between confidence and outcome;
- `auroc`: probability that a random right answer got more confidence than a random wrong one
  (ties count half; the Mann-Whitney U statistic over n_right * n_wrong); None with one class;
- `risk_coverage`: answering only the most confident items first, the error rate (risk) at each
  coverage, and the area under that curve (AURC; lower is better).
No numpy: a run's summary calls these on a few thousand pairs at most."""

from __future__ import annotations

import math
from typing import Sequence

Pair = tuple[float, float]  # (confidence in [0, 1], correct 0/1)
N_BINS = 10


def check_pairs(pairs: Sequence[Pair]) -> list[Pair]:
    """The pairs as floats; a confidence outside [0, 1] or a non-0/1 outcome is a clear error."""
    out = []
    for i, (conf, correct) in enumerate(pairs):
        conf, correct = float(conf), float(correct)
        if not (math.isfinite(conf) and 0.0 <= conf <= 1.0):
            raise ValueError(f"pair {i}: confidence must be between 0 and 1, got {conf}")
        if correct not in (0.0, 1.0):
            raise ValueError(f"pair {i}: correct must be 0 or 1, got {correct}")
        out.append((conf, correct))
    return out


def reliability_bins(pairs: Sequence[Pair], n_bins: int = N_BINS) -> list[dict]:
    """Equal-width bins [i/n_bins, (i+1)/n_bins); confidence 1.0 falls in the last bin. Every bin
    is listed (empty ones with n 0 and None means), so the bins line up across runs."""
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    members: list[list[Pair]] = [[] for _ in range(n_bins)]
    for conf, correct in check_pairs(pairs):
        members[min(int(conf * n_bins), n_bins - 1)].append((conf, correct))
    bins = []
    for i, group in enumerate(members):
        n = len(group)
        bins.append({"lo": i / n_bins, "hi": (i + 1) / n_bins, "n": n,
                     "confidence": sum(c for c, _ in group) / n if n else None,
                     "accuracy": sum(k for _, k in group) / n if n else None})
    return bins


def ece(pairs: Sequence[Pair], n_bins: int = N_BINS) -> float | None:
    """Expected calibration error: sum over bins of (bin size / n) * |accuracy - mean confidence|."""
    bins = reliability_bins(pairs, n_bins)
    total = sum(b["n"] for b in bins)
    if total == 0:
        return None
    return sum(b["n"] / total * abs(b["accuracy"] - b["confidence"]) for b in bins if b["n"])


def brier(pairs: Sequence[Pair]) -> float | None:
    checked = check_pairs(pairs)
    return sum((c - k) ** 2 for c, k in checked) / len(checked) if checked else None


def auroc(pairs: Sequence[Pair]) -> float | None:
    """Rank-based AUROC of confidence for correctness (average ranks for ties). None when every
    answer is right or every answer is wrong: there is nothing to separate."""
    checked = check_pairs(pairs)
    n_right = sum(k for _, k in checked)
    n_wrong = len(checked) - n_right
    if n_right == 0 or n_wrong == 0:
        return None
    order = sorted(range(len(checked)), key=lambda i: checked[i][0])
    ranks = [0.0] * len(checked)
    i = 0
    while i < len(order):  # tied confidences share their average rank (1-based)
        j = i
        while j + 1 < len(order) and checked[order[j + 1]][0] == checked[order[i]][0]:
            j += 1
        for m in range(i, j + 1):
            ranks[order[m]] = (i + j) / 2 + 1
        i = j + 1
    rank_sum_right = sum(r for r, (_, k) in zip(ranks, checked) if k)
    u = rank_sum_right - n_right * (n_right + 1) / 2
    return u / (n_right * n_wrong)


def risk_coverage(pairs: Sequence[Pair]) -> dict | None:
    """Sort by confidence, most confident first, and answer the top j items for j = 1..n: coverage
    j/n, risk = error rate among them. Items of equal confidence enter together (a threshold cannot
    separate them), so the curve has one point per distinct confidence. AURC is the mean risk over
    the n coverage steps (tied items each count at their group's risk). Also: accuracy when
    answering the most confident half and 80%."""
    checked = sorted(check_pairs(pairs), key=lambda p: -p[0])
    n = len(checked)
    if n == 0:
        return None
    points, area, wrong, j = [], 0.0, 0.0, 0
    while j < n:
        k = j
        while k < n and checked[k][0] == checked[j][0]:
            wrong += 1 - checked[k][1]
            k += 1
        risk = wrong / k
        area += risk * (k - j)
        points.append({"coverage": k / n, "risk": risk, "threshold": checked[j][0]})
        j = k
    return {"points": points, "aurc": area / n,
            "selective_accuracy": {f"{int(c * 100)}%": _accuracy_at(checked, c) for c in (0.5, 0.8)}}


def _accuracy_at(ordered: list[Pair], coverage: float) -> float:
    """Accuracy among the ceil(coverage * n) most confident answers (ties broken by order)."""
    top = ordered[:max(1, math.ceil(coverage * len(ordered)))]
    return sum(k for _, k in top) / len(top)


def calibration_metrics(pairs: Sequence[Pair], n_bins: int = N_BINS) -> dict:
    """Everything above for one confidence source."""
    checked = check_pairs(pairs)
    return {"n": len(checked), "accuracy": sum(k for _, k in checked) / len(checked) if checked else None,
            "mean_confidence": sum(c for c, _ in checked) / len(checked) if checked else None,
            "ece": ece(checked, n_bins), "brier": brier(checked), "auroc": auroc(checked),
            "bins": reliability_bins(checked, n_bins), "risk_coverage": risk_coverage(checked)}
