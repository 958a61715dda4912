"""Statistics for scores: percentile bootstrap confidence intervals.

For 0/1 scores the bootstrap needs no resampling: resampling n outcomes with replacement is
Binomial(n, k/n), so its percentiles are read off the exact distribution (the limit of infinitely
many resamples, deterministic, and without importing numpy on every run's path)."""

from __future__ import annotations

import math
from typing import Sequence


def _binomial_ci(n: int, k: float, level: float) -> tuple[float, float]:
    p = k / n
    if p <= 0.0 or p >= 1.0:
        return p, p
    alpha = (1 - level) / 2
    log_p, log_q, log_n1 = math.log(p), math.log1p(-p), math.lgamma(n + 1)
    lo = hi = None
    cdf = 0.0
    for j in range(n + 1):
        cdf += math.exp(log_n1 - math.lgamma(j + 1) - math.lgamma(n - j + 1) + j * log_p + (n - j) * log_q)
        if lo is None and cdf >= alpha:
            lo = j
        if cdf >= 1 - alpha - 1e-12:
            hi = j
            break
    return lo / n, (n if hi is None else hi) / n


def bootstrap_ci(values: Sequence[float], level: float = 0.95, n_resamples: int = 10_000,
                 seed: int = 0) -> tuple[float, float] | None:
    """Percentile bootstrap CI of the mean. None for no data."""
    n = len(values)
    if n == 0:
        return None
    if all(v in (0.0, 1.0) for v in values):
        return _binomial_ci(n, sum(values), level)
    import numpy as np  # only here: a run's own summary never needs it

    x = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = np.concatenate([
        x[rng.integers(0, n, (min(1000, n_resamples - i), n))].mean(axis=1)
        for i in range(0, n_resamples, 1000)
    ])
    alpha = (1 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1 - alpha])
    return float(lo), float(hi)


def proportion_with_ci(n: int, k: int, level: float = 0.95) -> dict:
    """k successes of n, with the same interval as `bootstrap_ci` gives for 0/1 values, computed
    from the counts alone (so SQL can aggregate and no per-item rows are loaded)."""
    if n == 0:
        return {"n": 0, "mean": None, "ci95": None}
    return {"n": n, "mean": k / n, "ci95": list(_binomial_ci(n, k, level))}


def mean_with_ci(values: Sequence[float], seed: int = 0) -> dict:
    ci = bootstrap_ci(values, seed=seed)
    return {"n": len(values), "mean": sum(values) / len(values) if len(values) else None,
            "ci95": list(ci) if ci else None}
