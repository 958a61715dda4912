"""clinreason's rewards with the exact call shapes of three trainers:

- TRL (GRPOTrainer, RLOOTrainer): `f(prompts=..., completions=..., completion_ids=..., **columns)` -> a
  list with one float (or None, which TRL ignores) per completion. The dataset's columns arrive as
  keyword lists; a clinreason GRPO export carries `gold` (JSON) in every row, which is all a reward needs.
- verifiers: before 0.4, Rubric functions were called with the names they ask for (`completion`,
  `answer`, `info`, `state`, ...): `verifiers_reward` has that shape, `info` (or `answer` as a gold JSON
  string) carrying the gold. verifiers 0.4 (`verifiers.v1`) calls task rewards as
  `async (task, trace) -> float` instead: use `clinreason.envs.rewards.vf_reward`, or the ready
  environments of `clinreason.envs.load_environment`.
- OpenRLHF (`--remote_rm_url reward.py`): `reward_func(queries, prompts, labels, **kwargs)` -> a dict of
  `rewards`, `scores` and `extra_logs` tensors; `labels` are the gold JSON strings (`--label_key gold`).

Completions may be plain strings or chat messages (TRL's conversational format); both are read."""

from __future__ import annotations

import json
from typing import Any, Callable, Mapping, Sequence

from ..items import Item
from .functions import REWARDS, RewardFn
from .gold import GoldError, item_from_gold
from .judge import JudgeReward


def completion_text(completion: Any) -> str:
    """The text of one completion: a string, one message dict, or a list of messages (the assistant
    turns' contents, joined)."""
    if completion is None:
        return ""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return _content(completion.get("content"))
    if isinstance(completion, Sequence):
        turns = [m for m in completion if isinstance(m, Mapping)]
        chosen = [m for m in turns if m.get("role") in (None, "assistant")] or turns
        return "\n".join(_content(m.get("content")) for m in chosen)
    return str(completion)


def _content(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):  # OpenAI content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, Mapping) and p.get("type") == "text")
    return "" if content is None else str(content)


def gold_item(*, gold: Any = None, answer: Any = None, info: Any = None, answer_format: Any = None,
              options: Any = None, tolerance: Any = None) -> Item:
    """The Item to grade against, from whichever gold fields a row has: `gold` (a clinreason export's
    JSON), verifiers' `info` dict, an `answer` that is itself gold JSON, or plain `answer` +
    `answer_format` (+ `options`, `tolerance`) columns."""
    for candidate in (gold, info, answer):
        if isinstance(candidate, Mapping) and "answer_format" in candidate:
            return item_from_gold(candidate)
        if isinstance(candidate, str) and candidate.lstrip().startswith("{"):
            try:
                parsed = json.loads(candidate)
            except json.JSONDecodeError:
                parsed = None
            if isinstance(parsed, Mapping) and "answer_format" in parsed:
                return item_from_gold(parsed)
    if answer is None or answer_format is None:
        raise GoldError("no gold for this row: give a `gold` column (clinreason export-training --format grpo), "
                        "or `answer` with `answer_format`")
    if isinstance(options, str):
        options = json.loads(options) if options.strip() else {}
    if isinstance(tolerance, str):
        tolerance = json.loads(tolerance) if tolerance.strip() else None
    return item_from_gold({"answer": answer, "answer_format": answer_format, "options": options or {},
                           "tolerance": tolerance})


def _resolve(reward: str | RewardFn | JudgeReward) -> RewardFn | JudgeReward:
    return REWARDS.get(reward) if isinstance(reward, str) else reward


def _apply(fn: RewardFn | JudgeReward, texts: list[str], items: list[Item]) -> list[float | None]:
    if isinstance(fn, JudgeReward):
        return fn.many(texts, items)
    return [fn(t, i) for t, i in zip(texts, items)]


_GOLD_COLUMNS = ("gold", "answer", "info", "answer_format", "options", "tolerance")


