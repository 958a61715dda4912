"""Chat messages and tools in OpenAI's function-calling shape: the floor that items (a conversation as
input) and models (requests and completions) both stand on.

A request lists `ToolSpec`s (name, description, JSON Schema of the arguments); an assistant message
carries `ToolCall`s (id, name, arguments as JSON text); the result goes back as a message with role
"tool" and `tool_call_id`.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant", "tool"]


class ToolCall(BaseModel):
    """A model's request to run a tool. `arguments` is the JSON text the model wrote (it may be
    invalid: the tool loop reports that back to the model instead of crashing)."""

    model_config = ConfigDict(frozen=True)
    id: str
    name: str
    arguments: str = "{}"

    def parsed_arguments(self) -> dict[str, Any]:
        """The arguments as a dict; raises ValueError with a message fit to show the model."""
        try:
            value = json.loads(self.arguments or "{}")
        except json.JSONDecodeError as e:
            raise ValueError(f"arguments are not valid JSON ({e.msg} at position {e.pos})") from None
        if not isinstance(value, dict):
            raise ValueError("arguments must be a JSON object")
        return value


class ToolSpec(BaseModel):
    """What a model is told about a tool. Part of the request, hence of the cache key."""

    model_config = ConfigDict(frozen=True)
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})

    def openai(self) -> dict:
        return {"type": "function",
                "function": {"name": self.name, "description": self.description, "parameters": self.parameters}}


class ImagePart(BaseModel):
    """An image a message shows the model, named by the SHA-256 of its bytes. `path` is where it was
    read (to read the bytes again); it is no part of any hash or identity (the same image read from
    another folder is the same image). The bytes themselves are read through `clinreason.images`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    media_type: str = Field(pattern=r"^image/[a-z0-9.+-]+$")
    path: str | None = None

    def wire(self) -> dict:
        """The image as cache keys and stored requests see it: content only, never the path."""
        return {"sha256": self.sha256, "media_type": self.media_type}


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)
    role: Role
    content: str = ""
    # assistant messages: the tool calls it made; tool messages: which call this answers.
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None  # tool messages: the tool's name
    images: tuple[ImagePart, ...] = ()  # images shown with this (user) message

    def wire(self) -> dict:
        """The message as the cache key and the store see it: the pre-tools shape ({role, content})
        for plain messages, so keys and stored requests of runs made before tools existed hold.
        Images enter as {sha256, media_type} each, only when there are some (old keys unchanged)."""
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            out["tool_calls"] = [c.model_dump() for c in self.tool_calls]
        if self.tool_call_id is not None:
            out["tool_call_id"] = self.tool_call_id
        if self.name is not None:
            out["name"] = self.name
        if self.images:
            out["images"] = [image.wire() for image in self.images]
        return out
