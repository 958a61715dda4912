"""The method contract: `async def __call__(self, item, ctx) -> Prediction`.

A method gets the item and a `Context`: the run's models by role (`ctx.lm` is the model under
test; `ctx.role("patient")` another), the tools it may offer, a retriever when the run has one,
and the item's trace, where every model call lands by itself and where the method adds what else
happened (tool uses, retrievals, dialogue turns)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import math

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..items import Item
from ..models.gateway import LM
from ..models.protocol import SamplingParams
from ..registry import Registry
from ..results import Prediction
from ..trace import Retrieval, ToolUse, Trace, Turn

MODEL_ROLE = "model"  # the model under test


@dataclass
class Context:
    item: Item
    lms: dict[str, LM]
    trace: Trace = field(default_factory=Trace)
    tools: dict[str, Any] = field(default_factory=dict)  # name -> clinreason.tools.Tool
    retriever: Any = None  # clinreason.knowledge.Retriever, when the method declares "retriever"
    graph: Any = None  # the run's knowledge graph (clinreason.knowledge.graph), when it declares "graph"

    @property
    def lm(self) -> LM:
        return self.lms[MODEL_ROLE]

    def role(self, name: str) -> LM:
        try:
            return self.lms[name]
        except KeyError:
            raise KeyError(f"this method needs a {name!r} model: pass --{name} SPEC "
                           f"(roles in this run: {', '.join(sorted(self.lms))})") from None

    def add(self, event: ToolUse | Retrieval | Turn) -> None:
        self.trace.append(event)


class MethodParams(BaseModel):
    """Parameters every method has; subclasses add their own. Unknown names are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    temperature: float = Field(0.0, ge=0, allow_inf_nan=False)
    max_tokens: int = Field(512, ge=1)

    @model_validator(mode="after")
    def _sane(self):
        """Subclasses redeclare temperature and max_tokens with their own defaults (which drops the
        Field constraints above), so the rules every method shares are checked here too."""
        for name, value in self:
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if name == "temperature" and value < 0:
                raise ValueError("temperature must be at least 0")
            if (name.endswith("_tokens") or name == "max_tokens") and value < 1:
                raise ValueError(f"{name} must be at least 1")
        return self

    def sampling(self, **overrides: Any) -> SamplingParams:
        values = {"temperature": self.temperature, "max_tokens": self.max_tokens, **overrides}
        return SamplingParams(**values)


class Method:
    name: ClassVar[str]
    description: ClassVar[str] = ""
    Params: ClassVar[type[MethodParams]] = MethodParams

    def __init__(self, params: MethodParams | None = None, seed: int = 0):
        self.params = params or self.Params()
        self.seed = seed

    def config(self) -> dict[str, Any]:
        # Parameters added after runs were stored are left out while at their default, so the
        # run ids (a hash of this config) of those runs stay the same and they resume.
        omitted = getattr(self.params, "omitted_at_default", ())
        defaults = type(self.params).model_fields
        return {"method": self.name, **{k: v for k, v in self.params.model_dump(mode="json").items()
                                        if not (k in omitted and v == defaults[k].default)}}

    # Model roles the method needs besides the model under test (e.g. "patient"), and tools it
    # offers the model (names in clinreason.tools.TOOLS). The run plan checks both before starting.
    roles: ClassVar[tuple[str, ...]] = ()
    tools: ClassVar[tuple[str, ...]] = ()
    # Knowledge sources the method reads: "retriever" (ctx.retriever over --corpus) and/or "graph"
    # (ctx.graph from --graph). The engine opens each once per run; the run id records their identity.
    knowledge: ClassVar[tuple[str, ...]] = ()

    # Methods that show exemplars (few-shot, medprompt) set this; the caller (CLI, grid) then
    # fills `prepare` with a pool from `clinreason.exemplars`, because methods never read files.
    needs_pool: ClassVar[bool] = False

    def prepare(self, pool: list[Item]) -> None:
        """Receive the exemplar pool (never containing evaluated items). No-op by default."""

    async def __call__(self, item: Item, ctx: Context) -> Prediction:
        raise NotImplementedError


METHODS: Registry[type[Method]] = Registry("method")  # filled by the package's modules (see __init__)


def build_method(name: str, params: dict[str, Any] | None = None, seed: int = 0) -> Method:
    cls = METHODS.get(name)
    try:
        parsed = cls.Params(**(params or {}))
    except ValidationError as e:
        fields = ", ".join(cls.Params.model_fields)
        error = e.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise ValueError(f"method {cls.name!r}: bad parameters ({(where + ': ') if where else ''}"
                         f"{error['msg'].removeprefix('Value error, ')}); it takes: {fields}") from None
    return cls(parsed, seed=seed)
