"""`i_medrag`: iterative follow-up queries (i-MedRAG, Xiong et al., 2024). Starting from the passages
for the question itself, for `rounds` rounds the model writes up to `queries` search queries
("QUERY: ..." lines) given what it has read so far; each is searched (k passages, duplicates dropped);
then the model answers with every passage gathered, citing them [P1]. Simplification of the paper:
the follow-up queries are not answered one by one (that costs a call per query); their passages go
straight into the final context. Each search is a Retrieval event in the trace."""

from __future__ import annotations

import re

from pydantic import Field

from ..prompts import item_messages
from ..results import Prediction
from ._retrieval import cited_ids, for_prompt, query_of, retrieve
from .base import METHODS, Method, MethodParams

_QUERY = re.compile(r"^\s*(?:[-*\d.)\s]*)(?:query|search)\s*\d*\s*[:：]\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
MAX_QUERY_CHARS = 300


class IMedRagParams(MethodParams):
    rounds: int = Field(2, ge=1, le=10)
    queries: int = Field(2, ge=1, le=10)  # follow-up queries per round
    k: int = Field(2, ge=1, le=20)  # passages per query
    max_passages: int = Field(8, ge=1, le=50)  # shown in the final prompt (a small model's context is short)
    query_tokens: int = Field(96, ge=1)


def follow_up_queries(text: str, limit: int) -> list[str]:
    """The model's "QUERY: ..." lines; when it wrote none, its first non-empty line (so every round searches)."""
    found = [q.strip(" \"'")[:MAX_QUERY_CHARS] for q in _QUERY.findall(text or "")]
    if not found:
        first = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
        found = [first[:MAX_QUERY_CHARS]] if first else []
    return list(dict.fromkeys(q for q in found if q))[:limit]


@METHODS.register("i_medrag", aliases=("i-medrag", "imedrag"))
class IMedRag(Method):
    name = "i_medrag"
    description = "the model writes follow-up search queries for r rounds, each retrieved, then answers citing passages"
    Params = IMedRagParams
    knowledge = ("retriever",)

    async def __call__(self, item, ctx) -> Prediction:
        p = self.params
        gathered = {x.id: x for x in await retrieve(ctx, query_of(item), p.k)}
        asked: list[str] = []
        for r in range(p.rounds):
            shown = list(gathered.values())[:p.max_passages]
            reply = await ctx.lm(item_messages("i_medrag_query", item, passages=for_prompt(shown), queries=asked,
                                               n_queries=p.queries),
                                 p.sampling(max_tokens=p.query_tokens), tag=f"queries{r}")
            new = [q for q in follow_up_queries(reply.text, p.queries) if q not in asked]
            for query in new:
                for passage in await retrieve(ctx, query, p.k):
                    gathered.setdefault(passage.id, passage)
            asked.extend(new)
            if not new:
                break  # nothing new to search: more rounds would repeat this one
        passages = list(gathered.values())[:p.max_passages]
        completion = await ctx.lm(item_messages("i_medrag_answer", item, passages=for_prompt(passages), queries=asked),
                                  p.sampling(), tag="answer")
        return Prediction(output=completion.text, info={"queries": asked, "passages": [x.id for x in passages],
                                                        "cited": cited_ids(completion.text, passages)})
