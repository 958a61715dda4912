"""`cot`: zero-shot chain of thought (Kojima et al., 2022), then the ANSWER line."""

from __future__ import annotations

from ..prompts import item_messages
from ..results import Prediction
from ._confidence import ConfidenceParams, confidence_info
from .base import METHODS, Method


@METHODS.register("cot")
class ChainOfThought(Method):
    name = "cot"
    description = "zero-shot chain-of-thought; confidence=true / logprobs=true record a confidence"
    Params = ConfidenceParams

    async def __call__(self, item, ctx) -> Prediction:
        lm = ctx.lm
        p = self.params
        completion = await lm(item_messages("cot", item, confidence=p.confidence), p.answer_sampling(lm), tag="reasoning")
        return Prediction(output=completion.text, info=confidence_info(p, completion, item.options))
