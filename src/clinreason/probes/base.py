"""The probe contract: an item transform. A probe derives new items from an item (a shuffled option
order, a biasing sentence, ...); every derived item has an id of its own, `source_id` naming the
original and `transform` naming how it was made, so paired statistics can match them.

A probe that moves or adds options records `metadata["source_letters"]` (derived letter -> the
original's letter, None for an added option), so an answer to the derived item can be read back
in the original's letters: "did the answer change in meaning" is then a plain comparison. A probe
that points the model at a wrong option records it as `metadata["probe_target"]` (derived letters)."""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from ..items import Item
from ..registry import Registry


class Probe:
    name: ClassVar[str]
    description: ClassVar[str] = ""

    def prepare(self, items: list[Item]) -> None:
        """See every item first (a probe that borrows from other items, e.g. `distractor`). No-op by default."""

    def skip_reason(self, item: Item) -> str | None:
        """Why this probe cannot apply to `item` (shown, counted), or None when it applies."""
        return None if self.applies(item) else "does not apply"

    def applies(self, item: Item) -> bool:
        return True

    def derive(self, item: Item, seed: int = 0) -> list[Item]:
        raise NotImplementedError

    def derived(self, item: Item, suffix: str, **changes) -> Item:
        """A copy of `item` as this probe's variant `suffix`, validated like any item."""
        data = item.model_dump()
        data.update(changes, id=f"{item.id}~{self.name}{suffix}", source_id=item.original_id,
                    transform=f"{self.name}{suffix}")
        return Item(**data)


PROBES: Registry[type[Probe]] = Registry("probe")  # filled by the package's modules (see __init__)


def apply_probes(items: list[Item], names: list[str], seed: int = 0) -> list[Item]:
    """Every derived item of every probe that applies, in item order (originals not included)."""
    probes = [PROBES.get(n)() for n in names]
    for probe in probes:
        probe.prepare(items)
    return [d for item in items for p in probes if p.skip_reason(item) is None for d in p.derive(item, seed)]


def derive_all(probe: Probe, items: list[Item], seed: int = 0, pool: list[Item] | None = None) -> tuple[list[Item], Counter]:
    """(derived items, reason -> how many items were skipped). `pool`: what `prepare` sees (default `items`)."""
    probe.prepare(pool if pool is not None else items)
    derived: list[Item] = []
    skipped: Counter = Counter()
    for item in items:
        reason = probe.skip_reason(item)
        if reason is None:
            derived.extend(probe.derive(item, seed))
        else:
            skipped[reason] += 1
    return derived, skipped


def to_source_letters(answer: str | None, item: Item) -> str | None:
    """An answer to `item` in its original's letters (unchanged when no letters moved). An added
    option maps to "+" (an answer the original could not give)."""
    mapping = item.metadata.get("source_letters")
    if answer is None or not mapping:
        return answer
    parts = [p.strip() for p in answer.split(",")]
    if not all(p in mapping for p in parts):
        return answer
    return ",".join(sorted(mapping[p] or "+" for p in parts))
