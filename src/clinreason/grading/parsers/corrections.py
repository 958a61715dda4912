"""An answer line followed by a later, explicit correction in prose: "Respuesta: A\\n\\nEspera, ...
Corrijo: la respuesta correcta es B." The answer line outranks prose, so without this the stale A
would win; here the later prose answers join the line's occurrences and settle() decides (a marked
correction -> the later answer; an unmarked switch -> conflict)."""

from __future__ import annotations

from ...items import Item
from .answer_phrase import Occurrence, rule_answer_phrase


def with_corrections(found: list[Occurrence], text: str, item: Item) -> list[Occurrence]:
    """`found` plus the prose answers stated after its last occurrence."""
    if not found:
        return found
    last_end = found[-1][1]
    later = [occ for occ in rule_answer_phrase(text, item) if occ[0] >= last_end]
    return found + later
