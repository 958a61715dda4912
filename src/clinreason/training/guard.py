"""Keeping evaluation items out of training data.

- The split guard: an item from a test or test_hard split is refused unless the user says
  --allow-test; the manifest records every split an export drew from.
- Near-duplicates: word n-gram overlap between the exported questions and any named evaluation set
  (a benchmark's items), so a question that reappears elsewhere, reworded or embedded, is reported.
  Containment (shared n-grams over the shorter question's n-grams) decides; Jaccard is reported too."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..items import Item
from .records import Candidate, is_test_split

_WORD = re.compile(r"\w+", re.UNICODE)


class ContaminationError(ValueError):
    """The export would put test items into training data."""


def check_splits(candidates: list[Candidate], allow_test: bool) -> Counter:
    """(benchmark, split) -> items, of the test splits among the candidates; raises unless allowed."""
    seen: set[tuple[str, str]] = set()
    test: Counter = Counter()
    for c in candidates:
        key = (c.item.benchmark, c.item.id)
        if is_test_split(c.split) and key not in seen:
            seen.add(key)
            test[(c.run["benchmark"], c.split)] += 1
    if test and not allow_test:
        shown = ", ".join(f"{bench} {split}: {n}" for (bench, split), n in sorted(test.items()))
        raise ContaminationError(
            f"refusing to export {sum(test.values())} items from test splits ({shown}): training on them would "
            "contaminate any evaluation on that benchmark; pass --allow-test to export them anyway (the manifest "
            "records it). Nothing was written.")
    return test


def ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    """Lower-cased word n-grams; a text shorter than n words is one gram of all its words."""
    words = _WORD.findall((text or "").lower())
    if not words:
        return set()
    if len(words) < n:
        return {tuple(words)}
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


@dataclass
class EvalSet:
    name: str  # BENCH:SUBSET
    items: list[Item]


def parse_eval_set(spec: str) -> tuple[str, str | None]:
    bench, _, subset = spec.strip().partition(":")
    if not bench:
        raise ValueError(f"--eval-set {spec!r}: expected BENCH or BENCH:SUBSET, e.g. medqa:test")
    return bench, subset or None


def load_eval_set(spec: str, data_dir: Path | None = None) -> EvalSet:
    """A registered benchmark's items (BENCH or BENCH:SUBSET; the default subset when none is given)."""
    from ..data import BENCHMARKS, load_items

    name, subset = parse_eval_set(spec)
    bench = BENCHMARKS.get(name)
    subset = bench.check_subset(subset)
    return EvalSet(f"{bench.name}:{subset}", load_items(bench.name, subset, data_dir))


def find_overlaps(items: dict[tuple[str, str], Item], eval_sets: list[EvalSet], *, n: int = 8,
                  threshold: float = 0.5) -> list[dict]:
    """For each exported item ((benchmark, item id) -> Item) and evaluation set, the closest evaluation
    question whose n-gram containment reaches `threshold` (and how many did): one dict per (item, set)
    with a match."""
    out = []
    for eval_set in eval_sets:
        grams = [ngrams(e.question, n) for e in eval_set.items]
        index: dict[tuple[str, ...], list[int]] = {}
        for i, g in enumerate(grams):
            for gram in g:
                index.setdefault(gram, []).append(i)
        for (benchmark, item_id), item in items.items():
            mine = ngrams(item.question, n)
            shared: Counter = Counter()
            for gram in mine:
                shared.update(index.get(gram, ()))
            matches = []
            for i, k in shared.items():
                containment = k / min(len(mine), len(grams[i]))
                if containment >= threshold:
                    jaccard = k / (len(mine) + len(grams[i]) - k)
                    matches.append((containment, jaccard, i))
            if matches:
                containment, jaccard, i = max(matches, key=lambda m: (m[0], m[1], -m[2]))
                out.append({"benchmark": benchmark, "item_id": item_id, "eval_set": eval_set.name,
                            "eval_item_id": eval_set.items[i].id, "containment": round(containment, 4),
                            "jaccard": round(jaccard, 4), "matches": len(matches)})
    return out
