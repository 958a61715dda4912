"""MedCalc-Bench (Khandekar et al., 2024): 1,047 patient notes, each with a question for one of 55
clinical calculators; numeric answers within the benchmark's Lower/Upper limits, integer scores after
rounding, dates and (weeks, days) pairs exactly (its evaluation/evaluate.py `check_correctness`).

Subsets: `test` (test_data.csv) and `train`: the 55 one-shot exemplars the authors published
(one_shot_finalized_explanation.json, one per calculator, notes from their training split), which
the `one_shot` method draws from; their calculator names and questions come from test_data.csv
beside it. "Relevant Entities" (the calculator's inputs as the annotators read them from the note)
are parsed as Python literals (ast.literal_eval: data, never code) into metadata."""

from __future__ import annotations

import ast
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from ..items import AnswerFormat, DataError, Item, TaskType, Tolerance
from ._shared import csv_rows, load_json, required_text
from .base import Benchmark, item_or_error, register

COLUMNS = ("Row Number", "Calculator ID", "Calculator Name", "Category", "Output Type", "Note ID", "Note Type",
           "Patient Note", "Question", "Relevant Entities", "Ground Truth Answer", "Lower Limit", "Upper Limit",
           "Ground Truth Explanation")
DATE_CALCULATORS = (13, 68)  # answers are MM/DD/YYYY dates
WEEKS_DAYS_CALCULATORS = (69,)  # answers are (weeks, days)
_WEEKS_DAYS = re.compile(r"(\d+)\s*weeks?\D+(\d+)\s*days?", re.IGNORECASE)


def tool_name(calculator_name: str) -> str:
    """The tool (clinreason.tools.medcalc) for a calculator, e.g. "medcalc_creatinine_clearance"."""
    base = calculator_name.split("(")[0]
    slug = re.sub(r"[^a-z0-9]+", "_", base.lower()).strip("_")
    return f"medcalc_{slug}"[:64]


def _gold(calc_id: int, raw: Any, path: Path, line: int | None, field: str) -> tuple[str, AnswerFormat]:
    """(gold answer in the Item's spelling, answer format)."""
    text = str(raw).strip() if not isinstance(raw, list) else ", ".join(map(str, raw))
    if calc_id in DATE_CALCULATORS:
        try:
            return datetime.strptime(text, "%m/%d/%Y").date().isoformat(), AnswerFormat.date
        except ValueError:
            raise DataError(str(path), line, field, f"{text!r} is not a MM/DD/YYYY date") from None
    if calc_id in WEEKS_DAYS_CALCULATORS:
        m = _WEEKS_DAYS.search(text)
        if not m:
            raise DataError(str(path), line, field, f"{text!r} is not a (weeks, days) pair")
        return f"({int(m[1])} weeks, {int(m[2])} days)", AnswerFormat.weeks_days
    try:
        float(text)
    except ValueError:
        raise DataError(str(path), line, field, f"{text!r} is not a number") from None
    return text, AnswerFormat.number


