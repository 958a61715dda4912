"""The consultation episode shared by the `consult` methods: a bounded loop in which the doctor (the
model under test) asks the patient a question, requests a test, or commits to an answer.

Every doctor prompt is a pure function of the item and the dialogue so far, and every sample has a
fixed seed, so an episode killed mid-way replays from the call cache: a resumed run pays for no
turn twice and still ends with one prediction per item. Each utterance is a `Turn` in the trace
(the trace contract in trace.py); `Prediction.info["episode"]` sums the episode up."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..chat import Message
from ..grading.parsers import parse_answer
from ..prompts import render
from ..results import Prediction
from ..simulators import FactPatient, LLMPatient, MeasurementAgent
from ..trace import Turn
from ._consult_bias import DOCTOR_BIASES, PATIENT_BIASES
from ._abstention import decide

FALLBACK_QUESTION = "Can you tell me more about your symptoms?"
_LINE = {"answer": re.compile(r"^\W*(?:ANSWER|DIAGNOSIS READY)\s*:\s*(.+)$", re.I | re.M),
         "test": re.compile(r"^\W*REQUEST TEST\s*:\s*(.+)$", re.I | re.M),
         "question": re.compile(r"^\W*QUESTION\s*:\s*(.+)$", re.I | re.M)}


@dataclass
class Move:
    kind: str  # "question" | "test" | "answer"
    text: str  # what is said to the patient / measurement agent, or the answer as written
    raw: str  # the doctor's whole reply


@dataclass
class Episode:
    item: object
    presentation: str
    dialogue: list[tuple[str, str]] = field(default_factory=list)  # (speaker, text), in order
    questions: list[str] = field(default_factory=list)
    tests: int = 0
    revealed: set[int] = field(default_factory=set)
    unanswerable: int = 0
    intermediate: list[str | None] = field(default_factory=list)


def read_move(text: str, mode: str, item=None) -> Move:
    """What a doctor's reply does. An explicit line wins (ANSWER / DIAGNOSIS READY, REQUEST TEST,
    QUESTION); in `final` mode everything is an answer. In `implicit` mode a reply that asks nothing
    (no '?') but names an answer the item's parser reads ("D. Hypokalemia") is an answer, as MediQ
    reads it; otherwise the reply is a question."""
    raw = text or ""
    if mode == "final":
        return Move("answer", raw, raw)
    found = {kind: pattern.search(raw) for kind, pattern in _LINE.items()}
    if found["answer"] and mode in ("implicit", "agentclinic"):
        return Move("answer", found["answer"].group(1).strip(), raw)
    if found["test"] and mode == "agentclinic":
        return Move("test", found["test"].group(1).strip()[:200], raw)
    if mode == "implicit" and item is not None and not found["question"] and "?" not in raw \
            and parse_answer(raw, item).answer is not None:
        return Move("answer", raw, raw)
    question = found["question"].group(1) if found["question"] else next(
        (line for line in raw.splitlines() if line.strip()), "")
    question = question.strip().strip('"')[:300]
    return Move("question", question or FALLBACK_QUESTION, raw)


def read_answer(move: Move, item) -> tuple[str | None, object]:
    """The answer a move commits to, read by the item format's parser (as the scorer would)."""
    text = move.raw if move.text == move.raw else f"ANSWER: {move.text}"
    read = parse_answer(text, item)
    return read.answer, read


