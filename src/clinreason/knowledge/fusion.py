"""Reciprocal-rank fusion (Cormack et al., 2009) of several retrievers: a passage's fused score is the
sum over retrievers of 1 / (K + rank). Ranks, not raw scores, so BM25 scores and a dense service's
cosines combine without calibration."""

from __future__ import annotations

from dataclasses import replace

from . import Passage, Retriever

RRF_K = 60  # the constant of the paper: damps the weight of the very first ranks


class FusedRetriever:
    def __init__(self, retrievers: list[Retriever], k_rrf: int = RRF_K, depth: int = 20):
        self.retrievers, self.k_rrf, self.depth = list(retrievers), k_rrf, depth
        self.name = "+".join(r.name for r in self.retrievers)

    def search(self, query: str, k: int) -> list[Passage]:
        fused: dict[str, float] = {}
        first: dict[str, Passage] = {}
        for retriever in self.retrievers:
            for rank, passage in enumerate(retriever.search(query, max(k, self.depth)), start=1):
                fused[passage.id] = fused.get(passage.id, 0.0) + 1.0 / (self.k_rrf + rank)
                first.setdefault(passage.id, passage)
        ranked = sorted(fused, key=lambda pid: (-fused[pid], pid))[:k]
        return [replace(first[pid], score=fused[pid]) for pid in ranked]
