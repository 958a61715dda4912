"""`tools`: chain of thought with tools the model may call (a calculator by default): the model
calls a tool, reads its result (or the error in its call), and continues, for at most `max_rounds`
rounds; then it answers. Every tool use is in the trace beside the model calls."""

from __future__ import annotations

from pydantic import Field

from ..prompts import item_messages
from ..results import Prediction
from ..tools import build_tools
from ..tools.loop import run_tool_loop
from .base import METHODS, Method, MethodParams


class ToolsParams(MethodParams):
    tools: tuple[str, ...] = ("calculator",)
    max_rounds: int = Field(4, ge=1)


@METHODS.register("tools", aliases=("tool_use",))
class ToolUse(Method):
    name = "tools"
    description = "chain of thought with tool calls (calculator by default), bounded rounds"
    Params = ToolsParams
    tools = ("calculator",)

    async def __call__(self, item, ctx) -> Prediction:
        tools = {**build_tools(self.params.tools), **ctx.tools}
        completion, conversation = await run_tool_loop(
            ctx.lm, item_messages("tools", item), self.params.sampling(), tools, ctx.trace,
            max_rounds=self.params.max_rounds)
        used = [m.name for m in conversation if m.role == "tool"]
        return Prediction(output=completion.text, info={"tool_calls": len(used), "tools_used": sorted(set(used))})
