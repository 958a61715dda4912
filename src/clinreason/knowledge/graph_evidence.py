"""Evidence for a multiple-choice question: the entities the question names, the entities each option
names, and the shortest graph paths between them, ranked and cut per option (MedReason / KG-Rank
style grounding). Pure: text in, paths and sentences out; the method decides what to show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .graph_linking import KIND_ORDER, Mention
from .graph_paths import GraphPath, PathFinder, verbalise


@dataclass(frozen=True)
class PairEvidence:
    """The paths kept between one question entity and one option entity."""

    source: str  # node ids
    target: str
    paths: tuple[GraphPath, ...]
    sentences: tuple[str, ...]


@dataclass
class OptionEvidence:
    letter: str
    text: str
    entities: list[str]  # node ids linked in the option text
    pairs: list[PairEvidence] = field(default_factory=list)

    @property
    def sentences(self) -> list[str]:
        return [s for pair in self.pairs for s in pair.sentences]


def entity_nodes(kg: Any, mentions: list[Mention], limit: int | None = None) -> list[str]:
    """Distinct nodes of the mentions; with a limit, the more clinical kinds first (then text order)."""
    nodes = list(dict.fromkeys(node for m in mentions for node in m.nodes))
    if limit is None or len(nodes) <= limit:
        return nodes
    rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
    position = {node: i for i, node in enumerate(nodes)}
    return sorted(nodes, key=lambda n: (rank.get(kg.kind(n), len(rank)), position[n]))[:limit]


def option_evidence(kg: Any, question: str, options: dict[str, str], *, max_hops: int = 3,
                    per_option: int = 4, per_pair: int = 2, max_entities: int = 12) -> list[OptionEvidence]:
    """Per option: up to `per_option` shortest paths (≤ max_hops) from the question's entities to
    the option's, the shortest first; equally short ones keep the finder's specificity order."""
    finder = PathFinder(kg, max_hops)
    sources = entity_nodes(kg, kg.link(question), max_entities)
    evidence = []
    for letter, text in options.items():
        targets = [node for node in entity_nodes(kg, kg.link(text)) if node not in sources]
        ranked: list[tuple[int, int, str, str, GraphPath]] = []
        for source in sources:
            for target in targets:
                for path in finder.between(source, target, per_pair):
                    ranked.append((path.hops, len(ranked), source, target, path))
        kept = sorted(ranked, key=lambda r: r[:2])[:per_option]
        option = OptionEvidence(letter, text, targets)
        by_pair: dict[tuple[str, str], list[GraphPath]] = {}
        for _, _, source, target, path in kept:
            by_pair.setdefault((source, target), []).append(path)
        for (source, target), paths in by_pair.items():
            option.pairs.append(PairEvidence(source, target, tuple(paths), tuple(verbalise(kg, p) for p in paths)))
        evidence.append(option)
    return evidence
