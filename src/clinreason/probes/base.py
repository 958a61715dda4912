"""The probe contract: an item transform. A probe derives new items from an item (a shuffled option
order, a biasing sentence, ...); every derived item has an id of its own, `source_id` naming the
original and `transform` naming how it was made, so paired statistics can match them."""

from __future__ import annotations

from typing import ClassVar

from ..items import Item
from ..registry import Registry


class Probe:
    name: ClassVar[str]
    description: ClassVar[str] = ""

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
    return [d for item in items for p in probes if p.applies(item) for d in p.derive(item, seed)]
