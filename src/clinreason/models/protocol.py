"""The one model protocol: chat messages (+ tools) and sampling params -> completion(s).

Backends only translate this to their API and *declare* what they can do (`Capabilities`):
nothing downstream probes a backend with getattr. Caching, retries, concurrency limits and
accounting live in `clinreason.models.gateway`, so no backend reimplements them.

Tools follow OpenAI's function-calling shape: a request lists `ToolSpec`s (name, description,
JSON Schema of the arguments); an assistant message or completion carries `ToolCall`s (id, name,
arguments as JSON text); the result goes back as a message with role "tool" and `tool_call_id`.
"""

from __future__ import annotations

from typing import Any, Iterable, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from ..chat import Message, Role, ToolCall, ToolSpec
from ..errors import ModelError, TransientModelError
from ..redact import REDACTED

__all__ = ["REDACTED", "Backend", "Capabilities", "Completion", "Message", "Model", "ModelError", "MultiSampleModel",
           "Role", "SamplingParams", "ToolCall", "ToolSpec", "TransientModelError", "Usage", "redact", "redact_secrets"]


class SamplingParams(BaseModel):
    """What changes a completion. Everything here is part of the cache key."""

    model_config = ConfigDict(frozen=True)
    temperature: float = 0.0
    max_tokens: int = 512
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    logprobs: bool = False
    top_logprobs: int = 0
    # Constrain decoding to a JSON object (llama.cpp grammar / OpenAI `response_format`): judges
    # use it so that even a tiny model returns parseable verdicts.
    json_mode: bool = False
    json_schema: str | None = None  # JSON Schema text; in-process llama.cpp enforces it by grammar
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: Literal["auto", "none", "required"] | None = None

    def key(self) -> dict:
        """The params as the cache key sees them: fields added after the first release are left
        out while at their defaults, so keys of requests made before they existed still match."""
        data = self.model_dump(mode="json")
        if not self.tools:
            data.pop("tools")
        if self.tool_choice is None:
            data.pop("tool_choice")
        return data


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Completion(BaseModel):
    text: str
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    finish_reason: str | None = None
    # OpenAI-style list of {"token", "logprob", "top_logprobs": [...]}, when asked for.
    logprobs: list[dict[str, Any]] | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    cached: bool = False  # served from the store, no model call made

    def as_message(self) -> Message:
        """The assistant turn this completion is, to append to a conversation."""
        return Message(role="assistant", content=self.text, tool_calls=tuple(self.tool_calls))


class Capabilities(BaseModel):
    """What a backend can do, declared by the backend (never probed).

    n:     True  = `complete_n` returns n samples of one prompt in one request;
           False = one sample per request (the gateway sends parallel single requests);
           None  = the server decides: `complete_n` may return fewer samples than asked (or the
                   backend may set `n_honoured` afterwards) and the gateway then stops asking.
    tools: "native" = tool specs go in the request and tool calls come back structured;
           "text"   = tools are described in the prompt and calls parsed from the text
                      (`clinreason.models.tool_text`, a documented protocol);
           "none"   = a request with tools is refused before it is sent.
    vision: True = the backend sends `Message.images` to the model; False = it cannot, and the
            engine refuses, before the run, items that show images (engine.plan.check_vision).
    """

    model_config = ConfigDict(frozen=True)
    n: bool | None = False
    max_n: int | None = None  # cap on samples per request (None: the gateway's request slots)
    tools: Literal["native", "text", "none"] = "text"
    logprobs: bool = False
    json_schema: bool = False  # grammar-constrained JSON (else json_mode is best effort)
    vision: bool = False  # messages may carry images (Message.images); else a run with image items is refused


@runtime_checkable
class Model(Protocol):
    """A backend. `identity` names the model for the cache: same identity + same request
    must mean the same distribution of answers (so never include an API key). A backend that holds
    secrets derives from `Backend` and declares them (see `redact`)."""

    identity: str
    # How many requests the backend can usefully serve at once.
    max_concurrency: int
    capabilities: Capabilities

    async def complete(self, messages: list[Message], params: SamplingParams) -> Completion: ...

    async def aclose(self) -> None: ...


class Backend:
    """A small base for backends, for what every backend declares with a default.

    `redact(text)`: the text with every secret the backend holds (an API key, a password in its
    URL, ...) replaced by "[REDACTED]". A backend applies it to each error message and response text
    it produces; the gateway applies it again to everything it records. The default holds none.
    """

    secrets: tuple[str, ...] = ()

    def redact(self, text: str) -> str:
        return redact_secrets(text, self.secrets)


def redact(model: object, text: str) -> str:
    """`text` without `model`'s secrets. Declared, not probed: a backend that holds secrets derives
    from `Backend` (and overrides `secrets` or `redact`); any other backend holds none."""
    return model.redact(text) if isinstance(model, Backend) else text


def redact_secrets(text: str, secrets: Iterable[str]) -> str:
    """Each of `secrets` in `text` replaced by [REDACTED], longest first (a secret inside another
    goes with it)."""
    if not isinstance(text, str):
        return text
    for secret in sorted(secrets, key=len, reverse=True):
        if secret and secret in text:
            text = text.replace(secret, REDACTED)
    return text


class MultiSampleModel(Model, Protocol):
    """A backend whose capabilities.n is not False: several samples of one prompt per request."""

    async def complete_n(self, messages: list[Message], params: list[SamplingParams]) -> list[Completion]: ...
