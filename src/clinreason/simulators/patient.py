"""Patients. `FactPatient` (the default; no model) answers a question with the facts that match it
by BM25 and says it does not know otherwise: fully reproducible, so tests and baselines rely on
it. `LLMPatient` is a model (the run's `patient` role) told to answer only from the facts; which
facts its reply revealed is estimated by matching the reply against them."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..chat import Message
from ..models.protocol import SamplingParams
from ..prompts import render
from .matching import matching_facts

DONT_KNOW = "I don't know."
_DONT_KNOW_MARKS = ("don't know", "do not know", "not sure", "no idea", "can't say", "cannot say")


@dataclass
class Reply:
    text: str
    facts: list[int] = field(default_factory=list)  # 0-based indices into item.facts
    unanswered: bool = False  # the patient (or measurement agent) had nothing to say to it


def says_dont_know(text: str) -> bool:
    low = text.lower().replace("’", "'")
    return any(mark in low for mark in _DONT_KNOW_MARKS)


class FactPatient:
    """Answers with the facts that match the question (at most `top_k`), verbatim; else "I don't
    know.". `facts` are the patient's own; `offset` maps their positions back to item.facts."""

    kind = "fact_retrieval"

    def __init__(self, facts: list[str], offset: int = 0, *, min_score: float = 1.0, min_coverage: float = 0.3,
                 top_k: int = 3):
        self.facts, self.offset = list(facts), offset
        self.min_score, self.min_coverage, self.top_k = min_score, min_coverage, top_k

    async def reply(self, question: str, dialogue: list[tuple[str, str]] | None = None) -> Reply:
        found = matching_facts(question, self.facts, min_score=self.min_score, min_coverage=self.min_coverage,
                               top_k=self.top_k)
        if not found:
            return Reply(DONT_KNOW, [], unanswered=True)
        return Reply(" ".join(_sentence(self.facts[i]) for i in found), [i + self.offset for i in found])


class LLMPatient:
    """A model playing the patient from the facts only (prompt `patient_llm`), optionally with one of
    AgentClinic's patient biases. The dialogue so far is part of the prompt, so the request is a
    pure function of the episode's history: a resumed episode finds every reply in the cache."""

    kind = "llm"

    def __init__(self, lm, facts: list[str], offset: int = 0, *, bias: str | None = None, max_tokens: int = 96,
                 seed: int = 0, language: str | None = None):
        self.lm, self.facts, self.offset = lm, list(facts), offset
        self.bias, self.max_tokens, self.seed, self.language = bias, max_tokens, seed, language

    async def reply(self, question: str, dialogue: list[tuple[str, str]] | None = None) -> Reply:
        system = render("patient_llm", language=self.language, facts=self.facts, bias=self.bias)
        user = render("patient_turn", language=self.language, dialogue=dialogue or [], question=question)
        completion = await self.lm([Message(role="system", content=system), Message(role="user", content=user)],
                                   SamplingParams(temperature=0.0, max_tokens=self.max_tokens, seed=self.seed),
                                   tag="patient")
        text = completion.text.strip() or DONT_KNOW
        if says_dont_know(text):
            return Reply(text, [], unanswered=True)
        # Which facts the reply gave away: those it matches closely (an estimate, recorded as such).
        found = matching_facts(text, self.facts, min_score=1.5, min_coverage=0.0, top_k=5, relative=0.6)
        return Reply(text, [i + self.offset for i in found])


def _sentence(fact: str) -> str:
    fact = fact.strip()
    return fact if fact.endswith((".", "!", "?")) else fact + "."
