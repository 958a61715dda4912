"""LLM judges: grade the reasoning, not just the answer.

A judge is a model spec plus a rubric template (`prompts/judge_*.jinja`); it answers with JSON
validated by a pydantic schema (re-asked when invalid, a bounded number of times). Judge calls
go through the Gateway with the judged run's store: cached, and stored with that run. Scores
land in the `scores` table as `judge:<rubric>` (`@repeat` / `@swap` for trust variants).
Rubric modules in this package register themselves on the first registry lookup; the rest of the
package is imported when first used, so summaries that only read judge scores stay light."""

from __future__ import annotations

import importlib
import pkgutil

from .rubrics import RUBRICS, Rubric

_NOT_RUBRICS = ("base", "controls", "rubrics", "runner", "summary", "trust")
_LAZY = {"InvalidJudgement": "base", "Judge": "base", "Verdict": "base", "parse_json_reply": "base",
         "judge_run": "runner", "resolve_rubrics": "runner", "judge_summary": "summary"}


def _builtins() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name not in _NOT_RUBRICS:
            importlib.import_module(f"{__name__}.{module.name}")


RUBRICS.on_first_use(_builtins)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["InvalidJudgement", "Judge", "RUBRICS", "Rubric", "Verdict", "judge_run", "judge_summary",
           "parse_json_reply", "resolve_rubrics"]
