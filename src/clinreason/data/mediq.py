"""MediQ (Li et al. 2024): interactive versions of MedQA (iMedQA, 1,272 dev cases) and CRAFT-MD
(iCRAFT-MD, 140 cases), as published with atomic facts.

Records: id, question, context (a list of sentences), options {A: text}, answer (text), answer_idx
(letter), facts (numbered strings "1. ..."), patient (age, gender, ...). An episode's doctor sees
the first context sentence (`metadata["presentation"]`), the question and the options; the patient
knows `facts` (numbering stripped, so `Item.facts[i]` is fact i+1 of the source).

Three iMedQA records are knowledge questions with neither context nor facts: they load, tagged
`metadata["no_case"] = True` (an episode can only ask and hear "I don't know"). A record with a
context but no facts is a broken case and is refused with its id.
"""

from __future__ import annotations

from pathlib import Path

from ..items import DataError, Item, TaskType
from ._sentences import strip_number
from .base import Benchmark, as_text, item_or_error, iter_jsonl, kind_of, register

FILES = {"imedqa": "mediq/all_dev_good.jsonl", "craft_md": "mediq/all_craft_md.jsonl"}


def _text_list(value, path: Path, line: int, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise DataError(str(path), line, field, f"expected a list of strings, got {kind_of(value)}")
    texts = [as_text(v, path, line, f"{field}[{i}]") or "" for i, v in enumerate(value)]
    return [t.strip() for t in texts if t.strip()]


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    items = []
    for line, record in iter_jsonl(path):
        if isinstance(record, DataError):
            raise record
        case_id = as_text(record.get("id"), path, line, "id", integral=True)
        if not case_id:
            raise DataError(str(path), line, "id", "missing")
        context = _text_list(record.get("context"), path, line, "context")
        facts = [strip_number(f) for f in _text_list(record.get("facts"), path, line, "facts")]
        if context and not facts:
            raise DataError(str(path), line, "facts", f"case {case_id}: no atomic facts (a patient would know nothing)")
        options = record.get("options")
        if not isinstance(options, dict) or len(options) < 2:
            raise DataError(str(path), line, "options", f"case {case_id}: expected an object of at least two options")
        options = {str(k).strip(): as_text(v, path, line, f"options.{k}") or "" for k, v in options.items()}
        answer = as_text(record.get("answer_idx"), path, line, "answer_idx")
        if (answer or "").strip() not in options:
            raise DataError(str(path), line, "answer_idx", f"case {case_id}: {answer!r} is not an option letter")
        answer = answer.strip()
        # answer_idx is the gold: the answer text sometimes names it otherwise (craft_md 112 "Henoch-Scholein
        # vasculitis" for option A "IgA vasculitis"), so the text is kept for reading, not checked.
        gold_text = as_text(record.get("answer"), path, line, "answer")
        patient = record.get("patient") if isinstance(record.get("patient"), dict) else {}
        metadata = {"subset": subset, "presentation": context[0] if context else "",
                    "age": patient.get("age"), "gender": patient.get("gender"),
                    "answer_text": (gold_text or "").strip() or None}
        if not context:
            metadata["no_case"] = True
        items.append(item_or_error(
            path, line, id=case_id, benchmark=bench.name,
            question=as_text(record.get("question"), path, line, "question") or "",
            context=" ".join(context) or None, options=options, answer=answer, task=TaskType.mcq,
            facts=tuple(facts), metadata=metadata))
    return items


register(Benchmark(
    name="mediq",
    description="MediQ interactive cases (iMedQA, iCRAFT-MD): the doctor asks a patient who knows the atomic facts",
    task=TaskType.mcq,
    subsets=("imedqa", "craft_md"),
    paths=FILES,
    reader=read,
    aliases=("imedqa",),
    default_method="consult",
))
