"""The measurement agent: when the doctor requests a test or an examination, it reads out the case's
findings that match the request (BM25 over the measurement facts, no model), and "normal readings"
when the case records nothing for it, as AgentClinic's measurement agent is told to."""

from __future__ import annotations

from .matching import matching_facts
from .patient import Reply

NORMAL = "RESULTS: normal readings."


class MeasurementAgent:
    kind = "fact_retrieval"

    def __init__(self, facts: list[str], offset: int = 0, *, min_score: float = 0.5, min_coverage: float = 0.5,
                 top_k: int = 4):
        self.facts, self.offset = list(facts), offset
        self.min_score, self.min_coverage, self.top_k = min_score, min_coverage, top_k

    async def reply(self, request: str) -> Reply:
        found = matching_facts(request, self.facts, min_score=self.min_score, min_coverage=self.min_coverage,
                               top_k=self.top_k, relative=0.3)
        if not found:
            return Reply(NORMAL, [], unanswered=True)
        return Reply("RESULTS: " + " ".join(_sentence(self.facts[i]) for i in found), [i + self.offset for i in found])


def _sentence(fact: str) -> str:
    fact = fact.strip()
    return fact if fact.endswith((".", "!", "?")) else fact + "."
