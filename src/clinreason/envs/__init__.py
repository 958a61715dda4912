"""verifiers environments over clinreason's benchmarks and graders, for RL trainers that use
verifiers (>= 0.4, the `verifiers.v1` API):

    from clinreason.envs import load_environment
    env = load_environment(benchmark="medqa", method="cot", limit=100, strict_format=0.2)

- single_turn.py  one question, one answer: MCQ (letter, letters, yes/no/maybe) and MedCalc-Bench
                  (number, date) items, prompted as clinreason's `cot` / `direct` methods prompt them
- consult.py      consultation episodes (mediq, agentclinic NEJM): the doctor asks clinreason's
                  fact-retrieval patient, then answers
- rewards.py      clinreason rewards as verifiers v1 task rewards (`async (task, trace) -> float`)

Every reward is computed by clinreason.rewards, i.e. by the same parser and answer scorer that
grade an evaluation run. verifiers is optional: importing this package never needs it;
`load_environment` says how to install it when it is missing.

verifiers' own CLI finds a taskset by importing a module named after its id, which cannot be
dotted: the top-level packages `clinreason_items` and `clinreason_consult` (installed with clinreason)
re-export these modules, so the ids `clinreason-items` and `clinreason-consult` resolve in any process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._common import EPISODE_METHODS, SINGLE_TURN_METHODS, check_method, require_verifiers

OPTIONAL_REWARDS = ("strict_format", "think_format", "length_penalty")


def load_environment(benchmark: str = "medqa", subset: str | None = None, method: str | None = None,
                     limit: int | None = None, data_dir: str | Path | None = None, *, strict_format: float = 0.0,
                     think_format: float = 0.0, length_penalty: float = 0.0, length_limit: int = 4000,
                     max_turns: int = 10, agent: dict[str, Any] | None = None, **env_options: Any):
    """A verifiers `Env` whose tasks are `benchmark`'s items (`subset`, first `limit`; data from
    `data_dir`, else $CLINREASON_DATA), resolved as `clinreason run` resolves them.

    method: cot (default) or direct -> single-turn; consult or agentclinic -> a consultation
    episode (the default for mediq and agentclinic, as in `clinreason run`). The reward is
    clinreason's `correct` grade (weight 1), plus `strict_format`, `think_format` and
    `length_penalty` (0 up to `length_limit` characters, then down to -1) at the weights given.
    `max_turns` bounds an episode. `agent` overrides the model seat's verifiers AgentConfig fields
    (harness, runtime, max_turns, sampling ...); other keyword arguments go to the env's config.
    Raises ValueError naming the argument for an unknown benchmark / subset / method, an answer
    format no rule can grade, or a negative weight; ImportError when verifiers is missing."""
    from ..data import BENCHMARKS

    try:
        own = BENCHMARKS.get(benchmark).default_method
    except KeyError as e:
        raise ValueError(f"benchmark: {e.args[0]}") from None
    method = method or (own if own in EPISODE_METHODS else "cot")
    check_method(method, SINGLE_TURN_METHODS + EPISODE_METHODS)
    weights = {"strict_format": strict_format, "think_format": think_format, "length_penalty": length_penalty}
    for name, weight in weights.items():
        if weight < 0:
            raise ValueError(f"{name}: a reward weight cannot be negative (the length penalty is already negative)")
    require_verifiers()
    task = {"length_limit": length_limit, "rewards": {name: {"weight": w} for name, w in weights.items() if w}}
    taskset = {"benchmark": benchmark, "subset": subset, "method": method, "limit": limit,
               "data_dir": str(data_dir) if data_dir else None, "task": task}
    if method in EPISODE_METHODS:
        from .consult import PLUGIN_ID, ConsultEnv, ConsultEnvConfig

        env_cls, config_cls, seat = ConsultEnv, ConsultEnvConfig, "doctor"
        taskset["max_turns"] = max_turns
    else:
        from .single_turn import PLUGIN_ID, ItemsEnv, ItemsEnvConfig

        env_cls, config_cls, seat = ItemsEnv, ItemsEnvConfig, "agent"
    config: dict[str, Any] = {"taskset": {"id": PLUGIN_ID, **taskset}, **env_options}
    if agent:
        config[seat] = dict(agent)  # merged onto the seat's defaults by verifiers' EnvConfig
    return env_cls(config_cls.model_validate(config))


__all__ = ["OPTIONAL_REWARDS", "load_environment", "require_verifiers"]
