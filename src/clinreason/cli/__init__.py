"""The `clinreason` command. Each module in this package adds its commands to `app`."""

from __future__ import annotations

import importlib
import pkgutil

from ._app import app, console

# The commands people start with come first in --help; the rest follow alphabetically.
_FIRST = ("run", "catalog", "show")
for _name in (*_FIRST, *sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in _FIRST)):
    if not _name.startswith("_"):
        importlib.import_module(f"{__name__}.{_name}")


def main() -> None:
    app()


__all__ = ["app", "console", "main"]
