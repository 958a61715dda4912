"""The verifiers taskset `clinreason-consult` (verifiers imports a taskset id as a top-level module):
clinreason's consultation episodes, defined in clinreason.envs.consult."""

from clinreason.envs.consult import *  # noqa: F401,F403
from clinreason.envs.consult import __all__  # noqa: F401
