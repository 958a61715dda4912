"""A knowledge graph in networkx: Hetionet by default, or a user's graph in the same shapes.

`load_graph(spec)` takes "hetionet" (found under the shared data directory, like benchmark files:
--data-dir, $CLINREASON_DATA, the user cache) or a directory / file path holding a nodes TSV (id,
name, kind) and an edges SIF(.gz) (source, metaedge, target), with optional metaedges.tsv (edge
abbreviation -> verb), synonyms.tsv (id, name) and pharmacotherapydb/{drugs,diseases}.tsv. Loaded
graphs are cached per process (keyed by the files and their modification times), and each graph
builds its linker's name index once, on first use.

Methods reach the graph through `ctx.graph`; the knowledge layer never calls a model."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import networkx as nx

from ..errors import DataError
from .graph_files import Node, SynonymSource, read_edges, read_nodes, read_synonyms, read_verbs
from .graph_linking import Linker, Mention
from .graph_paths import GraphPath, find_paths
from .graph_synonyms import HETIONET_SYNONYMS

HETIONET = "hetionet"
DEFAULT_GRAPH = HETIONET
_HETIONET_NODES = "hetionet-v1.0-nodes.tsv"


@dataclass(frozen=True)
class GraphFiles:
    name: str
    nodes: Path
    edges: Path
    verbs: Path | None = None
    synonyms: tuple[SynonymSource, ...] = ()
    builtin_synonyms: bool = False  # add graph_synonyms.HETIONET_SYNONYMS (Hetionet node ids)

    def stamp(self) -> tuple:
        """What must stay the same for a cached graph to still be right: each file's mtime and size."""
        paths = [self.nodes, self.edges, self.verbs, *(s.path for s in self.synonyms)]
        return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p is not None)


class KnowledgeGraph:
    """Nodes carry `name` and `kind`; each edge is keyed by its metaedge (e.g. "CtD"), directed
    as its source file says. Paths and linking read this one networkx graph."""

    def __init__(self, name: str, graph: nx.MultiDiGraph, verbs: dict[str, str],
                 synonyms: dict[str, list[str]] | None = None):
        self.name = name
        self.graph = graph
        self.verbs = verbs
        self.synonyms = synonyms or {}

    @property
    def source(self) -> str:
        """The name trace Retrieval events carry ("kg:hetionet")."""
        return f"kg:{self.name}"

    def __repr__(self) -> str:
        return f"KnowledgeGraph({self.name!r}, {self.graph.number_of_nodes()} nodes, {self.graph.number_of_edges()} edges)"

    def node_name(self, node: str) -> str:
        return self.graph.nodes[node]["name"]

    def kind(self, node: str) -> str:
        return self.graph.nodes[node]["kind"]

    def verb(self, metaedge: str) -> str:
        return self.verbs.get(metaedge, metaedge)

    @cached_property
    def linker(self) -> Linker:
        names = [(node, data["name"], data["kind"]) for node, data in self.graph.nodes(data=True)]
        names += [(node, synonym, self.kind(node)) for node, extra in self.synonyms.items() for synonym in extra]
        return Linker(names)

    def link(self, text: str) -> list[Mention]:
        return self.linker.link(text)

    def paths(self, sources: list[str], targets: list[str], **bounds) -> list[GraphPath]:
        return find_paths(self, sources, targets, **bounds)

    def neighbours(self, node: str) -> dict[tuple[str, bool], list[str]]:
        """(metaedge, outgoing?) -> neighbour node ids, sorted by name: what `kg_lookup` shows."""
        grouped: dict[tuple[str, bool], list[str]] = {}
        for _, other, metaedge in self.graph.out_edges(node, keys=True):
            grouped.setdefault((metaedge, True), []).append(other)
        for other, _, metaedge in self.graph.in_edges(node, keys=True):
            grouped.setdefault((metaedge, False), []).append(other)
        return {key: sorted(set(nodes), key=self.node_name) for key, nodes in sorted(grouped.items())}


def build_graph(name: str, nodes: dict[str, Node], edges: list[tuple[str, str, str]],
                verbs: dict[str, str], synonyms: list[tuple[str, str]]) -> KnowledgeGraph:
    graph = nx.MultiDiGraph(name=name)
    graph.add_nodes_from((n.id, {"name": n.name, "kind": n.kind}) for n in nodes.values())
    graph.add_edges_from((source, target, metaedge, {}) for source, metaedge, target in edges)
    extra: dict[str, list[str]] = {}
    for node, synonym in synonyms:
        if synonym != nodes[node].name and synonym not in extra.setdefault(node, []):
            extra[node].append(synonym)
    return KnowledgeGraph(name, graph, verbs, {node: names for node, names in extra.items() if names})


