"""`kg_paths`: knowledge-graph grounded chain of thought (after MedReason, Wu et al., 2025, and
KG-Rank, Yang et al., 2024). Entities named in the question and in each option are linked to the
run's graph (--graph, default Hetionet); the shortest paths between them (≤ max_hops, a few per
option) are shown as sentences ("Propranolol —treats→ hypertension"), then the model reasons and
answers. Every kept path is in the trace: one Retrieval per (question entity, option entity) pair,
its path ids and sentences."""

from __future__ import annotations

from pydantic import Field

from ..knowledge.graph_evidence import option_evidence
from ..prompts import item_messages
from ..results import Prediction
from ..trace import Retrieval
from .base import METHODS, Method, MethodParams


class KgPathsParams(MethodParams):
    max_hops: int = Field(3, ge=1, le=4)
    paths_per_option: int = Field(4, ge=1, le=20)
    paths_per_pair: int = Field(2, ge=1, le=10)
    max_entities: int = Field(12, ge=1, le=50)  # question entities used, the more clinical kinds first


@METHODS.register("kg_paths", aliases=("kg", "kg_rag"))
class KgPaths(Method):
    name = "kg_paths"
    description = "knowledge-graph paths (--graph, default hetionet) from question to option entities, then chain of thought"
    Params = KgPathsParams
    knowledge = ("graph",)

    async def __call__(self, item, ctx) -> Prediction:
        graph = ctx.graph
        if graph is None:
            raise ValueError("kg_paths needs a knowledge graph: the run opens one (--graph, default hetionet)")
        question = f"{item.context}\n{item.question}" if item.context else item.question
        p = self.params
        evidence = option_evidence(graph, question, item.options or {}, max_hops=p.max_hops,
                                   per_option=p.paths_per_option, per_pair=p.paths_per_pair,
                                   max_entities=p.max_entities)
        for option in evidence:
            for pair in option.pairs:
                ctx.add(Retrieval(source=graph.source, query=f"{_entity(graph, pair.source)} | {_entity(graph, pair.target)}",
                                  doc_ids=[path.id for path in pair.paths], passages=list(pair.sentences)))
        messages = item_messages("kg_paths", item, evidence=evidence, graph=graph.name)
        completion = await ctx.lm(messages, p.sampling(), tag="reasoning")
        return Prediction(output=completion.text, info={
            "kg_paths": {option.letter: len(option.sentences) for option in evidence},
            "kg_option_entities": {option.letter: [graph.node_name(n) for n in option.entities] for option in evidence}})


def _entity(graph, node: str) -> str:
    """"Nausea (Symptom)": the kind tells apart nodes that share a name (Hetionet's symptom and side effect)."""
    return f"{graph.node_name(node)} ({graph.kind(node)})"
