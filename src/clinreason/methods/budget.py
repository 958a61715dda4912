"""`budget`: test-time scaling by budget forcing, as in s1 (Muennighoff et al., 2025) and m1 (Huang
et al., 2025, medical). Thinking is capped at `budget` tokens, then the answer is forced; with
`waits` > 0, thinking that ends early is extended by appending "Wait" (up to `waits` times, within
the same total budget).

Chat APIs cannot continue an assistant message portably, so continuation is done by replaying the
thinking so far in a follow-up turn ("...Wait" -> continue; "time is up" -> answer). For models
with think tags (`think_tags=true`, e.g. R1-style), the first call stops at "</think>" and tags are
stripped from the replayed thinking; without them the plain reasoning text is used."""

from __future__ import annotations

import re

from pydantic import Field

from ..prompts import item_messages
from ..results import Prediction
from .base import METHODS, Method, MethodParams

_TAGS = re.compile(r"</?think>", re.IGNORECASE)


class BudgetParams(MethodParams):
    budget: int = Field(256, ge=1)  # thinking tokens, all extensions included
    waits: int = Field(0, ge=0)  # times to extend thinking that stopped before the budget
    answer_tokens: int = Field(24, ge=1)
    think_tags: bool = False
    max_tokens: int = 256  # not used here: `budget` and `answer_tokens` cap each call


@METHODS.register("budget", aliases=("budget_forcing",))
class BudgetForcing(Method):
    name = "budget"
    description = "budget forcing (s1/m1): cap thinking at a token budget, force the answer, or extend with 'Wait'"
    Params = BudgetParams

    async def __call__(self, item, ctx) -> Prediction:
        lm = ctx.lm
        p = self.params
        stop = ("</think>", "ANSWER:") if p.think_tags else ("ANSWER:",)
        first = await lm(item_messages("budget_think", item), p.sampling(max_tokens=p.budget, stop=stop), tag="think")
        thinking, used = _TAGS.sub("", first.text).strip(), first.usage.completion_tokens
        capped = used >= p.budget or first.finish_reason == "length"
        waits = 0
        while not capped and waits < p.waits and used < p.budget:
            more = await lm(item_messages("budget_wait", item, thinking=thinking),
                            p.sampling(max_tokens=p.budget - used, stop=stop), tag=f"wait{waits}")
            waits += 1
            thinking = f"{thinking}\nWait, {_TAGS.sub('', more.text).strip()}"
            used += more.usage.completion_tokens
            capped = used >= p.budget or more.finish_reason == "length"
        answer = await lm(item_messages("budget_answer", item, thinking=thinking),
                          p.sampling(max_tokens=p.answer_tokens), tag="answer")
        return Prediction(output=answer.text, info={"thinking_tokens": used, "budget": p.budget,
                                                    "waits_used": waits, "hit_budget": capped})
