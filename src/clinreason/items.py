"""One typed schema for every benchmark item.

Loaders turn each source format into `Item`s and nothing else; everything downstream
(methods, graders, store, reports) only ever sees this schema.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .chat import ImagePart, Message
from .errors import DataError  # noqa: F401  (re-exported: loaders raise it from here)


class TaskType(str, Enum):
    mcq = "mcq"  # pick one lettered option
    yes_no_maybe = "yes_no_maybe"  # gold is "yes" / "no" / "maybe"
    numeric = "numeric"  # gold is a number; tolerance in lower/upper
    open_ended = "open_ended"  # free text, judged
    ranked_list = "ranked_list"  # e.g. a differential diagnosis, top-k scored


YES_NO_MAYBE = ("yes", "no", "maybe")


class AnswerFormat(str, Enum):
    """How an answer is written, hence which parser reads it (grading.parsers) and how votes count."""

    letter = "letter"  # one option letter
    letters = "letters"  # a set of option letters (multi-answer exams)
    yes_no_maybe = "yes_no_maybe"
    number = "number"  # a number, right within `tolerance`
    date = "date"  # a calendar date (ISO text in `answer`)
    weeks_days = "weeks_days"  # a (weeks, days) pair, e.g. gestational age: "(4 weeks, 2 days)"
    text = "text"  # free text, compared by a judge or a task scorer
    ranked_list = "ranked_list"  # e.g. a differential diagnosis, top-k


# The format a task implies when a loader does not say otherwise.
DEFAULT_FORMAT = {
    TaskType.mcq: AnswerFormat.letter, TaskType.yes_no_maybe: AnswerFormat.yes_no_maybe,
    TaskType.numeric: AnswerFormat.number, TaskType.open_ended: AnswerFormat.text,
    TaskType.ranked_list: AnswerFormat.ranked_list,
}


class Tolerance(BaseModel):
    """The range of numeric answers counted right (inclusive). `rule` names how the benchmark
    defines it: "range" = within [lower, upper]; "exact" = equal to the gold; "rounded" = equal
    after rounding to `decimals` places."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    lower: float | None = None
    upper: float | None = None
    rule: str = "range"
    decimals: int | None = None