@lru_cache(maxsize=4)
def _load(files: GraphFiles, stamp: tuple) -> KnowledgeGraph:
    """Every file is read and checked before the graph is built (a bad line fails before any work)."""
    nodes = read_nodes(files.nodes)
    verbs = read_verbs(files.verbs) if files.verbs else None
    edges = read_edges(files.edges, nodes, verbs)
    synonyms = [pair for source in files.synonyms for pair in read_synonyms(source, nodes)]
    if files.builtin_synonyms:
        synonyms += [(node, name) for node, names in HETIONET_SYNONYMS.items() if node in nodes for name in names]
    return build_graph(files.name, nodes, edges, verbs or {}, synonyms)


def load_graph(spec: str = DEFAULT_GRAPH, data_dir: str | Path | None = None) -> KnowledgeGraph:
    """The graph named by `spec`: "hetionet" or a path (see the module docstring). Cached per process."""
    files = graph_files(spec, data_dir)
    return _load(files, files.stamp())


def graph_identity(spec: str, data_dir: str | Path | None = None) -> dict:
    """What a run records about its graph: the name and a hash of the files' contents (not their
    paths, which differ by machine), so the same graph gives the same run id anywhere."""
    files = graph_files(spec, data_dir)
    digest = hashlib.sha256()
    for path in [files.nodes, files.edges, files.verbs, *(s.path for s in files.synonyms)]:
        if path is not None:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    if files.builtin_synonyms:
        digest.update(repr(sorted(HETIONET_SYNONYMS.items())).encode())
    return {"name": files.name, "sha256": digest.hexdigest()[:16]}


def graph_files(spec: str, data_dir: str | Path | None = None) -> GraphFiles:
    spec = (spec or "").strip()
    if spec.lower() == HETIONET:
        return hetionet_files(data_dir)
    path = Path(spec).expanduser()
    if not spec or not path.exists():
        raise DataError(spec or "<graph>", None, None, f"no such knowledge graph: give {HETIONET!r} or the path of a "
                        "directory (or file) with a nodes TSV (id, name, kind) and an edges SIF (source, metaedge, target)")
    return user_files(path)


def hetionet_files(data_dir: str | Path | None = None) -> GraphFiles:
    from ..data.locate import ENV_VAR, resolve_data_dir  # the same search as benchmark files

    looked = []
    for directory in resolve_data_dir(data_dir):
        root = directory / HETIONET
        if (root / _HETIONET_NODES).is_file():
            pharmaco = root / "pharmacotherapydb"
            return GraphFiles(HETIONET, root / _HETIONET_NODES, root / "edges-5k.sif.gz", root / "metaedges.tsv", (
                SynonymSource(pharmaco / "drugs.tsv", "drugbank_id", "drug", "Compound::"),
                SynonymSource(pharmaco / "diseases.tsv", "doid_id", "disease", "Disease::")), builtin_synonyms=True)
        looked.append(str(root / _HETIONET_NODES))
    raise DataError(f"{HETIONET}/{_HETIONET_NODES}", None, None, "Hetionet not found; looked in " + ", ".join(looked)
                    + f". Point --data-dir or ${ENV_VAR} at the shared data directory, or pass --graph PATH.")


def user_files(path: Path) -> GraphFiles:
    """A directory with one nodes TSV (*nodes*.tsv[.gz]) and one edges SIF (*.sif[.gz]); a file path
    names one of the two, and the other is found beside it."""
    directory = path if path.is_dir() else path.parent
    nodes = [p for p in sorted(directory.glob("*nodes*.tsv*")) if p.suffix in (".tsv", ".gz")]
    edges = sorted([*directory.glob("*.sif"), *directory.glob("*.sif.gz")])
    if path.is_file():
        if path.name.endswith((".sif", ".sif.gz")):
            edges = [path]
        else:
            nodes = [path]
    if len(nodes) != 1 or len(edges) != 1:
        found = ", ".join(p.name for p in nodes + edges) or "neither"
        raise DataError(str(path), None, None, "expected exactly one nodes TSV (*nodes*.tsv: id, name, kind) and one "
                        f"edges SIF (*.sif or *.sif.gz: source, metaedge, target); found {found}")
    synonyms = [SynonymSource(directory / "synonyms.tsv", "id", "name")]
    pharmaco = directory / "pharmacotherapydb"
    synonyms += [SynonymSource(pharmaco / "drugs.tsv", "drugbank_id", "drug", "Compound::"),
                 SynonymSource(pharmaco / "diseases.tsv", "doid_id", "disease", "Disease::")]
    verbs = directory / "metaedges.tsv"
    return GraphFiles(directory.name or str(directory), nodes[0], edges[0], verbs if verbs.is_file() else None,
                      tuple(s for s in synonyms if s.path.is_file()))
