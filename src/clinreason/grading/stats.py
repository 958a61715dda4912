"""Statistics for scores: confidence intervals.

0/1 scores (accuracy, agreement) get the Wilson score interval, an exact-coverage-minded
closed form that stays informative at tiny n: one correct answer of one is 21%–100%, not the
degenerate 100%–100% a bootstrap gives (resampling one success only ever yields successes).
Other scores get a percentile bootstrap of the mean."""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Sequence


def _binomial_ci(n: int, k: float, level: float) -> tuple[float, float]:
    """Wilson score interval for k successes of n (Wilson, 1927). Closed form, deterministic, no
    scipy on a run's path; its coverage is close to nominal even for n of 1-10, where the Wald and
    bootstrap intervals collapse to a point at 0% or 100%."""
    if n <= 0:
        raise ValueError(f"an interval needs at least one observation, got n={n}")
    if not 0 <= k <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {k}")
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # Clamp rounding noise: at k=0 the lower bound is exactly 0, at k=n the upper exactly 1.
    return (0.0 if k == 0 else max(0.0, centre - half)), (1.0 if k == n else min(1.0, centre + half))


def bootstrap_ci(values: Sequence[float], level: float = 0.95, n_resamples: int = 10_000,
                 seed: int = 0) -> tuple[float, float] | None:
    """CI of the mean: Wilson for 0/1 values, else percentile bootstrap. None for no data."""
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
    """k successes of n, with the same (Wilson) interval as `bootstrap_ci` gives for 0/1 values,
    computed from the counts alone (so SQL can aggregate and no per-item rows are loaded)."""
    if n == 0:
        return {"n": 0, "mean": None, "ci95": None}
    return {"n": n, "mean": k / n, "ci95": list(_binomial_ci(n, k, level))}


def mean_with_ci(values: Sequence[float], seed: int = 0) -> dict:
    ci = bootstrap_ci(values, seed=seed)
    return {"n": len(values), "mean": sum(values) / len(values) if len(values) else None,
            "ci95": list(ci) if ci else None}
