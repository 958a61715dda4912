"""What a method produces (`Prediction`) and what a scorer makes of it (`Score`): typed records
that travel from methods to scorers to the store, never as loose dicts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Prediction(BaseModel):
    output: str  # the final text the grader reads
    answer: str | None = None  # set when the method itself decides (e.g. a vote); else parsers read `output`
    # How `answer` was reached, when the method set it: the rule ("vote", "extractor:model", ...) and
    # whether it counts as given in the requested format (a vote: every counted sample was).
    # None = a method's own decision, counted strict as before.
    rule: str | None = None
    strict: bool | None = None
    info: dict[str, Any] = Field(default_factory=dict)  # votes, rounds, branch taken, ...


class Score(BaseModel):
    """One scorer's verdict on one item. value None = not gradable by this scorer (needs a judge,
    or the judge failed); label names the outcome (an answer, "unparsed", "error", ...)."""

    value: float | None
    label: str
    detail: dict[str, Any] = Field(default_factory=dict)
    version: str | None = None  # the scorer's version: `regrade` redoes stale scores

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label, "detail": self.detail, "version": self.version}
