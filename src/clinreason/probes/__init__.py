"""Probes: item transforms (robustness checks) in one registry; each derived item keeps source_id."""

import importlib
import pkgutil

from .base import PROBES, Probe, apply_probes, derive_all, to_source_letters


def _builtins() -> None:
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_") and module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")


PROBES.on_first_use(_builtins)

__all__ = ["PROBES", "Probe", "apply_probes", "derive_all", "to_source_letters"]
