"""`judge:citations` — does the evidence an answer cites support it? For the retrieval methods (`rag`,
`i_medrag`) that number the passages they show ([P1], [P2], ...): the passages the response cites
are shown to the judge, under the same numbers, with the answer, and it decides whether they
support that answer. (`kg_paths` shows paths per option without numbers to cite: not judged here.) An answer that cites nothing is `no_citation` (value 0): grounding
that the answer does not use is not grounding."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..items import Item
from .base import PLACEHOLDER_REASON, Judge
from .rubrics import MAIN, RUBRICS, Rubric, invalid_score, seed_offset

MAX_PASSAGES = 8


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


def evidence_from_prediction(prediction: dict) -> dict:
    """What a grounded answer was shown and cited, under the labels it saw: {"passages": {"P1": text,
    ...}, "cited": ["P2", ...], "ids": {"P1": passage id, ...}}. The method records both in its info
    (`passages`: the ids in the order the prompt numbered them [P1], [P2], ...; `cited`: the ids its
    answer cites, read by methods/_retrieval.cited_ids), so the rubric never reads the citations a
    second time; the texts come from the trace. Empty when no numbered passages were shown."""
    info = prediction.get("info") or {}
    texts = evidence_from_trace(prediction.get("trace") or [])
    ids = {f"P{n}": doc_id for n, doc_id in enumerate(info.get("passages") or [], start=1) if doc_id in texts}
    if not ids:
        return {}
    label = {doc_id: lab for lab, doc_id in ids.items()}
    return {"passages": {lab: texts[doc_id] for lab, doc_id in ids.items()}, "ids": ids,
            "cited": [label[doc_id] for doc_id in info.get("cited") or [] if doc_id in label]}


@RUBRICS.register("citations")
class CitationsRubric(Rubric):
    name = "citations"
    description = "grounded answers: does the evidence the answer cites support it"
    uses_evidence = True  # the runner passes the retrieved passages from the prediction's trace

    async def score(self, judge: Judge, item: Item, output: str, variant: str = MAIN,
                    evidence: dict | None = None) -> dict:
        """`evidence`: `evidence_from_prediction` of the judged prediction."""
        if not evidence:
            return {"value": None, "label": "no_evidence", "detail": {"judge": judge.identity}}
        shown, cited = evidence["passages"], evidence["cited"]
        if not cited:
            return {"value": 0.0, "label": "no_citation",
                    "detail": {"judge": judge.identity, "n_evidence": len(shown), "units": {"supported": "no"}}}
        passages = [(doc_id, shown[doc_id]) for doc_id in cited[:MAX_PASSAGES]]
        verdict = await judge.ask("judge_citations", CitationJudgement, item_id=item.id, tag="judge:citations",
                                  seed_offset=seed_offset(variant), item=item, response=output, passages=passages)
        if not verdict.ok:
            return invalid_score(verdict, judge, cited=cited)
        j = verdict.value
        supporting = [i for i in j.supporting_ids if i in dict(passages)]
        return {"value": float(j.supported), "label": "supported" if j.supported else "unsupported", "detail": {
            "judge": judge.identity, "cited": cited, "cited_ids": [evidence["ids"][c] for c in cited],
            "supporting_ids": supporting, "n_evidence": len(shown),
            "units": {"supported": "yes" if j.supported else "no"}, "cost": verdict.cost()}}
