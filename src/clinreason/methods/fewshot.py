"""`fewshot`: k solved exemplars before the question (Brown et al., 2020), chosen at random or by
BM25 similarity to the question (kNN, as in Medprompt's dynamic few-shot; Nori et al., 2023).

Exemplars come from `prepare(pool)`, filled by the caller from `clinreason.exemplars` (train split,
else the benchmark's test items outside the evaluated subset). With `reasoning=true` an exemplar's
reference explanation, when the benchmark has one, is shown before its answer line."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..exemplars import ExemplarSelector
from ..results import Prediction
from .base import METHODS, Method, MethodParams
from ._common import fewshot_messages


class FewShotParams(MethodParams):
    k: int = Field(3, ge=1)
    selection: Literal["knn", "random"] = "knn"
    reasoning: bool = False  # ask for step-by-step reasoning and show exemplar explanations
    max_tokens: int = 64


@METHODS.register("fewshot", aliases=("few_shot",))
class FewShot(Method):
    name = "fewshot"
    description = "k exemplars (kNN by BM25 or random) from a pool outside the evaluated items"
    Params = FewShotParams
    needs_pool = True
    selector: ExemplarSelector | None = None

    def prepare(self, pool) -> None:
        self.selector = ExemplarSelector(pool, self.params.selection, seed=self.seed)

    def exemplars(self, item):
        if self.selector is None:
            raise ValueError(f"method {self.name!r} needs an exemplar pool: call prepare(pool) first")
        return self.selector.select(item, self.params.k)

    async def __call__(self, item, ctx) -> Prediction:
        lm = ctx.lm
        shots = self.exemplars(item)
        template = "fewshot_cot" if self.params.reasoning else "fewshot"
        messages = fewshot_messages(item, shots, template, reasoning=self.params.reasoning)
        completion = await lm(messages, self.params.sampling(), tag="answer")
        return Prediction(output=completion.text, info={"exemplars": [s.id for s in shots]})