def trl_reward(reward: str | RewardFn | JudgeReward, *, name: str | None = None) -> Callable[..., list]:
    """A TRL reward function (GRPOTrainer's `reward_funcs`) computing `reward` for each completion."""
    fn = _resolve(reward)

    def reward_func(prompts=None, completions=None, completion_ids=None, **kwargs) -> list[float | None]:
        completions = list(completions or [])
        columns = {k: kwargs.get(k) for k in _GOLD_COLUMNS if kwargs.get(k) is not None}
        items = [gold_item(**{k: v[i] for k, v in columns.items()}) for i in range(len(completions))]
        return _apply(fn, [completion_text(c) for c in completions], items)

    reward_func.__name__ = name or f"clinreason_{getattr(fn, '__name__', 'reward')}"
    reward_func.__doc__ = f"clinreason reward {reward_func.__name__} (TRL signature)"
    return reward_func


def verifiers_reward(reward: str | RewardFn | JudgeReward, *, name: str | None = None) -> Callable[..., float]:
    """A verifiers (< 0.4) Rubric function: called with `completion` and the row's `answer`/`info` (and
    `state`, unused). Returns 0.0 where the reward does not apply (a Rubric expects a number). For
    verifiers 0.4 task rewards see `clinreason.envs.rewards.vf_reward`."""
    fn = _resolve(reward)

    def reward_func(completion=None, answer=None, info=None, state=None, **kwargs) -> float:
        item = gold_item(gold=kwargs.get("gold"), answer=answer, info=info, answer_format=kwargs.get("answer_format"),
                         options=kwargs.get("options"), tolerance=kwargs.get("tolerance"))
        value = _apply(fn, [completion_text(completion)], [item])[0]
        return 0.0 if value is None else float(value)

    reward_func.__name__ = name or f"clinreason_{getattr(fn, '__name__', 'reward')}"
    return reward_func


def openrlhf_reward(rewards: Sequence[str | RewardFn | JudgeReward] = ("correct",),
                    weights: Sequence[float] | None = None) -> Callable[..., dict]:
    """An OpenRLHF `reward_func(queries, prompts, labels, **kwargs)`: the weighted sum of `rewards` as
    `rewards`, the correctness grade as `scores` (OpenRLHF's dynamic filtering wants 0-1), and each
    component's mean in `extra_logs`. The response is the query after its prompt."""
    fns = [_resolve(r) for r in rewards]
    weights = list(weights) if weights is not None else [1.0] * len(fns)
    if len(weights) != len(fns):
        raise ValueError(f"{len(fns)} rewards but {len(weights)} weights")
    correct = REWARDS.get("correct")

    def reward_func(queries, prompts, labels, **kwargs) -> dict:
        import torch

        texts = [_response(q, p) for q, p in zip(queries, prompts)]
        items = [gold_item(gold=label) for label in labels]
        parts = [[0.0 if v is None else float(v) for v in _apply(fn, texts, items)] for fn in fns]
        total = [sum(w * part[i] for w, part in zip(weights, parts)) for i in range(len(texts))]
        scores = [0.0 if v is None else float(v) for v in _apply(correct, texts, items)]
        logs = {getattr(fn, "__name__", f"reward{i}"): torch.tensor(part).mean() for i, (fn, part) in
                enumerate(zip(fns, parts))}
        return {"rewards": torch.tensor(total, dtype=torch.float), "scores": torch.tensor(scores, dtype=torch.float),
                "extra_logs": logs}

    return reward_func


def _response(query: str, prompt) -> str:
    """The response part of an OpenRLHF query (prompt + response). Older OpenRLHF decoded queries with
    left padding, so the prompt may start after some pad text: cut after its last occurrence."""
    if isinstance(prompt, str) and prompt:
        at = query.rfind(prompt)
        if at >= 0:
            return query[at + len(prompt):]
    return query


# `--remote_rm_url` loads a module-level `reward_func`: this one is the correctness grade.
reward_func = openrlhf_reward()
