"""`direct`: the answer only, no reasoning asked for. The baseline every method is compared to."""

from __future__ import annotations

from ..prompts import item_messages
from ..results import Prediction
from ._confidence import ConfidenceParams, confidence_info
from .base import METHODS, Method


class DirectParams(ConfidenceParams):
    max_tokens: int = 64


@METHODS.register("direct", aliases=("zero_shot",))
class Direct(Method):
    name = "direct"
    description = "answer only (zero-shot); confidence=true / logprobs=true record a confidence"
    Params = DirectParams

    async def __call__(self, item, ctx) -> Prediction:
        lm = ctx.lm
        p = self.params
        completion = await lm(item_messages("direct", item, confidence=p.confidence), p.answer_sampling(lm), tag="answer")
        return Prediction(output=completion.text, info=confidence_info(p, completion, item.options))
