"""MMLU medical subjects machine-translated to French, Spanish and Hindi (FreedomIntelligence, as
vendored in vkola-lab/medpodgpt): 6 headerless CSVs per language, 1,089 questions each, 4 options.

<data>/medpodgpt_multilingual/<language>_mmlu/mmlu_<Language>_test_<subject>_test.csv, rows
"question,A,B,C,D,answer-letter", in the order of MMLU's test split.

Pairing: row r of subject s gets the id of the same question in the English MMLU-medical set of
MedAgentsBench (benchmark `mmlu`), whose realidx is the question's index in MMLU's whole test split:
id = str(OFFSETS[s] + r), e.g. anatomy row 0 -> "100". So mmlu_fr, mmlu_es, mmlu_hi and mmlu pair by
id (the gold letters of all four agree row by row; tests check it on the real files). metadata
subject and row (0-based) are there too.

Subsets: all (default) and one per subject; the path of `all` is the anatomy file, which anchors
the folder (the reader reads the 6 files beside it).
"""

from __future__ import annotations

from pathlib import Path

from ..items import DataError, Item, TaskType
from ._shared import csv_rows, gold_letters, required_text
from .base import Benchmark, item_or_error, register

# MMLU test-split index of each subject's first question (the subjects in MMLU's alphabetical order).
OFFSETS = {"anatomy": 100, "clinical_knowledge": 487, "college_biology": 752, "college_medicine": 1196,
           "medical_genetics": 7284, "professional_medicine": 12165}
SUBJECTS = tuple(OFFSETS)
LANGUAGES = {"fr": "French", "es": "Spanish", "hi": "Hindi"}


def relpath(language: str, subject: str) -> str:
    name = LANGUAGES[language]
    return f"medpodgpt_multilingual/{name.lower()}_mmlu/mmlu_{name}_test_{subject}_test.csv"


def read_subject(bench: Benchmark, path: Path, subject: str, subset: str, language: str) -> list[Item]:
    items: list[Item] = []
    for row_index, (line, row) in enumerate(csv_rows(path, 6)):
        question = required_text(row[0], path, line, "question (column 1)")
        options = {letter: required_text(text, path, line, f"{letter} (column {i + 2})")
                   for i, (letter, text) in enumerate(zip("ABCD", row[1:5]))}
        [answer] = gold_letters(row[5].strip(), options, path, line, "answer (column 6)")
        items.append(item_or_error(
            path, line, id=str(OFFSETS[subject] + row_index), benchmark=bench.name, question=question,
            options=options, answer=answer, task=TaskType.mcq, language=language,
            metadata={"split": subset, "subject": subject, "row": row_index},
        ))  # fmt: skip
    if not items:
        raise DataError(str(path), None, None, "no rows")
    return items


def _reader(language: str):
    def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
        subjects = SUBJECTS if subset == "all" else (subset,)
        out: list[Item] = []
        for subject in subjects:
            file = path.parent / Path(relpath(language, subject)).name
            out.extend(read_subject(bench, file, subject, subset, language))
        return out

    return read


for _lang, _name in LANGUAGES.items():
    register(Benchmark(
        name=f"mmlu_{_lang}",
        description=f"MMLU medical subjects (6) machine-translated to {_name} ({_lang}); ids pair with `mmlu`",
        task=TaskType.mcq,
        subsets=("all", *SUBJECTS),
        paths={"all": relpath(_lang, "anatomy"), **{s: relpath(_lang, s) for s in SUBJECTS}},
        reader=_reader(_lang),
        aliases=(f"mmlu_medical_{_lang}", f"mmlu_{_name.lower()}"),
    ))
