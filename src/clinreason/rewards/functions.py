"""Reward functions on one completion and one item, built on the parsers and the answer scorer that
grading uses: a reward and a grade can never read the same text differently.

Each takes the completion text and the Item (see gold.item_from_gold for an Item from a dataset row)
and returns a float, or None where the reward does not apply (TRL then ignores it for that row).
Adapters for TRL, verifiers and OpenRLHF are in adapters.py."""

from __future__ import annotations

import re
from typing import Callable

from ..grading.parsers import parse_answer
from ..grading.scorers.answer import GRADABLE, AnswerScorer
from ..items import AnswerFormat, Item
from ..registry import Registry
from ..results import Prediction

RewardFn = Callable[[str, Item], "float | None"]
REWARDS: Registry[RewardFn] = Registry("reward")
_SCORER = AnswerScorer()


def grade(text: str, item: Item) -> float | None:
    """The `answer` scorer's value for this text as the item's output: exactly the grade evaluation
    stores (1.0 right, 0.0 wrong or unreadable); None for an item no rule can grade (free text)."""
    if item.format not in GRADABLE:
        return None
    return _SCORER(item, Prediction(output=text or "")).value


@REWARDS.register("correct", aliases=("accuracy", "answer"))
def correct(text: str, item: Item) -> float | None:
    """1.0 when the answer read from the completion matches the gold (letters, sets of letters by exact
    match, yes/no/maybe, numbers within the item's tolerance, dates, (weeks, days)); else 0.0."""
    return grade(text, item)


@REWARDS.register("hamming")
def hamming(text: str, item: Item) -> float | None:
    """Multi-answer items: |pred ∩ gold| / |pred ∪ gold| (partial credit, as FrenchMedMCQA reports it)."""
    if item.format != AnswerFormat.letters:
        return None
    return _SCORER(item, Prediction(output=text or "")).detail.get("hamming", 0.0)


@REWARDS.register("strict_format", aliases=("format",))
def strict_format(text: str, item: Item) -> float:
    """1.0 when the answer was given in the requested final-line format (`ANSWER: X`), whatever it is."""
    return 1.0 if parse_answer(text or "", item).strict else 0.0


_THINK = re.compile(r"^\s*<think>(?P<thought>.*?)</think>(?P<rest>.*)$", re.DOTALL)
_TAG = re.compile(r"</?think>")


@REWARDS.register("think_format")
def think_format(text: str, item: Item | None = None) -> float:
    """1.0 for `<think>reasoning</think>` then an answer: one non-empty think block first, no other think
    tag anywhere, and text after it. With an item, the text after the block must also give the answer
    in the requested format (the think/answer format of R1-style training)."""
    m = _THINK.match(text or "")
    if not m or not m.group("thought").strip() or not m.group("rest").strip():
        return 0.0
    if _TAG.search(m.group("thought")) or _TAG.search(m.group("rest")):
        return 0.0
    if item is not None and not parse_answer(m.group("rest"), item).strict:
        return 0.0
    return 1.0


def length_penalty(max_chars: int = 4000, floor: float = -1.0) -> RewardFn:
    """0.0 up to `max_chars` characters of completion (thinking included: it costs tokens too), then
    falling linearly to `floor` at twice that length: a penalty to add to a correctness reward so that
    long rambles cost something."""
    if max_chars <= 0:
        raise ValueError("max_chars must be positive")

    def penalty(text: str, item: Item | None = None) -> float:
        over = len(text or "") - max_chars
        if over <= 0:
            return 0.0
        return max(floor, floor * over / max_chars)

    penalty.__name__ = f"length_penalty_{max_chars}"
    return penalty


REWARDS.register("length_penalty")(length_penalty())


__all__ = ["REWARDS", "RewardFn", "correct", "grade", "hamming", "length_penalty", "strict_format", "think_format"]
