"""Tool-loop overhead per step with an instant model: `run_tool_loop` driving a ScriptedModel that
calls a tool at once, so the time measured is the loop's own (gateway, tool-call parsing, argument
validation, the tool, the ToolUse trace event), per tool step, for the arithmetic `calculator` and a
MedCalc calculator (medcalc-bench + pint unit checks).

    python bench/tool_loop.py              # 2,000 loops of 4 tool steps each, per tool
    python bench/tool_loop.py --loops 200  # quicker"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import table, write_result  # noqa: E402

from clinreason.chat import Message  # noqa: E402
from clinreason.models.gateway import Gateway  # noqa: E402
from clinreason.models.protocol import SamplingParams  # noqa: E402
from clinreason.models.scripted import ScriptedModel  # noqa: E402
from clinreason.tools import build_tools  # noqa: E402
from clinreason.tools.loop import run_tool_loop  # noqa: E402
from clinreason.trace import Trace  # noqa: E402

STEPS = 4  # tool rounds per loop (then a final answer)
CASES = {
    "calculator": ("calculator", {"expression": "(140 - 87) * 48 / (72 * 1.4)"}),
    "medcalc_creatinine_clearance": ("medcalc_creatinine_clearance", {
        "sex": "Male", "age": [87, "years"], "weight": [105.8, "lb"], "height": [163.0, "cm"],
        "creatinine": [1.4, "mg/dl"]}),
}


class NoCache:
    """Records nothing: the bench times the loop, not the store (bench/overhead.py times that)."""

    def cached_call(self, cache_key):
        return None

    def record_call(self, **fields) -> str:
        return "0"


def script(name: str, arguments: dict) -> list[str]:
    call = f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'
    return [call] * STEPS + ["ANSWER: 25"]


async def measure(case: str, loops: int) -> dict:
    name, arguments = CASES[case]
    tools = build_tools([name])
    per_step: list[float] = []
    for i in range(loops):
        model = ScriptedModel(script(name, arguments))
        trace = Trace()
        lm = Gateway(model, NoCache(), use_cache=False).for_item(f"i{i}", trace)
        start = time.perf_counter()
        await run_tool_loop(lm, [Message(role="user", content=f"question {i}")], SamplingParams(max_tokens=8), tools,
                            trace, max_rounds=STEPS + 1)
        per_step.append((time.perf_counter() - start) / STEPS)
        assert sum(e.type == "tool" for e in trace) == STEPS and not any(getattr(e, "error", None) for e in trace)
    tool_s = [e.latency_s for e in trace if e.type == "tool"]
    return {"tool": case, "loops": loops, "steps_per_loop": STEPS,
            "ms_per_step_median": statistics.median(per_step) * 1e3,
            "ms_per_step_p90": sorted(per_step)[int(0.9 * len(per_step))] * 1e3,
            "tool_run_ms_last_loop": statistics.mean(tool_s) * 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=2000)
    args = parser.parse_args()
    rows = [asyncio.run(measure(case, args.loops)) for case in CASES]
    print(table(rows, list(rows[0])))
    print(write_result("tool_loop", {"rows": rows}))


if __name__ == "__main__":
    main()
