"""clinreason's rewards in verifiers v1's call shape. In verifiers >= 0.4 a reward is a `Task`
method (`@vf.reward`) or a function plugged into a task's config, called with the names it asks
for among `task` (the task's TaskData), `trace` (the finished Trace) and `runtime`, awaited, and
returning a float. The completion is the trace's final reply; the gold is the task data's `gold`
field (clinreason.rewards.gold_spec), or an `info`/`answer` field holding it.

Plug one into any taskset whose rows carry a gold dict:

    --env.taskset.task.rewards.strict_format.fn clinreason.envs.rewards:strict_format
    --env.taskset.task.rewards.strict_format.weight 0.2

The same grader as evaluation reads the text (clinreason.rewards.REWARDS), so a reward and a
stored grade can never disagree."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..items import Item
from ..rewards import REWARDS, JudgeReward, gold_item, item_from_gold
from ..rewards.functions import RewardFn, length_penalty as make_length_penalty


def trace_text(trace: Any) -> str:
    """What the model answered: the trace's final reply (the root agent's response, else the last
    assistant message), as verifiers' own scorers read it."""
    return str(getattr(trace, "last_reply", "") or "")


def task_item(task: Any) -> Item:
    """The Item to grade against, from task data (a TaskData, or its dict): its `gold`, or an
    `info` dict / `answer` JSON carrying the gold. Raises clinreason.rewards.GoldError."""
    fields = task if isinstance(task, Mapping) else {
        name: getattr(task, name, None) for name in ("gold", "info", "answer", "answer_format")}
    gold = fields.get("gold")
    if isinstance(gold, (Mapping, str)):
        return item_from_gold(gold)
    return gold_item(answer=fields.get("answer"), info=fields.get("info"), answer_format=fields.get("answer_format"))


def score_text(reward: RewardFn | JudgeReward, text: str, item: Item) -> float:
    """The reward's value as a float for verifiers: a reward that does not apply (None) counts 0.0."""
    value = reward.many([text], [item])[0] if isinstance(reward, JudgeReward) else reward(text, item)
    return 0.0 if value is None else float(value)


def vf_reward(reward: str | RewardFn | JudgeReward, *, name: str | None = None) -> Callable[..., Any]:
    """An async `(task, trace) -> float` computing clinreason reward `reward` (a REWARDS name, a
    reward function, or a JudgeReward) on the trace's final reply: usable as a plugged
    `--env.taskset.task.rewards.NAME.fn`, or called from a `@vf.reward` method."""
    fn = REWARDS.get(reward) if isinstance(reward, str) else reward

    async def clinreason_reward(task, trace) -> float:
        return score_text(fn, trace_text(trace), task_item(task))

    clinreason_reward.__name__ = name or getattr(fn, "__name__", "clinreason_reward")
    clinreason_reward.__doc__ = f"clinreason reward {clinreason_reward.__name__} (verifiers v1 task reward)"
    return clinreason_reward


# Ready to plug by import path (`clinreason.envs.rewards:<name>`).
correct = vf_reward("correct")
hamming = vf_reward("hamming")
strict_format = vf_reward("strict_format")
think_format = vf_reward("think_format")
length_penalty = vf_reward("length_penalty")


def length_penalty_reward(max_chars: int) -> Callable[..., Any]:
    """The length penalty with its own threshold (0 up to `max_chars`, then down to -1 at twice it)."""
    return vf_reward(make_length_penalty(max_chars), name="length_penalty")


__all__ = ["correct", "hamming", "length_penalty", "length_penalty_reward", "score_text", "strict_format",
           "task_item", "think_format", "trace_text", "vf_reward"]
