"""`nota`: the correct option's text replaced by "None of the above" (the gold stays that letter: the
answer is now "none of these"); `nota_distractor`: a wrong option replaced instead (the gold is
unchanged, and "None of the above" is a wrong answer). A model that recognises its answer's text
but cannot rule out the rest fails the first; one drawn to the novel option fails the second.

Only single-answer English items: "none of the above" has no meaning for a set of answers, and an
English option in another language's item is a different probe."""

from __future__ import annotations

import re

from ..items import AnswerFormat, Item
from ._options import option_skip_reason, wrong_letter
from .base import PROBES, Probe

NONE_OF_THE_ABOVE = "None of the above"
# Items that already offer a catch-all option would have two: ambiguous, so they are skipped.
_CATCH_ALL = re.compile(r"\b(none|all|both|neither) of (the|these)\b", re.IGNORECASE)


def nota_skip_reason(item: Item, min_options: int) -> str | None:
    reason = option_skip_reason(item)
    if reason:
        return reason
    if item.format != AnswerFormat.letter:
        return "multi-answer"
    if item.language != "en":
        return f"not English ({item.language})"
    if len(item.options) < min_options:
        return f"fewer than {min_options} options"
    if any(_CATCH_ALL.search(text) for text in item.options.values()):
        return "already has a catch-all option"
    return None


@PROBES.register("nota", aliases=("none_of_the_above",))
class NoneOfTheAbove(Probe):
    name = "nota"
    description = 'the correct option\'s text replaced by "None of the above" (gold: that letter)'

    def skip_reason(self, item: Item) -> str | None:
        return nota_skip_reason(item, min_options=2)

    def derive(self, item: Item, seed: int = 0) -> list[Item]:
        options = {**item.options, item.answer: NONE_OF_THE_ABOVE}
        return [self.derived(item, "", options=options, metadata={**item.metadata, "nota": "gold"})]


@PROBES.register("nota_distractor")
class NoneOfTheAboveDistractor(Probe):
    name = "nota_distractor"
    description = 'a wrong option\'s text replaced by "None of the above" (gold unchanged)'

    def skip_reason(self, item: Item) -> str | None:
        return nota_skip_reason(item, min_options=3)  # the gold and at least one real distractor stay

    def derive(self, item: Item, seed: int = 0) -> list[Item]:
        target = wrong_letter(item, seed, self.name)
        options = {**item.options, target: NONE_OF_THE_ABOVE}
        return [self.derived(item, "", options=options,
                             metadata={**item.metadata, "nota": "distractor", "probe_target": target})]

