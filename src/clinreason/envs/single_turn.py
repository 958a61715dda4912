"""Single-turn clinreason tasks for verifiers: one question (MCQ letter / letters / yes-no-maybe, or a
MedCalc-Bench number / date), prompted as a clinreason method prompts it, answered in one model
turn, graded by clinreason's own parser and answer scorer.

As a verifiers plugin (the id must be a plain module name, see envs/__init__.py):

    vf-eval clinreason-items --env.taskset.benchmark medqa --env.taskset.limit 20 ...

Rewards (`trace.rewards`): `correct` (weight 1), and `strict_format`, `think_format`,
`length_penalty` recorded with weight 0 unless the task config gives them one
(`--env.taskset.task.rewards.strict_format.weight 0.2`). Metrics: `answered` (the parser read an
answer) and, for multi-answer items, `hamming`; `trace.info["clinreason"]` has the answer read
and the parser rule that read it."""

from __future__ import annotations

from typing import Any, Iterator

from pydantic import Field

from ..grading.parsers import parse_answer
from ..items import AnswerFormat
from ..prompts import item_messages
from ..rewards import correct as correct_reward, gold_spec, hamming as hamming_reward
from ..rewards import strict_format as strict_format_reward, think_format as think_format_reward
from ..rewards.functions import length_penalty as make_length_penalty
from ._common import SINGLE_TURN_METHODS, check_method, load_gradable, register_plugin, require_verifiers
from .rewards import score_text, task_item, trace_text

vf = require_verifiers()

PLUGIN_ID = "clinreason-items"  # imported by verifiers as the module `clinreason_items`


class ItemData(vf.TaskData):
    """One clinreason item as a verifiers task: the prompt clinreason's method renders, and the
    gold fields its graders need (never shown to the model)."""

    gold: dict[str, Any]
    answer: str
    """The gold answer alone (what verifiers' reference judges read as `answer_field`)."""
    benchmark: str
    subset: str
    method: str


class ItemTaskConfig(vf.TaskConfig):
    length_limit: int = Field(4000, gt=0)
    """Characters of completion before the length penalty starts (falls to -1 at twice as many)."""


class ItemTask(vf.Task[ItemData, vf.State, ItemTaskConfig]):
    @property
    def key(self) -> str:
        # The benchmark's own item id: stable across runs, unique within a benchmark's subset.
        return f"{self.data.benchmark}/{self.data.subset}/{self.data.gold['item_id']}"

    def answer_text(self, trace) -> str:
        """The text graded: the final reply (an episode task may rewrite it, see consult.py)."""
        return trace_text(trace)

    @vf.reward(weight=1.0)
    async def correct(self, trace) -> float:
        """clinreason's grade of the final reply: 1.0 right, 0.0 wrong or unreadable."""
        return score_text(correct_reward, self.answer_text(trace), task_item(self.data))

    @vf.reward(weight=0.0)
    async def strict_format(self, trace) -> float:
        return score_text(strict_format_reward, self.answer_text(trace), task_item(self.data))

    @vf.reward(weight=0.0)
    async def think_format(self, trace) -> float:
        return score_text(think_format_reward, trace_text(trace), task_item(self.data))

    @vf.reward(weight=0.0)
    async def length_penalty(self, trace) -> float:
        penalty = make_length_penalty(self.config.length_limit)
        return score_text(penalty, trace_text(trace), task_item(self.data))

    @vf.metric
    async def grading(self, trace) -> dict[str, float]:
        item = task_item(self.data)
        text = self.answer_text(trace)
        read = parse_answer(text, item)
        trace.info["clinreason"] = {"answer": read.answer, "rule": read.rule, "strict": read.strict}
        metrics = {"answered": 0.0 if read.answer is None else 1.0}
        if item.format == AnswerFormat.letters:
            metrics["hamming"] = score_text(hamming_reward, text, item)
        return metrics


class ItemsConfig(vf.TasksetConfig):
    benchmark: str = "medqa"
    """A registered clinreason benchmark (see `clinreason list`)."""
    subset: str | None = None
    """The benchmark's subset; None = its default."""
    method: str = "cot"
    """The prompt: cot (reason, then ANSWER:) or direct (answer only)."""
    limit: int | None = None
    """Only the first N gradable items."""
    data_dir: str | None = None
    """Where benchmark files live (else $CLINREASON_DATA, then the user cache)."""
    task: ItemTaskConfig = ItemTaskConfig()


class ItemsTaskset(vf.Taskset[ItemTask, ItemsConfig]):
    def __init__(self, config: ItemsConfig) -> None:
        super().__init__(config)
        check_method(config.method, SINGLE_TURN_METHODS)
        # Loaded here, not in load(): a bad benchmark/subset/format fails at construction.
        self.benchmark, self.subset, self.items = load_gradable(config.benchmark, config.subset, config.data_dir,
                                                                config.limit)

    def load(self) -> Iterator[ItemTask]:
        for item in self.items:
            messages = item_messages(self.config.method, item)
            system = "\n\n".join(m.content for m in messages if m.role == "system") or None
            turns = [{"role": m.role, "content": m.content} for m in messages if m.role != "system"]
            prompt = turns[0]["content"] if len(turns) == 1 and turns[0]["role"] == "user" else turns
            yield ItemTask(ItemData(id=item.id, name=f"{self.benchmark}/{item.id}", prompt=prompt,
                                    system_prompt=system, gold=gold_spec(item), answer=item.answer,
                                    benchmark=self.benchmark, subset=self.subset, method=self.config.method),
                           self.config.task)


class ItemsEnvConfig(vf.SingleAgentEnvConfig):
    agent: vf.AgentConfig = vf.AgentConfig(harness={"id": "null"}, max_turns=1)
    """One answer per task, from the tool-less chat harness."""


class ItemsEnv(vf.SingleAgentEnv, vf.Env[ItemsEnvConfig]):
    """SingleAgentEnv with a single-turn, tool-less default seat (so verifiers' replay still sees a
    single-agent run)."""


register_plugin(PLUGIN_ID.replace("-", "_"), __name__)

__all__ = ["ItemData", "ItemTask", "ItemTaskConfig", "ItemsConfig", "ItemsEnv", "ItemsEnvConfig", "ItemsTaskset"]
