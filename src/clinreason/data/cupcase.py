"""CUPCase (rare-disease case reports; RTEST eval subset as published in a fork of nadavlab/CUPCase).

CUPCASE_RTEST_eval.csv: id, clean text, final diagnosis, distractor1..3. Three views of the same cases:
`open` (free-text final diagnosis, judged for equivalence), `ddx` (a ranked differential, top-k),
`mcq` (the final diagnosis among its 3 distractors, in an order fixed per case so the gold is not always A).
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from ..items import DataError, Item, TaskType, option_letters
from .base import Benchmark, item_or_error, read_text, register

FILE = "cupcase/CUPCASE_RTEST_eval.csv"
QUESTIONS = {
    "open": "What is the final diagnosis of this patient?",
    "ddx": "What is your differential diagnosis for this patient, most likely first?",
    "mcq": "What is the final diagnosis of this patient?",
}
TASKS = {"open": TaskType.open_ended, "ddx": TaskType.ranked_list, "mcq": TaskType.mcq}
COLUMNS = ("id", "clean text", "final diagnosis", "distractor1", "distractor2", "distractor3")


def read_csv_rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number where the row starts, row) for every non-empty row; a missing column, or a
    row with more or fewer cells than the header, is a DataError."""
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(str(path), 1, missing[0], f"missing column (have: {', '.join(reader.fieldnames or [])})")
    rows = []
    start = reader.line_num + 1
    for row in reader:
        line, start = start, reader.line_num + 1  # a quoted cell may span lines
        extra = row.pop(None, None) or []  # cells beyond the header
        cells = list(row.values())
        if not any((v or "").strip() for v in cells) and not any(str(v).strip() for v in extra):
            continue  # blank rows (the MEDEC test file ends with placeholders)
        if extra or any(v is None for v in cells):
            n = sum(v is not None for v in cells) + len(extra)
            raise DataError(str(path), line, None, f"{n} columns, the header has {len(reader.fieldnames or [])}")
        rows.append((line, row))
    return rows


def _options(case_id: str, gold: str, distractors: list[str]) -> tuple[dict[str, str], str]:
    texts = [gold, *distractors]
    # Deterministic per-case order (no global RNG): a hash of the id picks the rotation.
    shift = int(hashlib.sha256(case_id.encode()).hexdigest(), 16) % len(texts)
    texts = texts[shift:] + texts[:shift]
    letters = option_letters(len(texts))
    return dict(zip(letters, texts)), letters[texts.index(gold)]


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    items = []
    for line, row in read_csv_rows(path, COLUMNS):
        case_id, text, gold = row["id"].strip(), row["clean text"].strip(), row["final diagnosis"].strip()
        if not gold:
            raise DataError(str(path), line, "final diagnosis", "empty")
        fields = dict(id=case_id, benchmark=bench.name, question=QUESTIONS[subset], context=text,
                      task=TASKS[subset], metadata={"view": subset})
        if subset == "mcq":
            distractors = [row[f"distractor{i}"].strip() for i in (1, 2, 3)]
            options, answer = _options(case_id, gold, distractors)
            fields.update(options=options, answer=answer)
        else:
            fields.update(answer=gold)
        items.append(item_or_error(path, line, **fields))
    return items


register(Benchmark(
    name="cupcase",
    description="CUPCase rare-disease case reports: final diagnosis as free text (open), ranked differential (ddx), or 4-option mcq",
    task=TaskType.open_ended,
    subsets=("open", "ddx", "mcq"),
    paths={s: FILE for s in ("open", "ddx", "mcq")},
    reader=read,
))
