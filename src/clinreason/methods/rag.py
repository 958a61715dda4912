"""`rag`: retrieval-augmented chain of thought (Lewis et al., 2020; MedRAG, Xiong et al., 2024): the
question (with its options) is the query; the top k passages of the run's corpus (--corpus, default
MedQuAD) are shown numbered [P1]..[Pk] and the model reasons citing them, then answers. The passages,
their ids and scores are in the trace; the ids the answer cites are in the prediction's info."""

from __future__ import annotations

from pydantic import Field

from ..prompts import item_messages
from ..results import Prediction
from ._retrieval import cited_ids, for_prompt, query_of, retrieve
from .base import METHODS, Method, MethodParams


class RagParams(MethodParams):
    k: int = Field(3, ge=1, le=20)


@METHODS.register("rag", aliases=("medrag",))
class Rag(Method):
    name = "rag"
    description = "retrieve k passages (--corpus, default medquad), then chain of thought citing them [P1]"
    Params = RagParams
    knowledge = ("retriever",)

    async def __call__(self, item, ctx) -> Prediction:
        passages = await retrieve(ctx, query_of(item), self.params.k)
        messages = item_messages("rag", item, passages=for_prompt(passages))
        completion = await ctx.lm(messages, self.params.sampling(), tag="reasoning")
        return Prediction(output=completion.text, info={"passages": [p.id for p in passages],
                                                        "cited": cited_ids(completion.text, passages)})
