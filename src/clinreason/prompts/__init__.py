"""Prompt templates (Jinja, package data). Users can copy a template and point
CLINREASON_PROMPTS at their folder: templates there override the built-in ones."""

from __future__ import annotations

import os
from functools import lru_cache

import jinja2

from ..items import Item
from ..models.protocol import Message


@lru_cache(maxsize=4)
def _env(user_dir: str | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = [jinja2.PackageLoader("clinreason", "prompts")]
    if user_dir:
        loaders.insert(0, jinja2.FileSystemLoader(user_dir))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly, not silently blank
        keep_trailing_newline=False,
        autoescape=False,  # plain text for models, never HTML
    )


def render(template: str, **context) -> str:
    env = _env(os.environ.get("CLINREASON_PROMPTS"))
    name = template if template.endswith(".jinja") else f"{template}.jinja"
    return env.get_template(name).render(**context).strip()


def item_messages(template: str, item: Item, options: dict[str, str] | None = None, **extra) -> list[Message]:
    """System prompt + the item rendered through `template`. `options` lets a method show a
    permuted or filtered option set (e.g. choice shuffling) without touching the item.

    An item whose input is a conversation (`item.messages`, e.g. HealthBench) is sent as that
    conversation, typed turn by turn; its last user turn goes through `template` (which then shows
    that turn as the question, with the method's instructions), so every method applies to it."""
    opts = item.options if options is None else options
    if item.messages and item.messages[-1].role == "user":
        earlier = list(item.messages[:-1])
        system = [] if any(m.role == "system" for m in earlier) else [Message(role="system", content=render("system"))]
        return system + earlier + [Message(role="user", content=render(template, item=item, options=opts, **extra))]
    opts = item.options if options is None else options
    return [
        Message(role="system", content=render("system")),
        Message(role="user", content=render(template, item=item, options=opts, **extra)),
    ]
