"""Role agents that answer independently, then read each other and revise: shared by `debate` and
`mdagents` (methods never import each other; they share underscore modules like this one)."""

from __future__ import annotations

import asyncio

from ..models.protocol import Message
from ..prompts import render
from ._common import answer_of


ROLES = ("an internist", "a surgeon", "a clinical pharmacologist", "a pathologist", "a pediatrician")


def persona_messages(role: str, template: str, item, **context) -> list[Message]:
    return [Message(role="system", content=render("debate_persona", role=role)),
            Message(role="user", content=render(template, item=item, options=item.options, **context))]


async def discuss(item, lm, roles: list[str], rounds: int, sampling, tag: str = "") -> tuple[list[str], list]:
    """Independent answers, then rounds of reading the others and revising. -> (texts, answer history)."""
    # Agents within a round are independent: ask them concurrently (HTTP backends serve them in parallel).
    texts = [c.text for c in await asyncio.gather(
        *(lm(persona_messages(role, "cot", item), sampling, tag=f"{tag}r0:{role}") for role in roles))]
    history = [[answer_of(t, item) for t in texts]]
    for r in range(1, rounds + 1):
        if len(set(history[-1])) == 1 and history[-1][0] is not None:
            break  # unanimous: another round cannot change the vote
        calls = []
        for i, role in enumerate(roles):
            others = [(roles[j], texts[j]) for j in range(len(roles)) if j != i]
            calls.append(lm(persona_messages(role, "debate_round", item, own=texts[i], others=others),
                            sampling, tag=f"{tag}r{r}:{role}"))
        texts = [c.text for c in await asyncio.gather(*calls)]
        history.append([answer_of(t, item) for t in texts])
    return texts, history
