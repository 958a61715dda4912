"""Prompt templates (Jinja, package data). Users can copy a template and point
CLINREASON_PROMPTS at their folder: templates there override the built-in ones.

Languages: an item is prompted in its own language (`Item.language`). A template NAME is looked up,
first found wins, in

    $CLINREASON_PROMPTS/<lang>/NAME, $CLINREASON_PROMPTS/NAME, prompts/<lang>/NAME, prompts/NAME

where <lang> is the item's language ("pt-BR" tries pt-br, then pt); English and languages without a
folder use prompts/NAME. Includes resolve the same way, so an English method template such as
`medagents_analysis.jinja` still shows a Japanese item with the Japanese question headers and answer
instruction. Built-in folders (en being the root): zh, ja, fr, es, hi, each with system, _question,
_answer_format, _reason_direct and _reason_cot. `base/NAME` skips the language folders (a localized
template falls back to the English one with it). Every language keeps the final line token
`ANSWER:` that the parsers read.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib import resources

import jinja2

from ..items import Item
from ..models.protocol import Message

_LANG = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")


def language_chain(language: str | None) -> tuple[str, ...]:
    """The language folders to try, most specific first: "pt-BR" -> ("pt-br", "pt"); "en", None or a
    malformed code -> () (the root templates are English)."""
    code = (language or "").strip().lower().replace("_", "-")
    if not _LANG.match(code):
        return ()
    base = code.split("-")[0]
    chain = tuple(dict.fromkeys((code, base)))
    return () if base == "en" else chain


def builtin_languages() -> list[str]:
    """Languages with a folder of built-in templates (besides English, the root)."""
    root = resources.files("clinreason") / "prompts"
    return sorted(p.name for p in root.iterdir() if p.is_dir() and _LANG.match(p.name))


class _LanguageLoader(jinja2.BaseLoader):
    """NAME -> USER/<lang>/NAME, USER/NAME, PACKAGE/<lang>/NAME, PACKAGE/NAME: the first that exists."""

    def __init__(self, user_dir: str | None, languages: tuple[str, ...]):
        self.loaders = [jinja2.FileSystemLoader(user_dir)] if user_dir else []
        self.loaders.append(jinja2.PackageLoader("clinreason", "prompts"))
        self.languages = languages

    def get_source(self, environment: jinja2.Environment, template: str):
        prefixes: tuple[str, ...] = (*self.languages, "")
        name = template
        if template.startswith("base/"):
            prefixes, name = ("",), template.removeprefix("base/")
        for loader in self.loaders:
            for prefix in prefixes:
                try:
                    return loader.get_source(environment, f"{prefix}/{name}" if prefix else name)
                except jinja2.TemplateNotFound:
                    continue
        raise jinja2.TemplateNotFound(template)


@lru_cache(maxsize=32)
def _env(user_dir: str | None, languages: tuple[str, ...] = ()) -> jinja2.Environment:
    return jinja2.Environment(
        loader=_LanguageLoader(user_dir, languages),
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly, not silently blank
        keep_trailing_newline=False,
        autoescape=False,  # plain text for models, never HTML
    )


def render(template: str, language: str | None = None, **context) -> str:
    """`template` rendered in `language` (default: the language of the `item` in the context, if
    any; else English). The template sees `language` too."""
    if language is None:
        language = getattr(context.get("item"), "language", None)
    env = _env(os.environ.get("CLINREASON_PROMPTS") or None, language_chain(language))
    name = template if template.endswith(".jinja") else f"{template}.jinja"
    return env.get_template(name).render(language=language or "en", **context).strip()


def item_messages(template: str, item: Item, options: dict[str, str] | None = None, **extra) -> list[Message]:
    """System prompt + the item rendered through `template`, both in the item's language. `options`
    lets a method show a permuted or filtered option set (e.g. choice shuffling) without touching the item.

    An item whose input is a conversation (`item.messages`, e.g. HealthBench) is sent as that
    conversation, typed turn by turn; its last user turn goes through `template` (which then shows
    that turn as the question, with the method's instructions), so every method applies to it.
    The item's images (`item.images`) go with the last user message."""
    opts = item.options if options is None else options
    system = Message(role="system", content=render("system", language=item.language))
    if item.messages and item.messages[-1].role == "user":
        earlier = list(item.messages[:-1])
        head = [] if any(m.role == "system" for m in earlier) else [system]
        images = tuple({i.sha256: i for i in (*item.messages[-1].images, *item.images)}.values())
        return head + earlier + [Message(role="user", content=render(template, item=item, options=opts, **extra),
                                         images=images)]
    return [system, Message(role="user", content=render(template, item=item, options=opts, **extra),
                            images=item.images)]
