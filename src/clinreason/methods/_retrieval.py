"""Shared by the retrieval methods (rag, i_medrag): search the run's retriever off the event loop,
record each search as a `Retrieval` event (ids, scores and the passage text shown to the model), and
read which passages an answer cites ([P3] -> the id of the third passage shown)."""

from __future__ import annotations

import asyncio
import re

from ..items import Item
from ..trace import Retrieval

MAX_PASSAGE_CHARS = 1500  # per passage in a prompt: a remote service's long documents are cut
_CITATION = re.compile(r"\[P(\d{1,3})\]")


def query_of(item: Item) -> str:
    """The first search: the question and its options (a conversation's last user turn for chat items)."""
    question = item.messages[-1].content if item.messages and item.messages[-1].role == "user" else item.question
    return " ".join([str(question), *item.options.values()])


async def retrieve(ctx, query: str, k: int) -> list:
    """Up to k passages for `query` from the run's retriever, recorded in the item's trace."""
    if ctx.retriever is None:
        raise RuntimeError("this method needs a retriever: the engine opens one from --corpus "
                           "(the method must declare knowledge = ('retriever',))")
    passages = await asyncio.to_thread(ctx.retriever.search, query, k)
    passages = [p for p in passages if p.text.strip()]
    ctx.add(Retrieval(source=ctx.retriever.name, query=query, doc_ids=[p.id for p in passages],
                      scores=[round(p.score, 4) for p in passages], passages=[shown(p) for p in passages]))
    return passages


def shown(passage) -> str:
    text = passage.text if len(passage.text) <= MAX_PASSAGE_CHARS else passage.text[:MAX_PASSAGE_CHARS] + " ..."
    return f"{passage.title}: {text}" if passage.title else text


def for_prompt(passages: list) -> list[dict]:
    return [{"title": "", "text": shown(p)} for p in passages]


def cited_ids(text: str, passages: list) -> list[str]:
    """Ids of the passages the text cites by number, in order of first citation."""
    numbers = dict.fromkeys(int(n) for n in _CITATION.findall(text or ""))
    return [passages[n - 1].id for n in numbers if 1 <= n <= len(passages)]
