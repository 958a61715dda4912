"""Shortest paths between linked entities, bounded in length and number, and their sentences.

Edges are walked in either direction (a drug that treats a disease connects the disease back to the
drug) and verbalised with their direction: "Propranolol —treats→ hypertension ←treats— Labetalol".

Why not `nx.all_shortest_paths` or `nx.all_simple_paths(cutoff=3)`: the first runs a BFS over the
whole component for every pair, the second explodes at hub genes; neither can keep paths from
passing *through* kinds that only add noise. So: a depth-bounded BFS ball from each question entity
(cached across the options of an item), a shallower one from each option entity, and the shortest
paths are read off where the two meet. Only nodes of clinical kinds are walked through; the
endpoints themselves may be of any kind."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any, Iterator

# Kinds paths do not pass through. Hetionet's omics kinds: a path through a gene ("X associates
# Gene 123 associates Y") links almost anything to anything in three hops. Side effects: "nausea
# <-causes- drug A -causes-> diarrhoea <-causes- drug B" says only that both drugs upset stomachs.
AVOID_KINDS = frozenset({"Gene", "Biological Process", "Cellular Component", "Molecular Function", "Pathway",
                         "Side Effect"})
MAX_CANDIDATES = 64  # shortest paths enumerated per pair before ranking (hubs can have thousands)


@dataclass(frozen=True)
class GraphPath:
    nodes: tuple[str, ...]
    steps: tuple[tuple[tuple[str, ...], bool], ...]  # per hop: (metaedges, walked in the edge's direction?)

    @property
    def hops(self) -> int:
        return len(self.steps)

    @property
    def id(self) -> str:
        """Stable and readable: node ids joined by their metaedges, e.g. 'Compound::DB00571 -CtD-> Disease::DOID:10763'."""
        parts = [self.nodes[0]]
        for (metaedges, forward), node in zip(self.steps, self.nodes[1:]):
            label = "/".join(metaedges)
            parts.append(f"-{label}-> {node}" if forward else f"<-{label}- {node}")
        return " ".join(parts)


def verbalise(kg: Any, path: GraphPath) -> str:
    """The path as an evidence sentence, with readable verbs from the graph's metaedges table."""
    words = [kg.node_name(path.nodes[0])]
    for (metaedges, forward), node in zip(path.steps, path.nodes[1:]):
        verb = "/".join(dict.fromkeys(kg.verb(m) for m in metaedges))
        words.append(f"—{verb}→ {kg.node_name(node)}" if forward else f"←{verb}— {kg.node_name(node)}")
    return " ".join(words)


class PathFinder:
    """Paths of at most `max_hops` between entity nodes of one graph, walking through nodes whose
    kind is not in `avoid`. Balls are cached, so one finder serves all options of an item."""

    def __init__(self, kg: Any, max_hops: int = 3, avoid: frozenset[str] = AVOID_KINDS):
        if max_hops < 1:
            raise ValueError("max_hops must be at least 1")
        self.kg, self.max_hops, self.avoid = kg, max_hops, avoid
        self._balls: dict[tuple[str, int], dict[str, tuple[int, list[str]]]] = {}

    def _walkable(self, node: str) -> bool:
        return self.kg.kind(node) not in self.avoid

    def ball(self, start: str, depth: int) -> dict[str, tuple[int, list[str]]]:
        """node -> (distance, predecessors on its shortest paths from start), up to `depth` hops."""
        key = (start, depth)
        if key in self._balls:
            return self._balls[key]
        succ, pred = self.kg.graph.succ, self.kg.graph.pred
        seen: dict[str, tuple[int, list[str]]] = {start: (0, [])}
        frontier = [start]
        for distance in range(1, depth + 1):
            layer: list[str] = []
            for node in frontier:
                if node != start and not self._walkable(node):
                    continue  # reached, but paths do not pass through it
                for other in (*succ[node], *pred[node]):
                    if other not in seen:
                        seen[other] = (distance, [node])
                        layer.append(other)
                    elif seen[other][0] == distance and node not in seen[other][1]:
                        seen[other][1].append(node)
            frontier = layer
        self._balls[key] = seen
        return seen

    def between(self, source: str, target: str, limit: int = 2) -> list[GraphPath]:
        """Up to `limit` shortest paths source .. target (none when longer than max_hops). Among
        equally short paths, those through less connected nodes come first: more specific evidence."""
        if source == target:
            return []
        # The deeper ball grows from the end with fewer neighbours: an option's drug has dozens,
        # a question's "nausea" thousands at two hops. Meeting points are the same either way.
        deep, shallow = sorted((source, target), key=lambda node: (len(self.ball(node, 1)), node != source))
        near_deep = self.ball(deep, (self.max_hops + 1) // 2)
        near_shallow = self.ball(shallow, self.max_hops // 2)
        small, large = sorted((near_deep, near_shallow), key=len)
        meetings = []
        for node in small:
            if node in large:
                total = near_deep[node][0] + near_shallow[node][0]
                if total and (node in (source, target) or self._walkable(node)):
                    meetings.append((total, node))
        if not meetings:
            return []
        best = min(total for total, _ in meetings)
        found: dict[tuple[str, ...], None] = {}
        for _, middle in sorted(m for m in meetings if m[0] == best):
            for head in _walks(near_deep, middle):
                for tail in _walks(near_shallow, middle):
                    nodes = tuple(reversed(head)) + tuple(tail[1:])
                    found.setdefault(nodes if deep == source else nodes[::-1], None)
            if len(found) >= MAX_CANDIDATES:
                break
        degree = self.kg.graph.degree
        ranked = sorted(found, key=lambda nodes: (sum(degree(n) for n in nodes[1:-1]), nodes))
        return [self._path(nodes) for nodes in ranked[:limit]]

    def paths(self, sources: list[str], targets: list[str], per_pair: int = 2) -> list[GraphPath]:
        return [p for s in sources for t in targets for p in self.between(s, t, per_pair)]

    def _path(self, nodes: tuple[str, ...]) -> GraphPath:
        succ = self.kg.graph.succ
        steps = []
        for a, b in zip(nodes, nodes[1:]):
            forward = b in succ[a]
            steps.append((tuple(sorted(succ[a][b] if forward else succ[b][a])), forward))
        return GraphPath(nodes, tuple(steps))


def _walks(ball: dict[str, tuple[int, list[str]]], node: str) -> Iterator[list[str]]:
    """Shortest walks from `node` back to the ball's centre (node first), at most MAX_CANDIDATES."""
    def back(current: str) -> Iterator[list[str]]:
        predecessors = ball[current][1]
        if not predecessors:
            yield [current]
            return
        for previous in predecessors:
            for rest in back(previous):
                yield [current, *rest]
    return islice(back(node), MAX_CANDIDATES)


def find_paths(kg: Any, sources: list[str], targets: list[str], *, max_hops: int = 3, per_pair: int = 2,
               avoid: frozenset[str] = AVOID_KINDS) -> list[GraphPath]:
    """Up to `per_pair` shortest paths (≤ max_hops) for every (source, target) pair."""
    return PathFinder(kg, max_hops, avoid).paths(sources, targets, per_pair)
