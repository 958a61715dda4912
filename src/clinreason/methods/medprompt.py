"""`medprompt`: Medprompt (Nori et al., 2023): kNN-selected few-shot exemplars + chain of thought +
choice-shuffle ensemble. Each sample shows the options in a different order (seeded per item and
sample), its answer letter is mapped back to the original letter, and the mapped answers are voted.

Differences from the paper: exemplar reasoning is the benchmark's reference explanation when it has
one (the paper had GPT-4 write CoT for training items), and kNN is BM25 rather than embeddings.
Adaptive stopping works as in `cot_sc`. Yes/no/maybe items have no options to shuffle."""

from __future__ import annotations

import random

from pydantic import Field

from ..exemplars import ExemplarSelector
from ..results import Prediction
from .base import METHODS, Method, MethodParams
from ._common import fewshot_messages, shuffle_options, voted_prediction
from ._voting import sample_votes


class MedpromptParams(MethodParams):
    k: int = Field(3, ge=1)
    n: int = Field(5, ge=1)
    temperature: float = 0.7
    shuffle: bool = True
    adaptive: bool = True
    stop_share: float | None = Field(None, gt=0, le=1)
    min_samples: int = Field(3, ge=1)


@METHODS.register("medprompt")
class Medprompt(Method):
    name = "medprompt"
    description = "kNN few-shot + CoT + choice-shuffle ensemble (votes mapped back)"
    Params = MedpromptParams
    needs_pool = True
    selector: ExemplarSelector | None = None

    def prepare(self, pool) -> None:
        self.selector = ExemplarSelector(pool, "knn", seed=self.seed)

    def permutation(self, item, i: int):
        """Sample i's shown options and shown->original letter map (identity when not shuffling)."""
        if not self.params.shuffle or not item.options or item.task.value != "mcq":
            return item.options, {k: k for k in item.options}
        return shuffle_options(item.options, random.Random(f"{self.seed}:{item.id}:{i}"))

    async def __call__(self, item, ctx) -> Prediction:
        lm = ctx.lm
        if self.selector is None:
            raise ValueError("method 'medprompt' needs an exemplar pool: call prepare(pool) first")
        shots = self.selector.select(item, self.params.k)
        perms = [self.permutation(item, i) for i in range(self.params.n)]

        def make(i):
            return fewshot_messages(item, shots, "fewshot_cot", reasoning=True, options=perms[i][0])

        # A shuffled sample's letter means the option shown under it: map back before voting.
        texts, answers, info = await sample_votes(
            self, item, lm, self.params.n, make, map_back=lambda i, a: perms[i][1].get(a, a),
            shown_item=lambda i: item.model_copy(update={"options": perms[i][0]}))
        info["exemplars"] = [s.id for s in shots]
        info["orders"] = [list(perms[i][1].values()) for i in range(info["samples_used"])]
        return voted_prediction(texts, answers, **info)
