"""`self_refine`: Self-Refine (Madaan et al., 2023): a chain-of-thought answer, then up to `rounds`
of self-critique -> revision. A critique ending in "VERDICT: correct" stops early (the paper's stop
condition); the last revision is the output that is graded."""

from __future__ import annotations

import re

from pydantic import Field

from ..prompts import item_messages
from ..results import Prediction
from .base import METHODS, Method, MethodParams
from ._common import answer_of

_VERDICT_OK = re.compile(r"verdict\W*correct", re.IGNORECASE)


class SelfRefineParams(MethodParams):
    rounds: int = Field(2, ge=0)
    stop_on_correct: bool = True


@METHODS.register("self_refine", aliases=("self-refine",))
class SelfRefine(Method):
    name = "self_refine"
    description = "answer -> self-critique -> revise, for r rounds (early stop on 'VERDICT: correct')"
    Params = SelfRefineParams

    async def __call__(self, item, ctx) -> Prediction:
        lm = ctx.lm
        sampling = self.params.sampling()
        draft = (await lm(item_messages("cot", item), sampling, tag="draft")).text
        history = [answer_of(draft, item)]
        stopped = None
        for r in range(self.params.rounds):
            critique = (await lm(item_messages("self_refine_critique", item, draft=draft), sampling,
                                 tag=f"critique{r}")).text
            if self.params.stop_on_correct and _VERDICT_OK.search(critique):
                stopped = r
                break
            draft = (await lm(item_messages("self_refine_revise", item, draft=draft, critique=critique), sampling,
                              tag=f"revise{r}")).text
            history.append(answer_of(draft, item))
        return Prediction(output=draft, info={"answers_by_round": history, "rounds_run": len(history) - 1,
                                              "stopped_at_critique": stopped})
