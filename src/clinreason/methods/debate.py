"""`debate` (multi-persona): several agents with different clinical roles answer independently, then
read each other's answers and revise for `rounds` rounds (Du et al., 2023, multi-agent debate;
Wang et al., 2024, multi-persona). The final answers are aggregated by majority vote. The debate
ends early once all agents agree, since another round cannot change a unanimous vote."""

from __future__ import annotations

from pydantic import Field

from ..results import Prediction
from ._common import tally, voted_prediction
from ._discussion import ROLES, discuss
from .base import METHODS, Method, MethodParams

class DebateParams(MethodParams):
    agents: int = Field(3, ge=1)
    rounds: int = Field(2, ge=0)  # revision rounds after the first answers
    max_tokens: int = 256


@METHODS.register("debate", aliases=("multi_persona", "multipersona"))
class Debate(Method):
    name = "debate"
    description = "multi-persona debate: role agents answer, read each other, revise r rounds, vote"
    Params = DebateParams

    async def __call__(self, item, ctx) -> Prediction:
        lm = ctx.lm
        if not 1 <= self.params.agents <= len(ROLES):
            raise ValueError(f"debate: agents must be 1..{len(ROLES)}")
        roles = list(ROLES[: self.params.agents])
        texts, history = await discuss(item, lm, roles, self.params.rounds, self.params.sampling())
        final = history[-1]
        return voted_prediction(texts, final, roles=roles, answers_by_round=history,
                                rounds_run=len(history) - 1, unanimous=len(tally(final)) == 1)
