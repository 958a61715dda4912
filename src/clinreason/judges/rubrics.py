"""The judge-rubric contract and registry. A rubric decides which items it applies to, asks a
`Judge` (or, for rule-based scorers such as MEDEC, nobody) and returns a score dict for the
store's `scores` table: {value, label, detail}. `detail["units"]` maps each labelled unit
(an item-level verdict, a step, a criterion) to a label: trust statistics compare those."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ..items import Item, TaskType
from ..registry import Registry
if TYPE_CHECKING:  # the judge machinery (gateway, prompts) loads only when a judge runs
    from .base import Judge, Verdict

# Variants re-judge the same item to measure the judge itself (see `trust`).
MAIN, REPEAT, SWAP = "main", "repeat", "swap"


class Rubric:
    name: ClassVar[str]
    description: ClassVar[str] = ""
    needs_judge: ClassVar[bool] = True
    variants: ClassVar[tuple[str, ...]] = (REPEAT,)  # trust variants that make sense for it

    @property
    def scorer(self) -> str:
        return f"judge:{self.name}" if self.needs_judge else self.name

    def applies(self, item: Item) -> bool:
        return True

    async def score(self, judge: Judge | None, item: Item, output: str, variant: str = MAIN) -> dict:
        raise NotImplementedError


RUBRICS: Registry[type[Rubric]] = Registry("judge rubric")


def scorer_name(scorer: str, variant: str) -> str:
    return scorer if variant == MAIN else f"{scorer}@{variant}"


def is_open(item: Item) -> bool:
    """Free-text diagnosis / treatment items whose answer a judge compares with the gold."""
    return item.task in (TaskType.open_ended, TaskType.ranked_list) and not item.metadata.get("answer_format")


def invalid_score(verdict: Verdict, judge: Judge, **detail) -> dict:
    """A judge that never produced valid output: recorded, not guessed (value None)."""
    return {"value": None, "label": "judge_refused" if verdict.refused else "judge_invalid",
            "detail": {"error": verdict.error, "judge": judge.identity, "cost": verdict.cost(), **detail}}


def seed_offset(variant: str) -> int:
    return 1 if variant == REPEAT else 0
