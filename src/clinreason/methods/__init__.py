"""Reasoning methods: short async classes composing model calls into a Prediction.

A method sees an `Item` and a `Context` (the run's models by role, tools, retriever, trace; every
call is traced and cached). It never reads benchmark files or computes metrics. Add one by
subclassing `Method` in a module of this package and decorating it with `@METHODS.register(name)`:
modules here are imported on the first registry lookup; plugins register the same way.
"""

import importlib
import pkgutil

from ..results import Prediction
from .base import METHODS, MODEL_ROLE, Context, Method, MethodParams, build_method


def _builtins() -> None:
    """Every module of this package registers its methods (a new method is one new file)."""
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_") and module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")


METHODS.on_first_use(_builtins)

__all__ = ["METHODS", "MODEL_ROLE", "Context", "Method", "MethodParams", "Prediction", "build_method"]
