"""`shuffle`: the same question with its options in other orders (k permutations, none the original);
the gold letter follows its text. An answer that changes with the order is not knowledge."""

from __future__ import annotations

import itertools

from ..items import Item
from ._options import option_skip_reason, relabel, rng_for
from .base import PROBES, Probe


@PROBES.register("shuffle", aliases=("option_shuffle",))
class OptionShuffle(Probe):
    name = "shuffle"
    description = "options permuted (k orders), gold remapped"
    k = 2

    def skip_reason(self, item: Item) -> str | None:
        return option_skip_reason(item)

    def applies(self, item: Item) -> bool:
        return self.skip_reason(item) is None

    def derive(self, item: Item, seed: int = 0) -> list[Item]:
        letters = list(item.options)
        rng = rng_for(item, seed, "")
        # At most 720 orders are listed (6 options' worth): enough to draw k distinct ones from.
        orders = [list(p) for p in itertools.islice(itertools.permutations(letters), 720) if list(p) != letters]
        rng.shuffle(orders)
        return [self.derived(item, str(j), **relabel(item, [(old, item.options[old]) for old in order]))
                for j, order in enumerate(orders[: self.k], 1)]
