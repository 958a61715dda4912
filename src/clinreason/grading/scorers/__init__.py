"""Scorers: registry and built-ins (answer, medec; judge and rubric run through clinreason judge)."""

import importlib
import pkgutil

from .answer import SCORER, AnswerScorer
from .base import SCORERS, Metric, Scorer, build_scorers, error_score


def _builtins() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")


SCORERS.on_first_use(_builtins)

__all__ = ["SCORER", "SCORERS", "AnswerScorer", "Metric", "Scorer", "build_scorers", "error_score"]
