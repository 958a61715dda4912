"""`cot`: zero-shot chain of thought (Kojima et al., 2022), then the ANSWER line."""

from __future__ import annotations

from ..prompts import item_messages
from ..results import Prediction
from .base import METHODS, Method


@METHODS.register("cot")
class ChainOfThought(Method):
    name = "cot"
    description = "zero-shot chain-of-thought"

    async def __call__(self, item, ctx) -> Prediction:
        lm = ctx.lm
        completion = await lm(item_messages("cot", item), self.params.sampling(), tag="reasoning")
        return Prediction(output=completion.text)
