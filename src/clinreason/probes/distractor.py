"""`distractor`: one more option, taken from another item of the same benchmark (so it is a real
answer to some question, in the benchmark's own language and style), inserted at a seeded position;
the gold follows its text. Donor and option are chosen by seed and item id, the same every time.

The pool is every item the probe is prepared with (the whole base run, not only the probed items),
and an option whose text the item already has (ignoring case and spacing) is never drawn."""

from __future__ import annotations

from ..items import Item
from ._options import option_skip_reason, relabel, rng_for
from .base import PROBES, Probe

MAX_OPTIONS = 26


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


@PROBES.register("distractor", aliases=("extra_distractor",))
class ExtraDistractor(Probe):
    name = "distractor"
    description = "an extra option drawn from another item of the same benchmark, gold remapped"

    def __init__(self) -> None:
        self.pool: dict[str, list[Item]] = {}  # benchmark -> items with options, in id order

    def prepare(self, items: list[Item]) -> None:
        self.pool = {}
        for item in sorted(items, key=lambda i: i.id):
            if item.options:
                self.pool.setdefault(item.benchmark, []).append(item)

    def _candidates(self, item: Item) -> list[str]:
        have = {_norm(t) for t in item.options.values()}
        texts = []
        for donor in self.pool.get(item.benchmark, []):
            if donor.original_id != item.original_id:
                texts.extend(t for t in donor.options.values() if _norm(t) not in have and t.strip())
        return list(dict.fromkeys(texts))

    def skip_reason(self, item: Item) -> str | None:
        reason = option_skip_reason(item)
        if reason:
            return reason
        if len(item.options) >= MAX_OPTIONS:
            return f"already {MAX_OPTIONS} options"
        if not self._candidates(item):
            return "no other item of its benchmark to draw an option from"
        return None

    def derive(self, item: Item, seed: int = 0) -> list[Item]:
        rng = rng_for(item, seed, self.name)
        text = rng.choice(self._candidates(item))
        texts: list[tuple[str | None, str]] = list(item.options.items())
        position = rng.randrange(len(texts) + 1)
        texts.insert(position, (None, text))
        changes = relabel(item, texts)
        changes["metadata"]["added_option"] = list(changes["options"])[position]
        return [self.derived(item, "", **changes)]
