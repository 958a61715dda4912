"""`tools`: chain of thought with tools the model may call (a calculator by default): the model
calls a tool, reads its result (or the error in its call), and continues, for at most `max_rounds`
rounds; then it answers. Every tool use is in the trace beside the model calls."""

from __future__ import annotations

from pydantic import Field

from ..prompts import item_messages
from ..results import Prediction
from ..tools import build_tools
from ..trace import ToolUse as ToolEvent
from ..tools.loop import run_tool_loop
from .base import METHODS, Method, MethodParams


class ToolsParams(MethodParams):
    # Tool names; a trailing "*" offers every tool with that prefix ("medcalc_*": all 55 calculators).
    tools: tuple[str, ...] = ("calculator",)
    max_rounds: int = Field(4, ge=1)
    item_tools: bool = True  # also offer the tools the item names (metadata["tools"]: MedCalc's own calculator)


@METHODS.register("tools", aliases=("tool_use",))
class ToolUse(Method):
    name = "tools"
    description = "chain of thought with tool calls (calculator by default), bounded rounds"
    Params = ToolsParams
    tools = ("calculator",)

    async def __call__(self, item, ctx) -> Prediction:
        names = [*self.params.tools, *(item.metadata.get("tools") or () if self.params.item_tools else ())]
        # The engine's instances win: they are bound to the run's knowledge (the `search` tool's corpus).
        tools = {**build_tools(names), **ctx.tools}
        completion, conversation = await run_tool_loop(
            ctx.lm, item_messages("tools", item), self.params.sampling(), tools, ctx.trace,
            max_rounds=self.params.max_rounds)
        used = [m.name for m in conversation if m.role == "tool"]
        # The inputs the model chose, so a pure scorer can tell extraction from arithmetic errors.
        uses = [{"name": e.name, "arguments": e.arguments, "result": e.result, "error": e.error}
                for e in ctx.trace if isinstance(e, ToolEvent)]
        return Prediction(output=completion.text, info={"tool_calls": len(used), "tools_used": sorted(set(used)),
                                                        "tool_uses": uses})

