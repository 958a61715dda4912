"""VQA-RAD (Lau et al. 2018): radiology visual question answering, the complete public OSF release.

<data>/vqa_rad/VQA_RAD Dataset Public.json, a JSON list of 2,248 records:
    {qid, phrase_type, qid_linked_id, image_case_url, image_name, image_organ, evaluation, question,
     question_rephrase, question_relation, question_frame, question_type, answer, answer_type}
<data>/vqa_rad/VQA_RAD Image Folder/<image_name> (315 JPEGs).

Subsets: `test` (default) = phrase_type test_freeform + test_para (451: CLOSED 272 / OPEN 179), the
official test split; `train` = freeform + para (1,797).

Each item shows its image (`Item.images`, read by `clinreason.images.read_image`). Closed questions
answered yes/no are yes/no items (graded by the yes/no parser, `metadata["answer_choices"]` says
only yes or no is asked for); every other answer (closed: "left", "flair", ...; open) is free text
scored by the `vqa` scorer (normalised exact match + token F1).

Published quirks handled: the first qid is the string "0" (the rest are integers) -> ids are text;
5 answers are JSON numbers -> written as text ("2"); answer_type "CLOSED " with a trailing space ->
stripped and upper-cased; the string "NULL" means missing; answer case varies (Yes / yes) -> yes/no
lower-cased; 2 records lack `question_rephrase` (not used). A missing or unreadable image is a
DataError naming the JSON file, the record's line, the item and the image file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..items import AnswerFormat, DataError, Item, TaskType
from ._shared import json_array_records
from .base import Benchmark, as_text, item_or_error, register

FILE = "vqa_rad/VQA_RAD Dataset Public.json"
IMAGE_FOLDER = "VQA_RAD Image Folder"
SPLITS = {"test": ("test_freeform", "test_para"), "train": ("freeform", "para")}
ANSWER_TYPES = ("CLOSED", "OPEN")


def _text(rec: dict[str, Any], key: str, path: Path, line: int) -> str | None:
    """The field as stripped text; None when absent, empty or the string "NULL"."""
    value = as_text(rec.get(key), path, line, key)
    value = value.strip() if value is not None else None
    return None if not value or value.upper() == "NULL" else value


def _required(rec: dict[str, Any], key: str, path: Path, line: int, qid: str | None) -> str:
    value = _text(rec, key, path, line)
    if value is None:
        who = f"item {qid}: " if qid else ""
        raise DataError(str(path), line, key, f"{who}missing, empty or NULL")
    return value


def _to_item(bench: Benchmark, rec: dict[str, Any], path: Path, line: int, subset: str, images: dict) -> Item:
    from ..images import ImageError, read_image

    qid = as_text(rec.get("qid"), path, line, "qid", integral=True)
    qid = qid.strip() if qid else None
    if not qid or qid.upper() == "NULL":
        raise DataError(str(path), line, "qid", "missing, empty or NULL")
    question = _required(rec, "question", path, line, qid)
    answer = _required(rec, "answer", path, line, qid)
    answer_type = _required(rec, "answer_type", path, line, qid).upper()
    if answer_type not in ANSWER_TYPES:
        raise DataError(str(path), line, "answer_type", f"item {qid}: {answer_type!r} is not CLOSED or OPEN")
    image_name = _required(rec, "image_name", path, line, qid)
    if image_name not in images:
        image_path = path.parent / IMAGE_FOLDER / image_name
        try:
            images[image_name] = read_image(image_path)
        except (ImageError, OSError) as e:
            raise DataError(str(path), line, "image_name", f"item {qid}: image {image_path}: {e}") from None
    metadata = {
        "qid": qid, "split": subset, "phrase_type": _text(rec, "phrase_type", path, line),
        "organ": _text(rec, "image_organ", path, line),
        "question_type": (_text(rec, "question_type", path, line) or "").upper() or None,
        "answer_type": answer_type, "image_name": image_name,
    }  # fmt: skip
    fields: dict[str, Any] = dict(id=qid, benchmark=bench.name, question=question, language="en",
                                  images=(images[image_name],))
    if answer_type == "CLOSED" and answer.lower() in ("yes", "no"):
        fields.update(answer=answer.lower(), task=TaskType.yes_no_maybe, answer_format=AnswerFormat.yes_no_maybe,
                      metadata={**metadata, "answer_choices": ["yes", "no"]})
    else:
        fields.update(answer=answer, task=TaskType.open_ended, answer_format=AnswerFormat.text, metadata=metadata)
    return item_or_error(path, line, **fields)


def scan(bench: Benchmark, path: Path, subset: str) -> tuple[list[Item], list[DataError]]:
    """(items of `subset`, the records that could not be read): for skipping bad records."""
    phrase_types = SPLITS[subset]
    items: list[Item] = []
    errors: list[DataError] = []
    first: dict[str, int] = {}
    images: dict = {}  # image name -> ImagePart: each file is read (and hashed) once
    for line, rec in json_array_records(path):
        phrase = rec.get("phrase_type")
        if not isinstance(phrase, str) or phrase.strip() not in phrase_types:
            continue
        try:
            item = _to_item(bench, rec, path, line, subset, images)
            if item.id in first:
                raise DataError(str(path), line, "qid", f"duplicate qid {item.id!r} (first on line {first[item.id]})")
        except DataError as e:
            errors.append(e)
            continue
        first[item.id] = line
        items.append(item)
    return items, errors


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    items, errors = scan(bench, path, subset)
    if errors:
        more = f" (and {len(errors) - 1} more bad records)" if len(errors) > 1 else ""
        if more:
            raise DataError(errors[0].path, errors[0].line, errors[0].field, errors[0].message + more)
        raise errors[0]
    return items


register(Benchmark(
    name="vqa_rad",
    description="VQA-RAD: radiology visual question answering (image + question -> short answer; yes/no and open)",
    task=TaskType.open_ended,
    subsets=tuple(SPLITS),
    paths={s: FILE for s in SPLITS},
    reader=read,
    scanner=scan,
    aliases=("vqarad",),
    scorers=("vqa",),
))
