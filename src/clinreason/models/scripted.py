"""A deterministic in-process model: for tests of methods and graders, and for measuring
harness overhead with no model cost. Not a mock of any backend: it is a real `Model`."""

from __future__ import annotations

import asyncio
from typing import Callable

from . import tool_text
from .protocol import Capabilities, Completion, Message, ModelError, SamplingParams, Usage

Script = Callable[[list[Message], SamplingParams, int], str]


class ScriptedModel:
    """Answers with `script(messages, params, call_index)`, or cycles through a list of replies.

    The script sees the messages as they are (tool messages included). When the request offers
    tools, tool calls are parsed out of the reply by the text protocol (`tool_text`), so a test
    scripts a call as `<tool_call>{"name": ..., "arguments": {...}}</tool_call>`."""

    max_concurrency = 64
    capabilities = Capabilities(n=False, tools="text")

    def __init__(self, script: Script | list[str], identity: str = "scripted", delay_s: float = 0.0,
                 capabilities: Capabilities | None = None):
        self.identity = identity
        if capabilities is not None:  # e.g. tools="none", to test what a tool-less backend gets
            self.capabilities = capabilities
        self.delay_s = delay_s
        self.calls: list[tuple[list[Message], SamplingParams]] = []
        if isinstance(script, list):
            replies = script
            if not replies:
                raise ModelError("a scripted model needs at least one reply")
            self._script: Script = lambda m, p, i: replies[i % len(replies)]
        else:
            self._script = script

    async def complete(self, messages: list[Message], params: SamplingParams) -> Completion:
        index = len(self.calls)
        self.calls.append((messages, params))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        text = self._script(messages, params, index)
        prompt_tokens = sum(len(m.content.split()) for m in messages)
        completion_tokens = len(text.split())
        calls = []
        if tool_text.wants_tool_calls(params.tools, params.tool_choice):
            text, calls = tool_text.parse_tool_calls(text)
        return Completion(
            text=text,
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens),
            latency_s=self.delay_s,
            finish_reason="tool_calls" if calls else "stop",
            tool_calls=calls,
        )

    async def aclose(self) -> None:
        pass
