"""`cot_sc`: self-consistency (Wang et al., 2023): n chains of thought sampled at temperature > 0,
majority vote on their answers.

Adaptive early stopping (`adaptive=true`, default): sampling stops as soon as the leader's margin
over the runner-up exceeds the samples left, so the answer is provably the one fixed-n voting would
give, at fewer tokens (cf. Aggarwal et al., 2023, "Let's sample step by step"). Sample i always
uses `sample=i` and seed `seed + i`, so an adaptive run and a fixed-n run share their first samples
through the cache and can be compared exactly; `info` records samples used vs n."""

from __future__ import annotations

from pydantic import Field

from ..prompts import item_messages
from ..results import Prediction
from ._common import voted_prediction
from ._voting import _batch_size, _should_stop, sample_votes  # noqa: F401  (tests reach them here)
from .base import METHODS, Method, MethodParams


class SelfConsistencyParams(MethodParams):
    n: int = Field(5, ge=1)
    temperature: float = 0.7
    adaptive: bool = True
    # Optional confidence rule: also stop once this share of at least `min_samples` agree.
    stop_share: float | None = Field(None, gt=0, le=1)
    min_samples: int = Field(3, ge=1)


@METHODS.register("cot_sc", aliases=("self_consistency", "cot-sc"))
class SelfConsistency(Method):
    name = "cot_sc"
    description = "self-consistency: n sampled chains of thought, majority vote, adaptive early stop"
    Params = SelfConsistencyParams

    async def __call__(self, item, ctx) -> Prediction:
        lm = ctx.lm
        messages = item_messages("cot_sc", item)
        texts, answers, info = await sample_votes(self, item, lm, self.params.n, lambda i: messages)
        return voted_prediction(texts, answers, **info)
