"""MedR-Bench (MAGIC-AI4Med) 100-case subsets: diagnosis and treatment cases from PMC case reports,
each with reference reasoning, as published in a fork with the official schema.

demo_diagnosis_100.json: {PMCid: {generate_case: {case_summary, differential_diagnosis, final_diagnosis,
diagnosis_results}, body_category, disorder_category, ...}}; demo_treatment_100.json: generate_case has
case_summary, treatment_planning_analysis, treatment_plan_results. The reference reasoning becomes
`Item.explanation` (judged for coverage); the short result is the gold answer (judged for equivalence).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..items import DataError, Item, TaskType
from .base import Benchmark, as_text, item_or_error, read_text, register

FIELDS = {
    "diagnosis": ("diagnosis_results", ("differential_diagnosis", "final_diagnosis"),
                  "Based on this case, what is the most likely final diagnosis?"),
    "treatment": ("treatment_plan_results", ("treatment_planning_analysis",),
                  "Based on this case, what treatment plan do you recommend?"),
}


def _flat(value) -> str | None:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or None
    return str(value) if value not in (None, "") else None


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as e:
        raise DataError(str(path), e.lineno, None, f"invalid JSON ({e.msg})") from None
    if not isinstance(data, dict):
        raise DataError(str(path), None, None, "expected an object keyed by PMC id")
    answer_key, reasoning_keys, question = FIELDS[subset]
    items = []
    for pmcid, rec in data.items():
        case = (rec or {}).get("generate_case") if isinstance(rec, dict) else None
        if not isinstance(case, dict):
            raise DataError(str(path), None, f"{pmcid}.generate_case", "missing")
        text = {key: as_text(case.get(key), path, None, f"{pmcid}.generate_case.{key}")
                for key in ("case_summary", answer_key, *reasoning_keys)}
        for key in ("case_summary", answer_key):
            if not (text[key] or "").strip():
                raise DataError(str(path), None, f"{pmcid}.generate_case.{key}", "missing or empty")
        reasoning = "\n\n".join(text[k].strip() for k in reasoning_keys if text[k])
        items.append(item_or_error(
            path, None, id=pmcid, benchmark=bench.name, question=question, context=text["case_summary"].strip(),
            answer=text[answer_key].strip(), task=TaskType.open_ended, explanation=reasoning or None,
            metadata={"body_category": _flat(rec.get("body_category")), "disorder_category": _flat(rec.get("disorder_category")),
                      "rare_disease": bool(rec.get("checked_rare_disease")), "split": subset},
        ))
    return items


register(Benchmark(
    name="medrbench",
    description="MedR-Bench 100-case subsets: open-ended diagnosis / treatment planning with reference reasoning",
    task=TaskType.open_ended,
    subsets=("diagnosis", "treatment"),
    paths={"diagnosis": "medrbench/demo_diagnosis_100.json", "treatment": "medrbench/demo_treatment_100.json"},
    reader=read,
    aliases=("medr_bench", "medr-bench"),
))
