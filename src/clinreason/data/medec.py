"""MEDEC (MS collection): clinical notes that hold at most one medical error. The model flags the
error, names the erroneous sentence id and writes the corrected sentence; scored by
`clinreason.grading.medec` (`clinreason judge RUN --rubric medec`).

CSV columns: Text ID, Text, Sentences ("<id> <sentence>" per line), Error Flag, Error Type,
Error Sentence ID, Error Sentence, Corrected Sentence, Corrected Text. The published test file ends
with empty placeholder rows (the restricted UW notes); rows without a Text ID are skipped.
"""

from __future__ import annotations

from pathlib import Path

from ..items import DataError, Item, TaskType
from .base import Benchmark, item_or_error, register
from .cupcase import read_csv_rows

COLUMNS = ("Text ID", "Sentences", "Error Flag", "Error Type", "Error Sentence ID", "Corrected Sentence")
QUESTION = ("This clinical note contains either no medical error or exactly one (in diagnosis, management, "
            "treatment, pharmacotherapy or causal organism). Is there an error? If so, which sentence is it in, "
            "and what is the corrected sentence?")


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    items = []
    for line, row in read_csv_rows(path, COLUMNS):
        if not row["Text ID"].strip():
            continue
        flag, sentence_id = row["Error Flag"].strip(), row["Error Sentence ID"].strip()
        if flag not in ("0", "1"):
            raise DataError(str(path), line, "Error Flag", f"{flag!r} is not 0 or 1")
        try:
            sid = int(sentence_id)
        except ValueError:
            raise DataError(str(path), line, "Error Sentence ID", f"{sentence_id!r} is not an integer") from None
        corrected = row["Corrected Sentence"].strip()
        corrected = None if flag == "0" or corrected in ("", "NA") else corrected
        items.append(item_or_error(
            path, line, id=row["Text ID"].strip(), benchmark=bench.name, question=QUESTION,
            context=row["Sentences"].strip(), answer=corrected or "no error", task=TaskType.open_ended,
            metadata={"answer_format": "medec", "error_flag": int(flag), "error_sentence_id": sid,
                      "error_type": row["Error Type"].strip() if flag == "1" else None,
                      "error_sentence": row.get("Error Sentence", "").strip() if flag == "1" else None,
                      "corrected_sentence": corrected, "split": subset},
        ))
    return items


register(Benchmark(
    name="medec",
    description="MEDEC clinical-note error detection and correction (flag, sentence id, corrected sentence)",
    task=TaskType.open_ended,
    subsets=("test", "validation"),
    paths={"test": "medec/MEDEC-MS-TestSet-with-GroundTruth-and-ErrorType.csv",
           "validation": "medec/MEDEC-MS-ValidationSet-with-GroundTruth-and-ErrorType.csv"},
    reader=read,
    scorers=("medec",),
))