def _limit(text: str, path: Path, line: int, field: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise DataError(str(path), line, field, f"{text!r} is not a number") from None


def _entities(text: str, path: Path, line: int) -> dict:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise DataError(str(path), line, "Relevant Entities", "not a Python/JSON dict literal") from None
    if not isinstance(value, dict):
        raise DataError(str(path), line, "Relevant Entities", f"expected a dict, got {type(value).__name__}")
    return value


def _int(text: str, path: Path, line: int, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise DataError(str(path), line, field, f"{text!r} is not an integer") from None


def _calculator_meta(calc_id: int, name: str, category: str, output: str) -> dict:
    return {"calculator_id": calc_id, "calculator": name, "category": category, "output_type": output,
            "tools": [tool_name(name)]}


def read_test(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    items = []
    for line, cells in csv_rows(path, len(COLUMNS), header=COLUMNS):
        row = dict(zip(COLUMNS, cells))
        calc_id = _int(row["Calculator ID"].strip(), path, line, "Calculator ID")
        output = row["Output Type"].strip()
        if output not in ("decimal", "integer", "date"):
            raise DataError(str(path), line, "Output Type", f"{output!r} is not decimal, integer or date")
        answer, fmt = _gold(calc_id, row["Ground Truth Answer"], path, line, "Ground Truth Answer")
        tolerance = None
        if fmt == AnswerFormat.number:
            lower = _limit(row["Lower Limit"], path, line, "Lower Limit")
            upper = _limit(row["Upper Limit"], path, line, "Upper Limit")
            # evaluate.py: integer calculators compare round(answer) with the gold; decimals lie within limits
            tolerance = (Tolerance(lower=float(answer), upper=float(answer), rule="rounded", decimals=0)
                         if output == "integer" else Tolerance(lower=lower, upper=upper, rule="range"))
        name = required_text(row["Calculator Name"], path, line, "Calculator Name")
        items.append(item_or_error(
            path, line, id=required_text(row["Row Number"], path, line, "Row Number"), benchmark=bench.name,
            question=required_text(row["Question"], path, line, "Question"),
            context=required_text(row["Patient Note"], path, line, "Patient Note"),
            answer=answer, task=TaskType.numeric, answer_format=fmt, tolerance=tolerance,
            explanation=row["Ground Truth Explanation"].strip() or None,
            metadata={**_calculator_meta(calc_id, name, row["Category"].strip(), output),
                      "note_id": row["Note ID"].strip(), "note_type": row["Note Type"].strip(),
                      "relevant_entities": _entities(row["Relevant Entities"], path, line), "split": subset},
        ))
    return items


def read_one_shot(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    """The published one-shot exemplars, one per calculator, named from test_data.csv beside them."""
    records = load_json(path)
    if not isinstance(records, dict):
        raise DataError(str(path), 1, None, "expected a JSON object keyed by calculator id")
    calculators = {}
    for item in read_test(bench, path.with_name("test_data.csv"), "test"):
        calculators.setdefault(item.metadata["calculator_id"], item)
    text = path.read_text(encoding="utf-8")
    items = []
    for key, record in records.items():
        line = text[:text.find(json.dumps(str(key)))].count("\n") + 1
        calc_id = _int(key, path, line, "calculator id")
        if calc_id not in calculators:
            raise DataError(str(path), line, key, "no calculator with this id in test_data.csv")
        if not isinstance(record, dict) or not isinstance(record.get("Response"), dict):
            raise DataError(str(path), line, f"{key}.Response", "missing")
        ref = calculators[calc_id]
        answer, fmt = _gold(calc_id, record["Response"].get("answer"), path, line, f"{key}.Response.answer")
        if fmt == AnswerFormat.number and ref.metadata["output_type"] == "integer":
            answer = str(round(float(answer)))
        items.append(item_or_error(
            # Named by its calculator: the test items share the bare question text, and exemplar pools
            # drop items whose question equals an evaluated one (clinreason.exemplars).
            path, line, id=f"one_shot-{calc_id}", benchmark=bench.name,
            question=f"[{ref.metadata['calculator']}] {ref.question}",
            context=required_text(record.get("Patient Note"), path, line, f"{key}.Patient Note"),
            answer=answer, task=TaskType.numeric, answer_format=fmt,
            explanation=required_text(record["Response"].get("step_by_step_thinking"), path, line,
                                      f"{key}.Response.step_by_step_thinking"),
            metadata={**{k: ref.metadata[k] for k in ("calculator_id", "calculator", "category", "output_type", "tools")},
                      "relevant_entities": record.get("input_parameters") or {}, "split": subset},
        ))
    return items


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    return read_one_shot(bench, path, subset) if subset == "train" else read_test(bench, path, subset)


register(Benchmark(
    name="medcalc_bench",
    description="MedCalc-Bench: 55 clinical calculators on patient notes (number within limits, date, weeks/days)",
    task=TaskType.numeric,
    subsets=("test", "train"),
    paths={"test": "medcalc_bench/test_data.csv", "train": "medcalc_bench/one_shot_finalized_explanation.json"},
    reader=read,
    aliases=("medcalc", "medcalcbench"),
    scorers=("answer", "medcalc_errors"),
))
