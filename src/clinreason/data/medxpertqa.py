"""MedXpertQA Text, the official 244-question *sampled* subset (TsinghuaC3I/MedXpertQA): expert-level,
10 options (A-J), English.

<data>/medxpertqa/medxpertqa_sampled_text_input.jsonl, one line per question:
    {id, question, options [{letter, content}], label [letters], medical_task, body_system, question_type}
The published question ends with "Answer Choices: (A) ... (J) ..." repeating the options; that tail is
cut (the prompt shows the options itself). One gold letter -> letter format; several -> letters.
metadata: medical_task (Diagnosis / Treatment / Basic Science), body_system, question_type
(Reasoning / Understanding). Subsets: sampled (default, 244), reasoning, understanding.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..items import AnswerFormat, DataError, Item, TaskType
from ._shared import gold_letters, required_text
from .base import Benchmark, as_text, item_or_error, iter_jsonl, kind_of, register

FILE = "medxpertqa/medxpertqa_sampled_text_input.jsonl"
SUBSETS = ("sampled", "reasoning", "understanding")
_CHOICES_TAIL = re.compile(r"(?:\A|\n)\s*Answer Choices:\s*\(A\).*\Z", re.DOTALL)


def _options(raw: object, path: Path, line: int) -> dict[str, str]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise DataError(str(path), line, "options", f"expected a list of {{letter, content}}, got {kind_of(raw)}")
    options: dict[str, str] = {}
    for i, opt in enumerate(raw):
        if not isinstance(opt, dict):
            raise DataError(str(path), line, f"options[{i}]", f"expected {{letter, content}}, got {kind_of(opt)}")
        letter = (as_text(opt.get("letter"), path, line, f"options[{i}].letter") or "").strip().upper()
        if len(letter) != 1 or not "A" <= letter <= "Z" or letter in options:
            raise DataError(str(path), line, f"options[{i}].letter", f"{opt.get('letter')!r} is not a new option letter")
        options[letter] = required_text(opt.get("content"), path, line, f"options[{i}].content")
    return options


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    items: list[Item] = []
    first: dict[str, int] = {}
    for line, rec in iter_jsonl(path):
        if isinstance(rec, DataError):
            raise rec
        item_id = required_text(rec.get("id"), path, line, "id")
        question = _CHOICES_TAIL.sub("", required_text(rec.get("question"), path, line, "question")).strip()
        if not question:
            raise DataError(str(path), line, "question", "holds nothing but the answer choices")
        options = _options(rec.get("options"), path, line)
        gold = gold_letters(rec.get("label"), options, path, line, "label")
        metadata = {"split": subset, **{k: as_text(rec.get(k), path, line, k)
                                        for k in ("medical_task", "body_system", "question_type")}}
        if item_id in first:
            raise DataError(str(path), line, "id", f"duplicate id {item_id!r} (first on line {first[item_id]})")
        first[item_id] = line
        if subset != "sampled" and (metadata["question_type"] or "").lower() != subset:
            continue
        items.append(item_or_error(
            path, line, id=item_id, benchmark=bench.name, question=question, options=options,
            answer=",".join(gold), answer_format=AnswerFormat.letters if len(gold) > 1 else AnswerFormat.letter,
            task=TaskType.mcq, language="en", metadata=metadata,
        ))  # fmt: skip
    return items


register(Benchmark(
    name="medxpertqa",
    description="MedXpertQA Text, official sampled subset: expert-level questions with 10 options",
    task=TaskType.mcq,
    subsets=SUBSETS,
    paths={s: FILE for s in SUBSETS},
    reader=read,
    aliases=("medxpertqa_text", "medxpert"),
))
