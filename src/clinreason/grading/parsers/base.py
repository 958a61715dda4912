"""What every parser returns, and what every parser needs first: the response without thinking."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Extraction:
    answer: str | None  # in the item's terms (a letter, "A,C", "yes", "97.5", "2021-03-04", text); None = unparsed
    rule: str  # name of the rule that resolved it (see RULES, maybe + "@think"), or "unparsed"
    strict: bool  # True only when the answer came from the requested format (rule "format")


UNPARSED = Extraction(None, "unparsed", False)

# Box tokens some vision-language models wrap their answer in (`<|begin_of_box|>B<|end_of_box|>`): markup
# around the answer, like bold, so they are dropped before any rule reads the text.
BOX_TOKENS = re.compile(r"<\|(?:begin|end)_of_box\|>")

THINK_TAG = re.compile(r"<\s*(/?)\s*(?:think|thinking)\s*>", re.IGNORECASE)


def strip_thinking(text: str) -> str:
    """Remove reasoning-model thinking: <think>...</think> and <thinking>...</thinking> blocks
    (case-insensitive, nesting tolerated). An unclosed <think> makes the rest thinking. A stray
    closing tag with no opening one (chat templates that open <think> in the prompt) makes
    everything before it thinking. Returns the visible text, stripped."""
    if not isinstance(text, str):
        return ""
    visible: list[str] = []
    depth, pos = 0, 0
    for m in THINK_TAG.finditer(text):
        closing = bool(m.group(1))
        if depth == 0:
            if closing:
                visible = []  # orphan close: all so far was thinking
            else:
                visible.append(text[pos : m.start()])
                depth = 1
        else:
            depth += -1 if closing else 1
        pos = m.end()
    if depth == 0:
        visible.append(text[pos:])
    return "".join(visible).strip()
