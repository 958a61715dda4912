"""The tool loop: the model answers or calls tools; each call runs, its result (or the error the
model must fix) goes back as a tool message; bounded rounds. Every use is a `ToolUse` event."""

from __future__ import annotations

import time

from ..chat import Message
from ..models.gateway import LM
from ..models.protocol import Completion, SamplingParams
from ..trace import ToolUse, Trace
from .base import Tool, ToolError


async def run_tool_loop(lm: LM, messages: list[Message], params: SamplingParams, tools: dict[str, Tool],
                        trace: Trace, *, max_rounds: int = 4, tag: str = "tools") -> tuple[Completion, list[Message]]:
    """-> (the final completion, the whole conversation). After `max_rounds` rounds of tool calls
    the model is asked once more with tools withheld, so it must answer."""
    params = params.model_copy(update={"tools": tuple(t.spec() for t in tools.values())})
    conversation = list(messages)
    for round_no in range(max_rounds + 1):
        last = round_no == max_rounds
        completion = await lm(conversation, params.model_copy(update={"tools": ()}) if last else params,
                              tag=f"{tag}{round_no}")
        if not completion.tool_calls or last:
            return completion, conversation + [completion.as_message()]
        conversation.append(completion.as_message())
        for call in completion.tool_calls:
            conversation.append(Message(role="tool", tool_call_id=call.id, name=call.name,
                                        content=_run_one(call, tools, trace)))
    raise AssertionError("unreachable")


def _run_one(call, tools: dict[str, Tool], trace: Trace) -> str:
    start = time.perf_counter()
    event = ToolUse(name=call.name, call_id=call.id, arguments=call.arguments)
    try:
        tool = tools.get(call.name)
        if tool is None:
            raise ToolError(f"no tool named {call.name!r}; available: {', '.join(sorted(tools))}")
        try:
            arguments = call.parsed_arguments()
        except ValueError as e:
            raise ToolError(str(e)) from None
        event.arguments = arguments
        event.result = tool.run(arguments)
        content = event.result
    except ToolError as e:
        event.error = str(e)
        content = f"error: {e}"
    except Exception as e:  # noqa: BLE001 - a tool's own bug is reported to the model, never crashes the run
        event.error = f"the tool failed ({type(e).__name__}: {e})"
        content = f"error: {event.error}"
    event.latency_s = time.perf_counter() - start
    trace.append(event)
    return content
