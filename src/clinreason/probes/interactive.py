"""`interactive`: any case-style item (MedQA, MedBullets, CUPCase, MedR-Bench, ...) as an episode.

The vignette (the item's context, else its question text up to the last sentence that asks
something) is cut into atomic facts (sentences, then clauses on ';' and ', and' where every piece
stays a phrase); its first sentence becomes the opening presentation the doctor sees. The question
sentence(s) stay the question; options and gold are unchanged. The derived item keeps `source_id`
and has transform "interactive", so paired statistics match it with the one-shot original.
`clinreason run ... --interactive` applies it (cli/run.py)."""

from __future__ import annotations

from ..data._sentences import atomic_facts, split_sentences
from ..items import Item
from .base import PROBES, Probe


def vignette_and_question(item: Item) -> tuple[str, str]:
    if item.context and item.context.strip():
        return item.context, item.question
    sentences = split_sentences(item.question)
    asks = [i for i, s in enumerate(sentences) if "?" in s]
    cut = asks[-1] if asks else len(sentences) - 1
    return " ".join(sentences[:cut]), " ".join(sentences[cut:])


@PROBES.register("interactive", aliases=("episode",))
class Interactive(Probe):
    name = "interactive"
    description = "a case item as an episode: vignette -> atomic facts, first sentence shown, the rest asked for"

    def applies(self, item: Item) -> bool:
        return not item.facts and not item.messages and bool(vignette_and_question(item)[0].strip())

    def derive(self, item: Item, seed: int = 0) -> list[Item]:
        vignette, question = vignette_and_question(item)
        facts = atomic_facts(vignette)
        first = split_sentences(vignette)[0]
        data = item.model_dump()
        data.update(id=f"{item.id}~{self.name}", source_id=item.original_id, transform=self.name,
                    question=question, context=vignette, facts=tuple(facts),
                    metadata={**item.metadata, "presentation": first})
        return [Item(**data)]


def make_interactive(items: list[Item]) -> tuple[list[Item], list[str]]:
    """(episode items, ids of items that are not cases and were left out)."""
    probe = Interactive()
    kept, skipped = [], []
    for item in items:
        if item.facts and item.metadata.get("presentation") is not None:
            kept.append(item)  # already an episode (mediq, agentclinic)
        elif probe.applies(item):
            kept.extend(probe.derive(item))
        else:
            skipped.append(item.id)
    return kept, skipped
