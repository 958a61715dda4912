"""The verifiers taskset `clinreason-items` (verifiers imports a taskset id as a top-level module):
clinreason's single-turn environments, defined in clinreason.envs.single_turn."""

from clinreason.envs.single_turn import *  # noqa: F401,F403
from clinreason.envs.single_turn import __all__  # noqa: F401
