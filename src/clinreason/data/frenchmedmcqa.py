"""FrenchMedMCQA (qanastek/FrenchMedMCQA): French pharmacy exam questions, 5 options, one OR several correct.

<data>/frenchmedmcqa/{test,dev}.json: a JSON list (pretty-printed) of
    {id, question, answers {a..e}, correct_answers [letters], subject_name, nbr_correct_answers}
(dev adds type "simple"/"multiple"). Options keep their letters, upper-cased (a -> A). One correct
answer -> answer_format letter; several -> letters, gold "A,C,D" (sorted). nbr_correct_answers
must agree with correct_answers. language "fr".
"""

from __future__ import annotations

from pathlib import Path

from ..items import AnswerFormat, DataError, Item, TaskType
from ._shared import gold_letters, json_array_records, required_text
from .base import Benchmark, as_text, item_or_error, kind_of, register

SUBSETS = ("test", "dev")


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    items: list[Item] = []
    first: dict[str, int] = {}
    for line, rec in json_array_records(path):
        item_id = required_text(rec.get("id"), path, line, "id")
        question = required_text(rec.get("question"), path, line, "question")
        raw = rec.get("answers")
        if not isinstance(raw, dict) or len(raw) < 2:
            raise DataError(str(path), line, "answers", f"expected an object of at least two options {{a: text, ...}}, got {kind_of(raw)}")
        options: dict[str, str] = {}
        for key, text in raw.items():
            letter = str(key).strip().upper()
            if len(letter) != 1 or not "A" <= letter <= "Z":
                raise DataError(str(path), line, f"answers.{key}", "option keys must be single letters a, b, c, ...")
            options[letter] = required_text(text, path, line, f"answers.{key}")
        gold = gold_letters(rec.get("correct_answers"), options, path, line, "correct_answers")
        declared = rec.get("nbr_correct_answers")
        if declared is not None and declared != len(gold):
            raise DataError(str(path), line, "nbr_correct_answers",
                            f"{declared!r}, but correct_answers lists {len(gold)}: {', '.join(gold)}")
        metadata = {"split": subset, "subject": as_text(rec.get("subject_name"), path, line, "subject_name"),
                    "n_correct": len(gold)}
        if rec.get("type") is not None:
            metadata["type"] = as_text(rec.get("type"), path, line, "type")
        if item_id in first:
            raise DataError(str(path), line, "id", f"duplicate id {item_id!r} (first on line {first[item_id]})")
        first[item_id] = line
        items.append(item_or_error(
            path, line, id=item_id, benchmark=bench.name, question=question, options=options,
            answer=",".join(gold), answer_format=AnswerFormat.letters if len(gold) > 1 else AnswerFormat.letter,
            task=TaskType.mcq, language="fr", metadata=metadata,
        ))  # fmt: skip
    if not items:
        raise DataError(str(path), None, None, "no records")
    return items


register(Benchmark(
    name="frenchmedmcqa",
    description="FrenchMedMCQA: French pharmacy exam, 5 options, one or several correct (fr)",
    task=TaskType.mcq,
    subsets=SUBSETS,
    paths={s: f"frenchmedmcqa/{s}.json" for s in SUBSETS},
    reader=read,
    aliases=("french_medmcqa",),
))
