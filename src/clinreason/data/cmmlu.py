"""CMMLU medical subjects (Chinese), as vendored in vkola-lab/medpodgpt: 7 CSVs, 1,333 questions, 4 options.

<data>/medpodgpt_multilingual/chinese_cmmlu/<subject>.csv with the header ",Question,A,B,C,D,Answer"
(the first column is an unnamed row index). Item id "<subject>-<index>", e.g. "anatomy-0";
metadata subject. language "zh".

Subsets: all (default, the 7 files) and one per subject. The path of `all` is anatomy.csv, which
anchors the folder: the reader reads the 7 files beside it.
"""

from __future__ import annotations

from pathlib import Path

from ..items import DataError, Item, TaskType
from ._shared import csv_rows, gold_letters, required_text
from .base import Benchmark, item_or_error, register

DIR = "medpodgpt_multilingual/chinese_cmmlu"
SUBJECTS = ("anatomy", "clinical_knowledge", "college_medicine", "genetics", "nutrition",
            "traditional_chinese_medicine", "virology")
HEADER = ("", "Question", "A", "B", "C", "D", "Answer")


def read_subject(bench: Benchmark, path: Path, subject: str, subset: str) -> list[Item]:
    items: list[Item] = []
    first: dict[str, int] = {}
    for line, row in csv_rows(path, len(HEADER), header=HEADER):
        index = required_text(row[0], path, line, "index (first column)")
        question = required_text(row[1], path, line, "Question")
        options = {letter: required_text(text, path, line, letter) for letter, text in zip("ABCD", row[2:6])}
        [answer] = gold_letters(row[6].strip(), options, path, line, "Answer")
        item_id = f"{subject}-{index}"
        if item_id in first:
            raise DataError(str(path), line, "index (first column)", f"duplicate id {item_id!r} (first on line {first[item_id]})")
        first[item_id] = line
        items.append(item_or_error(path, line, id=item_id, benchmark=bench.name, question=question, options=options,
                                   answer=answer, task=TaskType.mcq, language="zh",
                                   metadata={"split": subset, "subject": subject}))
    return items


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    subjects = SUBJECTS if subset == "all" else (subset,)
    return [item for s in subjects for item in read_subject(bench, path.parent / f"{s}.csv", s, subset)]


register(Benchmark(
    name="cmmlu",
    description="CMMLU medical subjects: 7 Chinese medicine/biology subjects incl. traditional Chinese medicine, 4 options (zh)",
    task=TaskType.mcq,
    subsets=("all", *SUBJECTS),
    paths={"all": f"{DIR}/anatomy.csv", **{s: f"{DIR}/{s}.csv" for s in SUBJECTS}},
    reader=read,
    aliases=("cmmlu_medical",),
))
