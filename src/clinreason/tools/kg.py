"""`kg_lookup`: the model names an entity (a drug, disease, symptom, ...) and reads its node in the
run's knowledge graph (--graph, default Hetionet) and its neighbours grouped by relation, bounded.
The engine binds the run's graph (`bind`); an unknown entity, an unknown relation or an unbound
tool is a `ToolError` the model reads."""

from __future__ import annotations

from typing import Any, ClassVar

from ..knowledge.graph_linking import KIND_ORDER
from .base import TOOLS, Tool, ToolError

MAX_ENTITY = 200  # characters
PER_RELATION = 8  # neighbour names shown per relation
MAX_RELATIONS = 12
MAX_OUTPUT = 2000  # characters: enough to read, short enough for a small model's context


@TOOLS.register("kg_lookup", aliases=("kg",))
class KgLookup(Tool):
    name = "kg_lookup"
    description = ("Look up a biomedical entity (drug, disease, symptom, anatomy, gene) in the knowledge graph: "
                   "the node it names and its neighbours by relation (treats, presents, causes, ...).")
    parameters = {
        "type": "object",
        "properties": {
            "entity": {"type": "string", "description": "a name, e.g. 'metformin' or 'type 2 diabetes mellitus'"},
            "relation": {"type": "string", "description": "optional: show only this relation, e.g. 'treats'"},
        },
        "required": ["entity"],
        "additionalProperties": False,
    }
    knowledge: ClassVar[tuple[str, ...]] = ("graph",)  # the run opens its graph for a method offering this

    def __init__(self, graph: Any = None):
        self.graph = graph

    def bind(self, graph: Any = None, **_other: Any) -> None:
        self.graph = graph

    def run(self, arguments: dict) -> str:
        unknown = set(arguments) - {"entity", "relation"}
        if unknown:
            raise ToolError(f"unknown argument(s) {sorted(unknown)}; expected 'entity' and optionally 'relation'")
        entity, relation = arguments.get("entity"), arguments.get("relation")
        if not isinstance(entity, str) or not entity.strip():
            raise ToolError("'entity' must be a non-empty string, e.g. 'metformin'")
        if len(entity) > MAX_ENTITY:
            raise ToolError(f"'entity' is longer than {MAX_ENTITY} characters; give one name")
        if relation is not None and (not isinstance(relation, str) or not relation.strip()):
            raise ToolError("'relation' must be a non-empty string such as 'treats', or left out")
        if self.graph is None:
            raise ToolError("no knowledge graph is open in this run")
        kg = self.graph
        nodes = kg.linker.lookup(entity) or next((m.nodes for m in sorted(
            kg.link(entity), key=lambda m: m.start - m.end)), ())  # else the longest name inside it
        if not nodes:
            raise ToolError(f"no entity named {entity.strip()!r} in the knowledge graph {kg.name!r}; try a generic "
                            "drug name or a disease's full name (e.g. 'type 2 diabetes mellitus')")
        node = nodes[0]
        lines = [f"{entity.strip()} = {kg.node_name(node)} ({kg.kind(node)}, {node})"]
        if len(nodes) > 1:
            lines.append("also named so: " + "; ".join(f"{kg.node_name(n)} ({kg.kind(n)})" for n in nodes[1:4]))
        rank = {kind: i for i, kind in enumerate(KIND_ORDER)}  # clinical relations before gene lists
        groups = sorted(kg.neighbours(node).items(), key=lambda g: (rank.get(kg.kind(g[1][0]), len(rank)), g[0]))
        if relation is not None:
            wanted = relation.strip().lower()
            available = sorted({kg.verb(metaedge) for (metaedge, _), _ in groups})
            groups = [g for g in groups if wanted in (kg.verb(g[0][0]).lower(), g[0][0].lower())]
            if not groups:
                raise ToolError(f"{kg.node_name(node)} has no {relation.strip()!r} relation; it has: "
                                + (", ".join(available) or "none"))
        if not groups:
            lines.append("(no neighbours in this graph)")
        for (metaedge, outgoing), neighbours in groups[:MAX_RELATIONS]:
            verb, kind = kg.verb(metaedge), kg.kind(neighbours[0])
            head = f"—{verb}→ {kind}" if outgoing else f"←{verb}— {kind}"
            names = ", ".join(kg.node_name(n) for n in neighbours[:PER_RELATION])
            more = f" (+{len(neighbours) - PER_RELATION} more)" if len(neighbours) > PER_RELATION else ""
            lines.append(f"{head}: {names}{more}")
        if len(groups) > MAX_RELATIONS:
            lines.append(f"(+{len(groups) - MAX_RELATIONS} more relations; ask for one with 'relation')")
        text = "\n".join(lines)
        return text if len(text) <= MAX_OUTPUT else text[:MAX_OUTPUT - 12].rstrip() + "\n(truncated)"
