"""One registration mechanism for everything pluggable: benchmarks, methods, scorers, rubrics,
tools, model kinds and probes.

Inside clinreason a module registers with `@REGISTRY.register(name)` (or `.add(name, obj)`) and is
imported by its package. A third-party package registers the same way from a module named by an
entry point in the group ``clinreason.plugins``::

    [project.entry-points."clinreason.plugins"]
    my_plugin = "my_package.clinreason_plugin"

Entry points are loaded once, lazily, the first time any registry is looked up or listed, so
start-up never pays for plugins a command does not touch. A plugin that fails to import is
reported by name (it does not take the whole tool down).
"""

from __future__ import annotations

import sys
from typing import Callable, Generic, Iterator, TypeVar

T = TypeVar("T")
PLUGIN_GROUP = "clinreason.plugins"

_plugins_loaded = False
plugin_errors: dict[str, str] = {}  # entry point name -> why it failed to load


def load_plugins() -> None:
    """Import every module named by a `clinreason.plugins` entry point (once per process)."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    from importlib.metadata import entry_points

    for ep in entry_points(group=PLUGIN_GROUP):
        try:
            target = ep.load()
            if callable(target) and not isinstance(target, type) and getattr(target, "__module__", None):
                target()  # a function: `register()` style plugins
        except Exception as e:  # noqa: BLE001 - a broken plugin must not break clinreason
            plugin_errors[ep.name] = f"{type(e).__name__}: {e}"
            print(f"clinreason: plugin {ep.name!r} ({ep.value}) failed to load: {e}", file=sys.stderr)


class Registry(Generic[T]):
    def __init__(self, kind: str, *, builtins: Callable[[], None] | None = None):
        self.kind = kind
        self._items: dict[str, T] = {}
        self._aliases: dict[str, str] = {}
        # Imports the package's own modules on first use (so importing the registry stays cheap).
        self._builtins = builtins

    def on_first_use(self, builtins: Callable[[], None]) -> None:
        """`builtins()` imports the package's own modules; it runs at the first lookup or listing.
        Set from the package's __init__, so no module imports its own package's modules back."""
        self._builtins = builtins

    def register(self, name: str, *, aliases: tuple[str, ...] = ()) -> Callable[[T], T]:
        def deco(obj: T) -> T:
            self.add(name, obj, aliases=aliases)
            return obj

        return deco

    def add(self, name: str, obj: T, *, aliases: tuple[str, ...] = ()) -> T:
        if name in self._items:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        for alias in aliases:
            if alias in self._items or alias in self._aliases:
                raise ValueError(f"{self.kind} alias {alias!r} is registered twice")
        self._items[name] = obj
        for alias in aliases:
            self._aliases[alias] = name
        return obj

    def _ready(self) -> None:
        if self._builtins is not None:
            builtins, self._builtins = self._builtins, None
            builtins()
        load_plugins()

    def canonical(self, name: str) -> str:
        self._ready()
        key = name.strip().lower().replace("-", "_")
        for candidate in (name, key):
            if candidate in self._items:
                return candidate
            if candidate in self._aliases:
                return self._aliases[candidate]
        raise KeyError(f"unknown {self.kind} {name!r}; known: {', '.join(sorted(self._items))}")

    def get(self, name: str) -> T:
        return self._items[self.canonical(name)]

    def __contains__(self, name: str) -> bool:
        try:
            self.canonical(name)
            return True
        except KeyError:
            return False

    def __iter__(self) -> Iterator[str]:
        self._ready()
        return iter(sorted(self._items))

    def items(self) -> list[tuple[str, T]]:
        self._ready()
        return sorted(self._items.items())
