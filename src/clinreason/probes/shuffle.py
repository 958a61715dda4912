"""`shuffle`: the same question with its options in other orders (k permutations, none the original);
the gold letter follows its text. An answer that changes with the order is not knowledge."""

from __future__ import annotations

import itertools
import random

from ..items import AnswerFormat, Item, option_letters
from .base import PROBES, Probe


@PROBES.register("shuffle", aliases=("option_shuffle",))
class OptionShuffle(Probe):
    name = "shuffle"
    description = "options permuted (k orders), gold remapped"
    k = 2

    def applies(self, item: Item) -> bool:
        return len(item.options) >= 2 and item.format in (AnswerFormat.letter, AnswerFormat.letters)

    def derive(self, item: Item, seed: int = 0) -> list[Item]:
        letters = list(item.options)
        rng = random.Random(f"{seed}:{item.id}")  # a string seed: stable across processes
        orders = [list(p) for p in itertools.islice(itertools.permutations(letters), 720) if list(p) != letters]
        rng.shuffle(orders)
        out = []
        for j, order in enumerate(orders[: self.k], 1):
            new = option_letters(len(order))
            options = {n: item.options[old] for n, old in zip(new, order)}
            back = {old: n for n, old in zip(new, order)}
            gold = ",".join(sorted(back[a.strip()] for a in item.answer.split(","))) \
                if item.format == AnswerFormat.letters else back[item.answer]
            out.append(self.derived(item, str(j), options=options, answer=gold))
        return out
