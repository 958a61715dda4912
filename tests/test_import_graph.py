"""The house stays healthy: no import cycles among clinreason's modules (lazy imports included),
and the floor modules import nothing above them."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import clinreason

ROOT = Path(clinreason.__file__).parent


def import_graph() -> nx.DiGraph:
    modules = {}
    for f in ROOT.rglob("*.py"):
        parts = list(f.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = f
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, f in modules.items():
        package = name.split(".") if f.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                prefix = ".".join(base + ([node.module] if node.module else []))
                targets = [prefix] + [f"{prefix}.{a.name}" for a in node.names]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                # A module importing its own package's face is fine (the package imports it, not back).
                if target and target != name and not name.startswith(target + "."):
                    graph.add_edge(name, target)
    return graph


def test_no_import_cycles():
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert cycles == []


def test_floor_modules_import_nothing_above_them():
    graph = import_graph()
    floor = {"clinreason.chat", "clinreason.errors", "clinreason.items", "clinreason.registry", "clinreason.results", "clinreason.trace"}
    for module in floor:
        above = {m for m in nx.descendants(graph, module) if m not in floor}
        assert above == set(), f"{module} imports {sorted(above)}"


def test_gateway_does_not_import_the_store():
    assert "clinreason.store" not in nx.descendants(import_graph(), "clinreason.models.gateway")
