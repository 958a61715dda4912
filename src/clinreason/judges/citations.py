"""`judge:citations` — does the evidence an answer cites support it? For grounded methods (`rag`,
`i_medrag`, `kg_paths`) whose trace holds the retrieved passages or graph paths: the passages the
response cites by id ([P2], [K1]) are shown to the judge with the answer, and it decides whether
they support that answer. An answer that cites nothing is `no_citation` (value 0): grounding
that the answer does not use is not grounding."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from ..items import Item
from .base import PLACEHOLDER_REASON, Judge
from .rubrics import MAIN, RUBRICS, Rubric, invalid_score, seed_offset

MAX_PASSAGES = 8
_CITATION = re.compile(r"\[([A-Za-z]{1,3}\d{1,4})\]")


class CitationJudgement(BaseModel):
    # Neutral content: a judge that copies the example must not look like a medical verdict.
    model_config = ConfigDict(json_schema_extra={"example": {"supported": False, "supporting_ids": [],
                                                             "reason": PLACEHOLDER_REASON}})
    supported: bool
    supporting_ids: list[str] = []
    reason: str = ""


def evidence_from_trace(trace: list[dict]) -> dict[str, str]:
    """Passage id -> text, from the trace's retrieval events (first text seen for an id wins)."""
    evidence: dict[str, str] = {}
    for event in trace or []:
        if event.get("type") != "retrieval":
            continue
        for doc_id, text in zip(event.get("doc_ids") or [], event.get("passages") or []):
            evidence.setdefault(str(doc_id), str(text))
    return evidence


def cited_ids(output: str, evidence: dict[str, str]) -> list[str]:
    """Ids the response cites that are among the evidence it was given, in order, once each."""
    seen: list[str] = []
    for match in _CITATION.finditer(output or ""):
        doc_id = match.group(1)
        if doc_id in evidence and doc_id not in seen:
            seen.append(doc_id)
    return seen


@RUBRICS.register("citations")
class CitationsRubric(Rubric):
    name = "citations"
    description = "grounded answers: does the evidence the answer cites support it"
    uses_evidence = True  # the runner passes the retrieved passages from the prediction's trace

    async def score(self, judge: Judge, item: Item, output: str, variant: str = MAIN,
                    evidence: dict[str, str] | None = None) -> dict:
        if not evidence:
            return {"value": None, "label": "no_evidence", "detail": {"judge": judge.identity}}
        cited = cited_ids(output, evidence)
        if not cited:
            return {"value": 0.0, "label": "no_citation",
                    "detail": {"judge": judge.identity, "n_evidence": len(evidence), "units": {"supported": "no"}}}
        passages = [(doc_id, evidence[doc_id]) for doc_id in cited[:MAX_PASSAGES]]
        verdict = await judge.ask("judge_citations", CitationJudgement, item_id=item.id, tag="judge:citations",
                                  seed_offset=seed_offset(variant), item=item, response=output, passages=passages)
        if not verdict.ok:
            return invalid_score(verdict, judge, cited=cited)
        j = verdict.value
        supporting = [i for i in j.supporting_ids if i in dict(passages)]
        return {"value": float(j.supported), "label": "supported" if j.supported else "unsupported", "detail": {
            "judge": judge.identity, "cited": cited, "supporting_ids": supporting, "n_evidence": len(evidence),
            "units": {"supported": "yes" if j.supported else "no"}, "cost": verdict.cost()}}
