"""Running plans: `RunPlan` (what a run is, and its id) and `execute` (run it here, resumably)."""

from .local import Progress, ProgressCallback, execute, open_knowledge
from .plan import DEFAULT_SCORERS, RunPlan

__all__ = ["DEFAULT_SCORERS", "Progress", "ProgressCallback", "RunPlan", "execute", "open_knowledge"]
