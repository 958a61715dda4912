"""`ask_patient`: two models, two roles. The model under test reads the case, asks the patient one
question, hears the answer, then decides. The `patient` role (`--patient SPEC`) answers in the
first person from the item's hidden facts only (else from the case text). A first step toward
interactive consultation: the dialogue is stored as turns in the trace."""

from __future__ import annotations

from pydantic import Field

from ..chat import Message
from ..models.protocol import SamplingParams
from ..prompts import item_messages, render
from ..results import Prediction
from ..trace import Turn
from .base import METHODS, Method, MethodParams


class AskPatientParams(MethodParams):
    question_tokens: int = Field(64, ge=1)
    patient_tokens: int = Field(96, ge=1)


@METHODS.register("ask_patient", aliases=("ask",))
class AskPatient(Method):
    name = "ask_patient"
    description = "two roles: the model asks the patient (--patient SPEC) one question, then answers"
    Params = AskPatientParams
    roles = ("patient",)

    async def __call__(self, item, ctx) -> Prediction:
        doctor, patient = ctx.lm, ctx.role("patient")
        asked = await doctor(item_messages("ask_question", item),
                             self.params.sampling(max_tokens=self.params.question_tokens), tag="ask")
        question = asked.text.strip() or "Can you tell me more about your symptoms?"
        ctx.add(Turn(speaker="doctor", role=doctor.role, text=question))
        facts = list(item.facts) or [item.context or item.question]
        reply = await patient([Message(role="system", content=render("patient", facts=facts)),
                               Message(role="user", content=question)],
                              SamplingParams(temperature=0.0, max_tokens=self.params.patient_tokens, seed=self.seed),
                              tag="patient")
        ctx.add(Turn(speaker="patient", role=patient.role, text=reply.text.strip()))
        final = await doctor(item_messages("ask_answer", item, asked=question, reply=reply.text.strip()),
                             self.params.sampling(), tag="answer")
        return Prediction(output=final.text, info={"asked": question, "patient_reply": reply.text.strip()})
