"""The tool contract: a typed spec the model sees (name, description, JSON Schema of the inputs)
and a function that runs it. Tools never raise into the loop: bad input comes back as a
`ToolError` whose message the model reads, so a wrong call is a turn, not a crash."""

from __future__ import annotations

from typing import Any, ClassVar

from ..chat import ToolSpec
from ..registry import Registry


class ToolError(ValueError):
    """A call the tool cannot serve (missing / wrongly typed / out-of-range input). Shown to the model."""


class Tool:
    name: ClassVar[str]
    description: ClassVar[str]
    parameters: ClassVar[dict[str, Any]]

    def spec(self) -> ToolSpec:
        return ToolSpec(name=self.name, description=self.description, parameters=self.parameters)

    def run(self, arguments: dict[str, Any]) -> str:
        raise NotImplementedError


TOOLS: Registry[type[Tool]] = Registry("tool")  # filled by the package's modules (see __init__)


def build_tools(names: tuple[str, ...] | list[str]) -> dict[str, Tool]:
    """Tools by name; a trailing "*" names every registered tool with that prefix ("medcalc_*")."""
    out: dict[str, Tool] = {}
    for name in names:
        matched = [n for n in TOOLS if n.startswith(name[:-1])] if name.endswith("*") else [TOOLS.canonical(name)]
        if not matched:
            raise KeyError(f"no tool matches {name!r}")
        out.update((n, out.get(n) or TOOLS.get(n)()) for n in matched)
    return out
