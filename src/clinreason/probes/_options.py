"""What several probes share: which items have options to work on, a deterministic wrong option,
relabelling options after a reorder or an insertion, and adding a sentence to the question."""

from __future__ import annotations

import random

from ..items import AnswerFormat, Item, option_letters

LETTER_FORMATS = (AnswerFormat.letter, AnswerFormat.letters)


def rng_for(item: Item, seed: int, salt: str) -> random.Random:
    # A string seed is hashed the same way in every process (unlike hash()), so derivations are stable.
    return random.Random(f"{seed}:{item.id}:{salt}" if salt else f"{seed}:{item.id}")


def gold_letters(item: Item) -> list[str]:
    return [a.strip() for a in item.answer.split(",")] if item.format == AnswerFormat.letters else [item.answer]


def option_skip_reason(item: Item) -> str | None:
    """Why an item has no options a probe can work on, else None."""
    if item.format not in LETTER_FORMATS or len(item.options) < 2:
        return "no options"
    return None


def wrong_option_skip_reason(item: Item, english_only: bool = True) -> str | None:
    """For probes that point at a wrong option with an English sentence."""
    reason = option_skip_reason(item)
    if reason:
        return reason
    if english_only and item.language != "en":
        return f"not English ({item.language})"  # an English sentence in another language's item confounds
    if len(gold_letters(item)) >= len(item.options):
        return "no wrong option"
    return None


def wrong_letter(item: Item, seed: int, salt: str) -> str:
    """One wrong option's letter, chosen by seed and item (the same every time)."""
    gold = set(gold_letters(item))
    return rng_for(item, seed, salt).choice([x for x in item.options if x not in gold])


def choice_text(item: Item, letter: str) -> str:
    return f"{letter} ({item.options[letter]})"


def relabel(item: Item, texts: list[tuple[str | None, str]]) -> dict:
    """Changes for `Probe.derived` when the options become `texts`, a list of (original letter or
    None for a new option, text) in display order: new letters A, B, ..., the gold remapped, and
    metadata source_letters (new letter -> original letter)."""
    new = option_letters(len(texts))
    options = {n: text for n, (_, text) in zip(new, texts)}
    back = {n: old for n, (old, _) in zip(new, texts)}
    forward = {old: n for n, old in back.items() if old is not None}
    gold = ",".join(sorted(forward[g] for g in gold_letters(item)))
    return {"options": options, "answer": gold, "metadata": {**item.metadata, "source_letters": back}}


def with_sentence(item: Item, sentence: str, target: str) -> dict:
    """Changes for `Probe.derived`: `sentence` after the question, and the wrong option it points at."""
    return {"question": f"{item.question.rstrip()}\n\n{sentence}",
            "metadata": {**item.metadata, "probe_target": target}}
