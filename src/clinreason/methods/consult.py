"""Interactive consultation: the model under test is a doctor who starts from the case's opening
information (`metadata["presentation"]`) plus the question and options, and gathers the rest by
asking a simulated patient and requesting tests, within `max_turns` turns.

- `consult` (alias `mediq`): MediQ's doctors. strategy = implicit (ask or answer in one reply),
  binary / numerical / scale (an abstention question before each turn, `threshold`,
  `self_consistency` k samples), or agentclinic.
- `agentclinic`: AgentClinic's doctor (asks, "REQUEST TEST: ...", "DIAGNOSIS READY: ..."), with the
  published doctor and patient cognitive biases as `doctor_bias` / `patient_bias`.
- `consult_full` (upper bound): the whole case at once, then an answer. `consult_first` (lower
  bound): only the opening information, and an answer without asking.

The patient: the run's `patient` role when it has one (`--patient SPEC`: an LLM told to answer
only from the facts), else the deterministic fact-retrieval patient; `info["episode"]["patient"]`
says which. A patient model's failure (ModelError) fails the item, recorded per item by the engine.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..chat import Message
from ..prompts import render
from ..results import Prediction
from ._consult_bias import DOCTOR_BIASES, PATIENT_BIASES, check_bias
from ._episode import EpisodeRunner
from .base import METHODS, Method, MethodParams

Strategy = Literal["implicit", "binary", "numerical", "scale", "agentclinic"]


class ConsultParams(MethodParams):
    strategy: Strategy = "implicit"
    max_turns: int = Field(10, ge=1, le=100)
    threshold: float | None = None  # numerical: confidence in [0, 1] (default 0.8); scale: 1-5 (default 4)
    self_consistency: int = Field(1, ge=1, le=32)  # k sampled abstention decisions, majority wins
    sc_temperature: float = Field(0.7, ge=0)
    intermediate: bool = True  # ask for (and log) the current best answer after every turn
    doctor_bias: str | None = None
    patient_bias: str | None = None  # applies to an LLM patient only
    max_tokens: int = 256  # the final answer (short reasoning, then ANSWER:)
    question_tokens: int = Field(64, ge=1)
    intermediate_tokens: int = Field(16, ge=1)
    confidence_tokens: int = Field(8, ge=1)
    patient_tokens: int = Field(96, ge=1)
    patient_min_score: float = Field(1.0, ge=0)  # fact-retrieval patient: least BM25 score of a fact it tells

    @model_validator(mode="after")
    def _known(self):
        check_bias(self.doctor_bias, DOCTOR_BIASES, "doctor")
        check_bias(self.patient_bias, PATIENT_BIASES, "patient")
        if self.threshold is not None:
            if self.strategy == "numerical" and not 0 <= self.threshold <= 1:
                raise ValueError("threshold for strategy numerical is a confidence between 0 and 1")
            if self.strategy == "scale" and not 1 <= self.threshold <= 5:
                raise ValueError("threshold for strategy scale is a rating between 1 and 5")
            if self.strategy not in ("numerical", "scale"):
                raise ValueError(f"threshold applies to strategies numerical and scale, not {self.strategy}")
        if self.self_consistency > 1 and self.strategy not in ("binary", "numerical", "scale"):
            raise ValueError("self_consistency applies to the abstention strategies binary, numerical and scale")
        return self


@METHODS.register("consult", aliases=("mediq",))
class Consult(Method):
    name = "consult"
    description = ("interactive consultation (MediQ): the doctor asks a patient (fact-retrieval, or --patient SPEC) "
                   "until it answers; strategy implicit/binary/numerical/scale/agentclinic")
    Params = ConsultParams
    episode = True  # the CLI's --interactive accepts these methods as they are

    async def __call__(self, item, ctx) -> Prediction:
        return await EpisodeRunner(self, item, ctx).run()


class AgentClinicParams(ConsultParams):
    strategy: Strategy = "agentclinic"
    max_turns: int = Field(12, ge=1, le=100)  # AgentClinic used 20; kept modest for small models


@METHODS.register("agentclinic", aliases=("agent_clinic",))
class AgentClinic(Consult):
    name = "agentclinic"
    description = ("AgentClinic's doctor: asks the patient, requests tests (measurement agent), then "
                   "DIAGNOSIS READY; doctor_bias / patient_bias from the published list")
    Params = AgentClinicParams


class BoundParams(MethodParams):
    max_tokens: int = 256


class _Bound(Method):
    """An answer in one call from a fixed view of the case (no dialogue): the episode's bounds."""

    Params = BoundParams
    episode = True
    full: bool

    async def __call__(self, item, ctx) -> Prediction:
        facts = list(item.facts) if self.full else []
        user = render("consult_case", item=item, options=item.options, presentation=item.metadata.get("presentation")
                      or "", facts=facts, full=self.full)
        messages = [Message(role="system", content=render("consult_system", language=item.language, bias=None)),
                    Message(role="user", content=user)]
        reply = await ctx.lm(messages, self.params.sampling(seed=self.seed), tag="answer")
        return Prediction(output=reply.text, info={"view": "full" if self.full else "first",
                                                   "n_facts_shown": len(facts), "n_facts": len(item.facts)})


@METHODS.register("consult_full")
class ConsultFull(_Bound):
    name = "consult_full"
    description = "upper bound of a consultation: the doctor sees the opening information and every fact, then answers"
    full = True


@METHODS.register("consult_first")
class ConsultFirst(_Bound):
    name = "consult_first"
    description = "lower bound of a consultation: only the opening information, answered without asking"
    full = False
