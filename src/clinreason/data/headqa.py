"""HEAD-QA (Spanish healthcare specialization exams, MIR and related, 2016-2017), test split, Spanish.

<data>/medpodgpt_multilingual/spanish_headqa/HEAD-QA-test.json (one line, a copy vendored in
vkola-lab/medpodgpt): {version, language, exams: {<exam>: {name, category, year, data: [
    {qid, qtext, ra, answers [{aid, atext}], image}]}}} -- 12 exams, 2,742 questions, 4 options.

Options are lettered A-D in aid order; ra (the right aid) becomes its letter. Item id "<exam>-<qid>",
e.g. "Cuaderno_2016_1_M-1" (qid repeats across exams). 67 medicine questions refer to an image
(`image` holds its path; the images are not in the file): metadata has_image. The default subset
`text_only` leaves them out; `all` keeps them. Category subsets (medicine, nursery, pharmacology,
biology, psychology, chemistry) are text-only too. As the source is one JSON line, errors name the
JSON path (exams.<exam>.data[i].<field>) instead of a line.
"""

from __future__ import annotations

from pathlib import Path

from ..items import DataError, Item, TaskType
from ._shared import load_json, required_text
from .base import Benchmark, as_text, item_or_error, kind_of, register

FILE = "medpodgpt_multilingual/spanish_headqa/HEAD-QA-test.json"
CATEGORIES = ("medicine", "nursery", "pharmacology", "biology", "psychology", "chemistry")
SUBSETS = ("text_only", "all", *CATEGORIES)


def _question(bench: Benchmark, path: Path, exam: str, info: dict, i: int, rec: object, subset: str) -> Item:
    where = f"exams.{exam}.data[{i}]"
    if not isinstance(rec, dict):
        raise DataError(str(path), None, where, f"expected an object, got {kind_of(rec)}")
    qid = as_text(rec.get("qid"), path, None, f"{where}.qid", integral=True)
    if not qid:
        raise DataError(str(path), None, f"{where}.qid", "missing or empty")
    question = required_text(rec.get("qtext"), path, None, f"{where}.qtext")
    answers = rec.get("answers")
    if not isinstance(answers, list) or len(answers) < 2:
        raise DataError(str(path), None, f"{where}.answers", f"expected a list of at least two {{aid, atext}}, got {kind_of(answers)}")
    options: dict[str, str] = {}
    by_aid: dict[str, str] = {}
    for j, ans in enumerate(answers):
        if not isinstance(ans, dict):
            raise DataError(str(path), None, f"{where}.answers[{j}]", f"expected an object {{aid, atext}}, got {kind_of(ans)}")
        letter = chr(ord("A") + j)
        by_aid[as_text(ans.get("aid"), path, None, f"{where}.answers[{j}].aid", integral=True) or ""] = letter
        options[letter] = required_text(ans.get("atext"), path, None, f"{where}.answers[{j}].atext")
    ra = as_text(rec.get("ra"), path, None, f"{where}.ra", integral=True)
    if ra not in by_aid:
        raise DataError(str(path), None, f"{where}.ra", f"{rec.get('ra')!r} is not among the answer ids {', '.join(by_aid)}")
    image = as_text(rec.get("image"), path, None, f"{where}.image") or ""
    year = info.get("year")
    metadata = {"split": subset, "exam": exam, "category": info.get("category"),
                "year": int(year) if isinstance(year, str) and year.isdigit() else year,
                "qid": qid, "has_image": bool(image.strip())}
    if image.strip():
        metadata["image"] = image.strip()
    return item_or_error(path, None, id=f"{exam}-{qid}", benchmark=bench.name, question=question, options=options,
                         answer=by_aid[ra], task=TaskType.mcq, language="es", metadata=metadata)


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    data = load_json(path)
    exams = data.get("exams") if isinstance(data, dict) else None
    if not isinstance(exams, dict) or not exams:
        raise DataError(str(path), None, "exams", "expected {exams: {<exam>: {data: [...]}}}")
    items: list[Item] = []
    seen: set[str] = set()
    for exam, info in exams.items():
        if not isinstance(info, dict) or not isinstance(info.get("data"), list):
            raise DataError(str(path), None, f"exams.{exam}.data", "expected a list of questions")
        for i, rec in enumerate(info["data"]):
            item = _question(bench, path, exam, info, i, rec, subset)
            if item.id in seen:
                raise DataError(str(path), None, f"exams.{exam}.data[{i}].qid", f"duplicate id {item.id!r}")
            seen.add(item.id)
            if subset == "all" or (not item.metadata["has_image"]
                                   and (subset == "text_only" or item.metadata["category"] == subset)):
                items.append(item)
    return items


register(Benchmark(
    name="headqa",
    description="HEAD-QA: Spanish healthcare specialization exams 2016-2017, 4 options (es; default leaves out 67 image questions)",
    task=TaskType.mcq,
    subsets=SUBSETS,
    paths={s: FILE for s in SUBSETS},
    reader=read,
    aliases=("head_qa",),
))