class RubricCriterion(BaseModel):
    """One criterion of a per-item rubric (HealthBench): points may be negative (a penalty)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    criterion: str
    points: float
    tags: tuple[str, ...] = ()


# Fields added by Item v2. Left out of the content hash while empty, so that items (and the runs
# planned on them) stored before v2 keep their hash: an old store opens and resumes.
_V2_FIELDS = ("messages", "facts", "answer_format", "tolerance", "source_id", "transform", "rubric", "images")


class Item(BaseModel):
    """A benchmark question, whatever its source format."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    benchmark: str
    question: str = Field(min_length=1)
    context: str | None = None
    # Ordered letter -> text. Insertion order is the display order.
    options: dict[str, str] = Field(default_factory=dict)
    # mcq: a letter among `options`; yes_no_maybe: "yes"/"no"/"maybe"; numeric: the number as text;
    # open_ended / ranked_list: the reference answer text.
    answer: str
    task: TaskType = TaskType.mcq
    language: str = "en"
    # Numeric tolerance (inclusive), when the benchmark gives one (kept flat for stored items;
    # read it through `tolerance_range`).
    lower: float | None = None
    upper: float | None = None
    # subject / specialty / difficulty / source / split, free-form but flat where possible.
    metadata: dict[str, Any] = Field(default_factory=dict)
    explanation: str | None = None  # reference reasoning, when the benchmark has it
    # --- v2 -------------------------------------------------------------------------------
    # A conversation as input (HealthBench): the model sees these messages instead of `question`
    # rendered through a template; `question` still holds the last user turn, for reports.
    messages: tuple[Message, ...] | None = None
    # Hidden information only a simulator sees (a patient's atomic facts, test results).
    facts: tuple[str, ...] = ()
    # None: the format the task implies (DEFAULT_FORMAT); see `format`.
    answer_format: AnswerFormat | None = None
    tolerance: Tolerance | None = None
    # A derived item (a probe: shuffled options, a bias sentence, ...) names its original and how
    # it was made, so paired statistics can match them.
    source_id: str | None = None
    transform: str | None = None
    rubric: tuple[RubricCriterion, ...] = ()
    # Images the question shows (VQA-RAD), named by content (`chat.ImagePart`); sent with the last
    # user message (prompts.item_messages). Their paths are no part of the content hash.
    images: tuple[ImagePart, ...] = ()

    @model_validator(mode="after")
    def _check_answer(self) -> Item:
        if self.tolerance is not None and (self.lower is not None or self.upper is not None):
            raise ValueError("give the tolerance either as `tolerance` or as lower/upper, not both")
        if self.messages is not None and not self.messages:
            raise ValueError("messages, when given, must hold at least one message")
        if self.source_id is not None and self.source_id == self.id:
            raise ValueError("a derived item needs an id of its own (source_id names the original)")
        if self.task == TaskType.mcq:
            if len(self.options) < 2:
                raise ValueError("an mcq item needs at least two options")
            if self.format == AnswerFormat.letter and self.answer not in self.options:
                raise ValueError(
                    f"gold answer {self.answer!r} is not among options {', '.join(self.options)}"
                )
        if self.task == TaskType.yes_no_maybe and self.answer not in YES_NO_MAYBE:
            raise ValueError(f"gold answer {self.answer!r} is not yes/no/maybe")
        if self.format == AnswerFormat.number:
            try:
                float(self.answer)
            except ValueError:
                raise ValueError(f"gold answer {self.answer!r} is not a number") from None
        elif self.format == AnswerFormat.date:
            try:
                date.fromisoformat(self.answer)
            except ValueError:
                raise ValueError(f"gold answer {self.answer!r} is not an ISO date (YYYY-MM-DD)") from None
        elif self.format == AnswerFormat.weeks_days and len(re.findall(r"\d+", self.answer)) not in (1, 2):
            raise ValueError(f"gold answer {self.answer!r} is not a (weeks, days) pair, e.g. '(4 weeks, 2 days)'")
        elif self.format == AnswerFormat.letters:
            letters = [x.strip() for x in self.answer.split(",")]
            if not all(x in self.options for x in letters):
                raise ValueError(f"gold answer {self.answer!r} is not a comma-separated set of option letters")
        return self

    @property
    def letters(self) -> list[str]:
        return list(self.options)

    @property
    def format(self) -> AnswerFormat:
        return self.answer_format or DEFAULT_FORMAT[self.task]

    @property
    def tolerance_range(self) -> Tolerance | None:
        """The tolerance, whichever way the loader gave it."""
        if self.tolerance is not None:
            return self.tolerance
        if self.lower is not None or self.upper is not None:
            return Tolerance(lower=self.lower, upper=self.upper)
        return None

    @property
    def original_id(self) -> str:
        return self.source_id or self.id

    def content_hash(self) -> str:
        """Stable hash of everything a model could see or be graded on."""
        data = self.model_dump(mode="json")
        _drop_image_paths(data)
        for name in _V2_FIELDS:
            if data[name] in (None, [], ()):
                del data[name]
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _drop_image_paths(data: dict) -> None:
    """Leave out where images were read (machine-specific) from a dumped item: content only. A
    message without images keeps its old shape (no "images" key), so conversation items keep their hash."""
    for image in data.get("images") or ():
        image.pop("path", None)
    for message in data.get("messages") or ():
        if message.get("images"):
            for image in message["images"]:
                image.pop("path", None)
        else:
            message.pop("images", None)


def option_letters(n: int) -> list[str]:
    """A, B, C, ... for n options (MMLU-Pro goes to J; stay sane beyond Z)."""
    if n > 26:
        raise ValueError(f"{n} options: at most 26 are supported")
    return [chr(ord("A") + i) for i in range(n)]
