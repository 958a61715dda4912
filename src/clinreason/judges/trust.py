"""How far to trust a judge: agreement with itself on a repeat (other seed / order), position
bias when the order of two compared texts is swapped, and Cohen's kappa against human labels.
Inputs are `units` maps ({unit id: label}) taken from score details; everything is pure."""

from __future__ import annotations

from collections import Counter
from typing import Sequence


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters over the same units. None when undefined (no units, or both
    raters always gave one and the same label, so chance agreement is 1)."""
    if len(a) != len(b):
        raise ValueError(f"{len(a)} vs {len(b)} labels")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[label] * cb[label] for label in set(ca) | set(cb)) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


def paired_units(first: dict[str, dict[str, str]], second: dict[str, dict[str, str]]) -> tuple[list[str], list[str]]:
    """first/second: {item_id: {unit: label}} -> aligned label lists over the units both have."""
    a, b = [], []
    for item_id in sorted(set(first) & set(second)):
        for unit in sorted(set(first[item_id]) & set(second[item_id])):
            a.append(first[item_id][unit])
            b.append(second[item_id][unit])
    return a, b


def agreement(first: dict[str, dict[str, str]], second: dict[str, dict[str, str]]) -> dict:
    a, b = paired_units(first, second)
    return {"n_units": len(a), "n_items": len(set(first) & set(second)),
            "agreement": (sum(x == y for x, y in zip(a, b)) / len(a)) if a else None,
            "kappa": cohen_kappa(a, b)}


def position_bias(main: dict[str, float | None], swapped: dict[str, float | None]) -> dict:
    """main/swapped: {item_id: value} for the same comparisons shown in both orders. A judge
    without position bias gives the same verdict; `shift` > 0 means the swapped order is
    judged a match more often."""
    pairs = [(main[i], swapped[i]) for i in sorted(set(main) & set(swapped))
             if main[i] is not None and swapped[i] is not None]
    if not pairs:
        return {"n": 0, "consistency": None, "shift": None}
    return {"n": len(pairs), "consistency": sum(x == y for x, y in pairs) / len(pairs),
            "shift": sum(y - x for x, y in pairs) / len(pairs)}


CONTROL_THRESHOLD = 0.8  # a judge right on fewer of its control units is marked unreliable


def control_accuracy(details: list[dict], threshold: float = CONTROL_THRESHOLD) -> dict:
    """details: the `detail` of each `@control` score ({"controls": [{kind, correct, hard}, ...]}).
    Accuracy over the hard controls (soft ones, e.g. shuffled reasoning, are counted apart), per
    kind too; `reliable` is False below `threshold`, None when there is no hard control."""
    by_kind: dict[str, dict[str, int]] = {}
    soft: dict[str, dict[str, int]] = {}
    for detail in details:
        for c in detail.get("controls") or []:
            entry = (by_kind if c.get("hard", True) else soft).setdefault(c["kind"], {"n": 0, "correct": 0})
            entry["n"] += 1
            entry["correct"] += int(bool(c.get("correct")))
    n = sum(e["n"] for e in by_kind.values())
    right = sum(e["correct"] for e in by_kind.values())
    accuracy = right / n if n else None
    return {"n_items": len(details), "n": n, "correct": right, "accuracy": accuracy, "by_kind": by_kind,
            "soft": soft, "threshold": threshold, "reliable": None if accuracy is None else accuracy >= threshold}
