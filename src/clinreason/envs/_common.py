"""What every clinreason environment does before verifiers sees a task: import verifiers (optional),
resolve the benchmark as `clinreason run` does, check the method, and keep only items a rule can
grade. Every check raises a one-line error naming the argument; nothing here imports verifiers
until `require_verifiers` is called, so bad arguments are reported even without it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import ModuleType

from ..items import Item
from ..rewards.gold import GRADABLE

# Method templates a single-turn task can be prompted with (clinreason.prompts templates).
SINGLE_TURN_METHODS = ("cot", "direct")
# Episode methods (clinreason.methods): the doctor consults a patient over several turns.
EPISODE_METHODS = ("consult", "agentclinic")
INSTALL_HINT = "pip install 'clinreason[train]' (or: pip install 'verifiers>=0.4')"


def require_verifiers() -> ModuleType:
    """`verifiers.v1`, or an ImportError that says how to install it. verifiers 0.4 moved its whole
    API under `verifiers.v1`; an older install (SingleTurnEnv/Rubric) is refused by name."""
    try:
        import verifiers.v1 as vf
    except ImportError as e:
        try:
            import verifiers
            found = f"verifiers {getattr(verifiers, '__version__', '?')} is installed but has no verifiers.v1"
        except ImportError:
            found = "verifiers is not installed"
        raise ImportError(f"clinreason.envs needs verifiers >= 0.4 (the verifiers.v1 API): {found}. "
                          f"Install it with: {INSTALL_HINT}") from e
    return vf


def register_plugin(alias: str, module_name: str) -> None:
    """verifiers resolves a taskset id by importing a module named after it, and a dotted id
    (`clinreason.envs.single_turn`) cannot be found that way: make `alias` importable in this
    process as that module, unless a real module of that name exists."""
    if alias in sys.modules:
        return
    import importlib.util

    if importlib.util.find_spec(alias) is None:
        sys.modules[alias] = sys.modules[module_name]


def resolve_data_dir(data_dir: str | Path | None) -> Path | None:
    """An explicit data_dir, else $CLINREASON_DATA, else None (clinreason's locate then tries the
    user cache and the Hub)."""
    if data_dir:
        path = Path(data_dir).expanduser()
        if not path.is_dir():
            raise ValueError(f"data_dir: {path} is not a directory")
        return path
    env = os.environ.get("CLINREASON_DATA")
    return Path(env) if env else None


def check_method(method: str, allowed: tuple[str, ...]) -> str:
    if method not in allowed:
        raise ValueError(f"method: {method!r} is not available here; use one of {', '.join(allowed)}")
    return method


def load_gradable(benchmark: str, subset: str | None, data_dir: str | Path | None,
                  limit: int | None) -> tuple[str, str, list[Item]]:
    """(benchmark name, subset, items) of a registered benchmark, resolved as `clinreason run`
    resolves it; items whose answer format no rule can grade (free text) are left out, and a
    benchmark with none left is refused."""
    from ..data import BENCHMARKS, load_items

    if limit is not None and limit < 1:
        raise ValueError(f"limit: must be at least 1, got {limit}")
    try:
        bench = BENCHMARKS.get(benchmark)
    except KeyError as e:
        raise ValueError(f"benchmark: {e.args[0]}") from None
    try:
        subset = bench.check_subset(subset)
    except ValueError as e:
        raise ValueError(f"subset: {e}") from None
    items = load_items(bench.name, subset, resolve_data_dir(data_dir))
    gradable = [item for item in items if item.format.value in GRADABLE]
    if not gradable:
        formats = sorted({item.format.value for item in items})
        raise ValueError(f"{bench.name}/{subset}: answer format {', '.join(formats)} cannot be graded by a "
                         f"rule-based reward (gradable: {', '.join(sorted(GRADABLE))}); score it with a judge "
                         "(clinreason.rewards.JudgeReward) instead")
    return bench.name, subset, gradable[:limit] if limit else gradable
