"""Typed trace events: what happened while a method worked on one item.

A prediction's trace is a list of these, stored as JSON with a `type` tag, so the report can show a
dialogue as a dialogue and a tool loop as a tool loop. Model calls point at the stored request and
response by their content-addressed call id; the other events carry their own content.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, TypeAdapter


class ModelCall(BaseModel):
    type: Literal["model_call"] = "model_call"
    role: str = "model"  # which of the run's models: model (under test), patient, judge, extractor, ...
    call_id: str | int | None = None  # calls.id in the store (int only in traces stored before v2)
    tag: str = ""
    cached: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    tool_calls: list[str] = Field(default_factory=list)  # names of the tools the model asked for


class ToolUse(BaseModel):
    type: Literal["tool"] = "tool"
    name: str
    call_id: str = ""  # the model's tool-call id
    arguments: Any = None  # parsed arguments (or the raw text when they did not parse)
    result: str | None = None
    error: str | None = None  # told to the model instead of a result
    latency_s: float = 0.0


class Retrieval(BaseModel):
    type: Literal["retrieval"] = "retrieval"
    source: str  # corpus / graph / retriever name
    query: str
    doc_ids: list[str] = Field(default_factory=list)
    scores: list[float] = Field(default_factory=list)
    passages: list[str] = Field(default_factory=list)  # the text of each retrieved id (empty in older traces)


class Turn(BaseModel):
    """One utterance in a dialogue between roles (doctor asks, patient answers, ...)."""

    type: Literal["turn"] = "turn"
    speaker: str
    text: str
    role: str | None = None  # the model role that produced it, when a model did
    # Episodes (interactive consultation); defaults keep older traces valid. speaker is then "doctor",
    # "patient" or "measurement".
    kind: Literal["question", "test", "answer", "reply", "intermediate"] | None = None
    turn: int | None = None  # 1-based episode turn
    facts: list[int] = Field(default_factory=list)  # 0-based indices into item.facts this reply revealed
    answer: str | None = None  # the doctor's answer as the item's parser read it (intermediate / answer)


TraceEvent = Annotated[Union[ModelCall, ToolUse, Retrieval, Turn], Field(discriminator="type")]
_ADAPTER: TypeAdapter = TypeAdapter(TraceEvent)


def parse_event(data: dict) -> ModelCall | ToolUse | Retrieval | Turn:
    """An event from its stored JSON; entries stored before typed traces are model calls."""
    if "type" not in data:
        data = {"type": "model_call", **data}
    return _ADAPTER.validate_python(data)


def parse_trace(entries: list[dict]) -> list[ModelCall | ToolUse | Retrieval | Turn]:
    return [parse_event(e) for e in entries]


class Trace(list):
    """The events of one item, in order. Shared by every role's LM and by the method's context."""

    def model_calls(self, role: str | None = None) -> list[ModelCall]:
        return [e for e in self if isinstance(e, ModelCall) and (role is None or e.role == role)]

    def dump(self) -> list[dict]:
        return [e.model_dump(mode="json", exclude_defaults=False) for e in self]
