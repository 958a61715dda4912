"""`one_shot`: one solved exemplar of the item's own kind before the question, as MedCalc-Bench's
one-shot prompt (run.py `one_shot`): the exemplar is the pool item that shares the item's
`metadata[match]` (the calculator id), shown with its reference explanation, then its answer; as
there, the exemplar is asked the evaluated item's question. When no pool item matches, the
BM25-nearest one is used. The pool comes from `prepare` (MedCalc-Bench: its `train` subset, the 55
published exemplars); methods never read files."""

from __future__ import annotations

from ..exemplars import ExemplarSelector
from ..results import Prediction
from ._common import fewshot_messages
from .base import METHODS, Method, MethodParams


class OneShotParams(MethodParams):
    match: str = "calculator_id"  # the metadata key an exemplar must share with the item
    max_tokens: int = 512


@METHODS.register("one_shot", aliases=("oneshot",))
class OneShot(Method):
    name = "one_shot"
    description = "one exemplar sharing the item's calculator (metadata key), with its explanation"
    Params = OneShotParams
    needs_pool = True
    by_key: dict | None = None
    nearest: ExemplarSelector | None = None

    def prepare(self, pool) -> None:
        self.by_key = {}
        for item in pool:
            self.by_key.setdefault(item.metadata.get(self.params.match), item)
        self.nearest = ExemplarSelector(pool, "knn", seed=self.seed)

    def exemplar(self, item):
        if self.by_key is None or self.nearest is None:
            raise ValueError(f"method {self.name!r} needs an exemplar pool: call prepare(pool) first")
        shot = self.by_key.get(item.metadata.get(self.params.match))
        if shot is None or shot.id == item.id:
            shot = next(iter(self.nearest.select(item, 1)), None)
        if shot is None:
            raise ValueError("no exemplar outside the evaluated item")
        return shot

    async def __call__(self, item, ctx) -> Prediction:
        shot = self.exemplar(item)
        shown = shot.model_copy(update={"question": item.question})  # MedCalc shows the item's own task
        messages = fewshot_messages(item, [shown], "fewshot_cot", reasoning=True)
        completion = await ctx.lm(messages, self.params.sampling(), tag="answer")
        return Prediction(output=completion.text, info={"exemplars": [shot.id]})
