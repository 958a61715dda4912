"""`direct`: the answer only, no reasoning asked for. The baseline every method is compared to."""

from __future__ import annotations

from ..prompts import item_messages
from ..results import Prediction
from .base import METHODS, Method, MethodParams


class DirectParams(MethodParams):
    max_tokens: int = 64


@METHODS.register("direct", aliases=("zero_shot",))
class Direct(Method):
    name = "direct"
    description = "answer only (zero-shot)"
    Params = DirectParams

    async def __call__(self, item, ctx) -> Prediction:
        lm = ctx.lm
        completion = await lm(item_messages("direct", item), self.params.sampling(), tag="answer")
        return Prediction(output=completion.text)
