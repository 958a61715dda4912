"""GRPO records: one prompt per distinct item of the runs, with the gold fields a reward function
needs (`gold`: clinreason.rewards.gold_spec as JSON, which rewards.item_from_gold turns back into the
item). No trace is needed; items no rule can grade (free text, ranked lists) are left out, counted."""

from __future__ import annotations

import json

import jinja2

from ..prompts import item_messages
from ..rewards import GoldError, gold_spec, item_from_gold
from ..rewards.gold import GRADABLE
from .records import Candidate, Selection, chat

NOT_GRADABLE = "answer format no rule grades"
BAD_GOLD = "gold not usable by a reward"
DUPLICATE = "same item in an earlier run"


def select(candidates: list[Candidate], *, template: str = "cot") -> Selection:
    selection = Selection(unit="items")
    seen: set[tuple[str, str, str]] = set()
    for c in candidates:
        key = (c.item.benchmark, c.item.id, c.item.content_hash())
        if key in seen:
            selection.count(c.run["id"], DUPLICATE)
            continue
        seen.add(key)
        if c.item.format.value not in GRADABLE:
            selection.count(c.run["id"], NOT_GRADABLE)
            continue
        try:
            gold = gold_spec(c.item)
            item_from_gold(gold)  # what a reward will do with it: refuse here, not mid-training
        except GoldError:
            selection.count(c.run["id"], BAD_GOLD)
            continue
        selection.count(c.run["id"], "kept")
        selection.records.append(record(c, gold, template))
    return selection


def record(c: Candidate, gold: dict, template: str) -> dict:
    try:
        prompt = chat(item_messages(template, c.item))
    except jinja2.TemplateNotFound:
        raise ValueError(f"--template {template!r}: no such prompt template (e.g. cot, direct)") from None
    except jinja2.UndefinedError as e:  # a method template that needs more than the item (passages, exemplars)
        raise ValueError(f"--template {template!r} cannot render an item on its own ({e}); use cot or direct") from None
    return {
        "prompt": prompt,
        "answer": c.item.answer,
        "answer_format": c.item.format.value,
        "gold": json.dumps(gold, ensure_ascii=False, sort_keys=True),
        "template": template,
        **c.provenance(),
    }
