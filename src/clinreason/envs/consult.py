"""Consultation episodes for verifiers (MediQ, AgentClinic NEJM): the model under training is the
doctor; clinreason's fact-retrieval patient (and measurement agent) answer host-side, as
TextArena's game engine does in verifiers' own tasksets. The doctor sees the opening presentation,
the question and the options; each reply either asks (a question, or "REQUEST TEST: ..." in the
agentclinic strategy) or commits to an answer ("ANSWER: X" / "DIAGNOSIS READY: X"); the last
allowed turn is read as an answer whatever it says. Moves are read by clinreason's own episode
reader (methods/_episode.read_move), and the committed answer is graded by the same parser and
scorer as evaluation: reward `correct` (weight 1), plus the single-turn tasks' optional rewards.

    vf-eval clinreason-consult --env.taskset.benchmark mediq --env.taskset.max-turns 6 ...

Metrics: turns, questions, tests, facts_revealed (fraction of the case's facts the doctor got)."""

from __future__ import annotations

from typing import Iterator, Literal

from pydantic import Field

from ..methods._episode import read_move
from ..prompts import render
from ..rewards import gold_spec
from ..simulators import FactPatient, MeasurementAgent
from ._common import EPISODE_METHODS, check_method, load_gradable, register_plugin, require_verifiers
from .rewards import task_item, trace_text
from .single_turn import ItemData, ItemTask, ItemTaskConfig

vf = require_verifiers()

PLUGIN_ID = "clinreason-consult"  # imported by verifiers as the module `clinreason_consult`
STRATEGY = {"consult": "implicit", "agentclinic": "agentclinic"}
LAST_TURN = "This is the end of the consultation: give your answer now."


class ConsultData(ItemData):
    presentation: str
    """What the doctor knows at the start (the item's opening information)."""
    facts: list[str]
    """The case's facts: what the patient (first n_patient_facts) and the tests can reveal. Never
    shown to the doctor; they stay on the task data so an episode can be replayed."""
    n_patient_facts: int
    strategy: Literal["implicit", "agentclinic"]
    max_turns: int


class ConsultTask(ItemTask, vf.Task[ConsultData, vf.State, ItemTaskConfig]):
    def answer_text(self, trace) -> str:
        """The answer the doctor committed to, as the consult method grades it: its final reply read
        as a move (the last allowed turn is always an answer); "" when it never answered."""
        item = task_item(self.data)
        final = trace.num_turns >= self.data.max_turns
        move = read_move(trace_text(trace), "final" if final else self.data.strategy, item)
        if move.kind != "answer":
            return ""
        return move.raw if move.text == move.raw else f"ANSWER: {move.text}"


class ConsultConfig(vf.TasksetConfig):
    benchmark: str = "mediq"
    subset: str | None = None
    method: str = "consult"
    """consult (ask or answer each turn, MediQ's implicit doctor) or agentclinic (also REQUEST TEST)."""
    max_turns: int = Field(10, ge=1, le=100)
    limit: int | None = None
    data_dir: str | None = None
    task: ItemTaskConfig = ItemTaskConfig()


class ConsultTaskset(vf.Taskset[ConsultTask, ConsultConfig]):
    def __init__(self, config: ConsultConfig) -> None:
        super().__init__(config)
        check_method(config.method, EPISODE_METHODS)
        self.benchmark, self.subset, items = load_gradable(config.benchmark, config.subset, config.data_dir,
                                                           config.limit)
        self.items = [item for item in items if item.facts]
        if not self.items:
            raise ValueError(f"{self.benchmark}/{self.subset}: no item has case facts for a patient to tell; "
                             "use the single-turn environment (method cot or direct)")

    def load(self) -> Iterator[ConsultTask]:
        strategy = STRATEGY[self.config.method]
        for item in self.items:
            presentation = str(item.metadata.get("presentation") or "")
            system = render("consult_system", language=item.language, bias=None)
            prompt = render("consult_doctor", item=item, options=item.options, presentation=presentation, dialogue=[],
                            mode=strategy, turn=1, max_turns=self.config.max_turns, n_questions=0)
            facts = list(item.facts)
            yield ConsultTask(ConsultData(
                id=item.id, name=f"{self.benchmark}/{item.id}", prompt=prompt, system_prompt=system,
                gold=gold_spec(item), answer=item.answer, benchmark=self.benchmark, subset=self.subset,
                method=self.config.method,
                presentation=presentation, facts=facts, strategy=strategy, max_turns=self.config.max_turns,
                n_patient_facts=int(item.metadata.get("n_patient_facts", len(facts)))), self.config.task)


class ConsultEnvConfig(vf.EnvConfig):
    doctor: vf.AgentConfig = vf.AgentConfig(harness={"id": "null"})
    """The model under training: a tool-less chat seat; the patient is clinreason's, host-side."""


class ConsultEnv(vf.Env[ConsultEnvConfig]):
    async def run(self, task, agents) -> None:
        data = task.data
        own, measured = data.facts[:data.n_patient_facts], data.facts[data.n_patient_facts:]
        patient = FactPatient(own)
        # MediQ keeps exam findings among the patient's facts: tests then read all of them.
        measurement = MeasurementAgent(measured, data.n_patient_facts) if measured else MeasurementAgent(data.facts)
        item = task_item(data)
        stats = {"questions": 0, "tests": 0}
        revealed: set[int] = set()
        async with agents.doctor.interaction(task) as chat:
            segment = await chat.turn()
            for turn in range(1, data.max_turns + 1):
                if segment.terminated or turn == data.max_turns:
                    break
                move = read_move(segment.last_reply, data.strategy, item)
                if move.kind == "answer":
                    break
                if move.kind == "test":
                    stats["tests"] += 1
                    reply, speaker = await measurement.reply(move.text), "Measurement"
                else:
                    stats["questions"] += 1
                    reply, speaker = await patient.reply(move.text), "Patient"
                revealed.update(reply.facts)
                message = f"{speaker}: {reply.text}"
                if turn + 1 == data.max_turns:
                    message += "\n\n" + LAST_TURN + "\n" + render("_answer_format", item=item, options=item.options)
                segment = await chat.turn(message)
            trace = chat.trace
            trace.record_metrics({"turns": float(trace.num_turns), **{k: float(v) for k, v in stats.items()},
                                  "facts_revealed": len(revealed) / max(1, len(data.facts))})


register_plugin(PLUGIN_ID.replace("-", "_"), __name__)

__all__ = ["ConsultConfig", "ConsultData", "ConsultEnv", "ConsultEnvConfig", "ConsultTask", "ConsultTaskset"]