class EpisodeRunner:
    """One episode of one item. `method.params` holds the strategy and bounds (consult.ConsultParams)."""

    def __init__(self, method, item, ctx):
        self.method, self.p, self.item, self.ctx = method, method.params, item, ctx
        self.ep = Episode(item, str(item.metadata.get("presentation") or ""))
        facts = list(item.facts)
        split = int(item.metadata.get("n_patient_facts", len(facts)))
        own, measured = facts[:split], facts[split:]
        if "patient" in ctx.lms:
            self.patient = LLMPatient(ctx.role("patient"), own, bias=PATIENT_BIASES.get(self.p.patient_bias or ""),
                                      max_tokens=self.p.patient_tokens, seed=method.seed, language=item.language)
        else:
            self.patient = FactPatient(own, min_score=self.p.patient_min_score)
        # MediQ keeps exam findings among the patient's facts: tests are then read from all of them.
        self.measurement = MeasurementAgent(measured, split) if measured else MeasurementAgent(facts)

    # --- prompts: pure functions of the item and the dialogue so far ---------------------------------
    def messages(self, template: str, **extra) -> list[Message]:
        bias = DOCTOR_BIASES.get(self.p.doctor_bias or "")
        system = render("consult_system", language=self.item.language, bias=bias)
        user = render(template, item=self.item, options=self.item.options, presentation=self.ep.presentation,
                      dialogue=self.ep.dialogue, max_turns=self.p.max_turns, **extra)
        return [Message(role="system", content=system), Message(role="user", content=user)]

    def params(self, max_tokens: int, sample: int = 0, temperature: float | None = None):
        return self.p.sampling(max_tokens=max_tokens, seed=self.method.seed + sample,
                               temperature=self.p.temperature if temperature is None else temperature)

    async def doctor(self, mode: str, turn: int) -> Move:
        tokens = self.p.max_tokens if mode == "final" else self.p.question_tokens
        reply = await self.ctx.lm(self.messages("consult_doctor", mode=mode, turn=turn,
                                                n_questions=len(self.ep.questions)),
                                  self.params(tokens), tag=f"doctor{turn}")
        return read_move(reply.text, mode, self.item)

    async def ready_to_answer(self, turn: int) -> bool:
        """The abstention module (binary / numerical / scale), with k-sample self-consistency."""
        return await decide(self, turn)

    async def intermediate(self, turn: int) -> None:
        reply = await self.ctx.lm(self.messages("consult_intermediate", turn=turn),
                                  self.params(self.p.intermediate_tokens), tag=f"intermediate{turn}")
        answer = parse_answer(reply.text, self.item).answer
        self.ep.intermediate.append(answer)
        self.ctx.add(Turn(speaker="doctor", role=self.ctx.lm.role, text=reply.text.strip(), kind="intermediate",
                          turn=turn, answer=answer))

    # --- the loop -------------------------------------------------------------------------------------
    async def run(self) -> Prediction:
        strategy, ep = self.p.strategy, self.ep
        stopped, final = None, None
        for turn in range(1, self.p.max_turns + 1):
            last = turn == self.p.max_turns
            if last:
                mode = "final"
            elif strategy in ("implicit", "agentclinic"):
                mode = strategy
            else:
                mode = "final" if await self.ready_to_answer(turn) else "ask"
            move = await self.doctor(mode, turn)
            if move.kind == "answer":
                stopped = "answered" if not last else ("max_turns" if strategy in ("implicit", "agentclinic")
                                                       else "abstained_until_end")
                final = (move, turn)
                break
            await self.exchange(move, turn)
            if self.p.intermediate:
                await self.intermediate(turn)
            else:
                ep.intermediate.append(None)
        move, turn = final
        answer, read = read_answer(move, self.item)
        self.ctx.add(Turn(speaker="doctor", role=self.ctx.lm.role, text=move.raw.strip(), kind="answer", turn=turn,
                          answer=answer))
        ep.intermediate.append(answer)
        return self.prediction(move, answer, read, turn, stopped)

    async def exchange(self, move: Move, turn: int) -> None:
        """The doctor's question or test request, and the reply it gets."""
        ep, lm = self.ep, self.ctx.lm
        self.ctx.add(Turn(speaker="doctor", role=lm.role, text=move.text, kind=move.kind, turn=turn))
        if move.kind == "test":
            ep.tests += 1
            reply, speaker, role = await self.measurement.reply(move.text), "measurement", None
            said = f"REQUEST TEST: {move.text}"
        else:
            ep.questions.append(move.text)
            reply = await self.patient.reply(move.text, list(ep.dialogue))
            speaker, role, said = "patient", (self.ctx.role("patient").role if isinstance(self.patient, LLMPatient)
                                              else None), move.text
            ep.unanswerable += int(reply.unanswered)
        ep.revealed.update(reply.facts)
        ep.dialogue += [("Doctor", said), (speaker.capitalize(), reply.text)]
        self.ctx.add(Turn(speaker=speaker, role=role, text=reply.text, kind="reply", turn=turn, facts=reply.facts))

    def prediction(self, move: Move, answer, read, turn: int, stopped: str) -> Prediction:
        ep = self.ep
        normalized = [re.sub(r"\W+", " ", q.lower()).strip() for q in ep.questions]
        info = {"episode": {
            "turns": turn, "questions": len(ep.questions), "tests": ep.tests, "stopped": stopped,
            "intermediate_answers": ep.intermediate, "facts_revealed": sorted(ep.revealed),
            "n_facts": len(self.item.facts), "repeated_questions": len(normalized) - len(set(normalized)),
            "unanswerable_questions": ep.unanswerable, "strategy": self.p.strategy,
            "patient": self.patient.kind, "facts_estimated": isinstance(self.patient, LLMPatient)}}
        if answer is None:
            return Prediction(output=move.raw, info=info)
        return Prediction(output=move.raw, answer=answer, rule=read.rule, strict=read.strict, info=info)
