"""Tools a method may offer the model: typed specs plus functions, in one registry; the loop."""

import importlib
import pkgutil

from .base import TOOLS, Tool, ToolError, build_tools


def _builtins() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name not in ("base", "loop") and not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")


TOOLS.on_first_use(_builtins)

__all__ = ["TOOLS", "Tool", "ToolError", "build_tools"]
