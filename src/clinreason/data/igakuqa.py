"""IgakuQA (jungokasai/IgakuQA): the Japanese national medical licensing exam, 2018-2022 (exams 112-116),
2,000 questions, and the English translation published with it.

Layout, as published: <data>/igakuqa/<year>/<exam>-<block>.jsonl (blocks A-F), one question a line:
    {problem_id, problem_text, choices [...], text_only, answer [...], points}
beside <exam>-<block>_metadata.jsonl {problem_id, category, kinki, reason, human_accuracy, breakdown}
and <exam>-<block>_translate.jsonl {problem_id, problem_text_en, choices_en, answer}, joined by problem_id.

Two benchmarks share the ids (problem_id, e.g. "112A1"), so runs pair item by item:
  igakuqa     language "ja"
  igakuqa_en  language "en", the published (machine) translation

Letters: the exam letters its choices a, b, c, ... (ａ-ｅ); items letter them A, B, C, ... by position
and gold ["a", "c"] becomes "A,C". One correct choice -> answer_format letter; several -> letters
("2つ選べ"). kinki (禁忌肢, choices that fail the exam when picked) are given as letters in the same way.

Quirks of the published files, handled here:
  * 12 calculation questions have no choices: the answer fills numbered boxes (解答：①.② with gold
    "04" = 0.4). They are numeric items; the boxes are filled from the Japanese template and the
    value must match after rounding to the template's decimals (Tolerance rule "rounded").
  * 114C11's choices are blank (they are the rows ａ-ｅ of a table in the question): a blank choice
    becomes its full-width letter, as 113F83's choices are published.
  * 112B30's gold is ["a or d"] (both accepted): answer "A", metadata accepted_answers ["A", "D"].
  * text_only false (529 questions) means the question refers to an image, which is not published:
    the default subset `text_only` leaves those out; `all` keeps them (metadata text_only).
  * English choices: where the Japanese choice has no Japanese script (②, 0.5, IgA, ａ), the English
    item uses it (full-width letters and digits made ASCII), because the published translation often replaced such choices
    with refusals ("Sorry, ② cannot be translated without context"). metadata choices_from_ja lists them.

Subsets: text_only (default, 1,471), all (2,000), 2018 ... 2022 (400 each, images included).
The path of every subset is one file (<year>/<exam>-A.jsonl) that anchors the folder: the reader
reads the 30 question files (or the 6 of one year) around it.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from ..items import AnswerFormat, DataError, Item, TaskType, Tolerance
from ._shared import gold_letters, lettered, required_text
from .base import Benchmark, as_text, item_or_error, iter_jsonl, register

YEARS = {"2018": "112", "2019": "113", "2020": "114", "2021": "115", "2022": "116"}
BLOCKS = "ABCDEF"
SUBSETS = ("text_only", "all", *YEARS)
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
_NARROW = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}  # full-width ASCII -> ASCII
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")  # kana, kanji, half-width kana


def decode_calculation(problem_text: str, raw: str) -> tuple[str, int]:
    """(number, decimals) of a calculation answer: the digits of `raw` fill the boxes ①②... of the
    template after 解答： ("①.②" with "04" -> "0.4"; "1, ①②③ kcal" with "130" -> "1130").
    ValueError when they do not fit."""
    _, sep, template = problem_text.rpartition("解答：")
    if not sep:
        raise ValueError("a question without choices needs an answer template '解答：①②...' in problem_text")
    digits = raw.strip().replace(".", "")
    boxes = sum(ch in _CIRCLED for ch in template)
    if not digits.isdigit() or len(digits) != boxes:
        raise ValueError(f"{raw!r} does not fill the {boxes} boxes of the answer template {template.strip()!r}")
    fill = iter(digits)
    filled = unicodedata.normalize("NFKC", "".join(next(fill) if ch in _CIRCLED else ch for ch in template))
    number = re.match(r"\d+(?:\.\d+)?", re.sub(r"[,\s、]", "", filled))
    if number is None:
        raise ValueError(f"no number in the filled template {filled.strip()!r}")
    value = number.group(0)
    return value, len(value.partition(".")[2])


def _read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise DataError(str(path), None, None, "missing: IgakuQA has <year>/<exam>-<block>.jsonl with _metadata "
                        "and _translate files for every block A-F of exams 112-116")
    rows = []
    for line, rec in iter_jsonl(path):
        if isinstance(rec, DataError):
            raise rec
        rows.append((line, rec))
    return rows


def _by_id(path: Path, ids: list[str]) -> dict[str, tuple[int, dict[str, Any]]]:
    """A companion file's records by problem_id; it must cover the questions of its block."""
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    for line, rec in _read_jsonl(path):
        pid = as_text(rec.get("problem_id"), path, line, "problem_id", integral=True)
        if not pid:
            raise DataError(str(path), line, "problem_id", "missing or empty")
        out[pid] = (line, rec)
    missing = [pid for pid in ids if pid not in out]
    if missing:
        raise DataError(str(path), None, "problem_id", f"no record for {', '.join(missing[:5])}"
                        + (f" and {len(missing) - 5} more" if len(missing) > 5 else ""))
    return out


def _float_or_none(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _kinki(raw: Any, options: dict[str, str], path: Path, line: int) -> list[str]:
    """Contraindicated choices: ["c", "e"] or ["cde"] -> ["C", "D", "E"]."""
    if raw in (None, [], ""):
        return []
    if not isinstance(raw, list):
        raise DataError(str(path), line, "kinki", "expected a list of choice letters")
    letters = [ch for i, v in enumerate(raw) for ch in (as_text(v, path, line, f"kinki[{i}]") or "") if ch.strip()]
    return gold_letters(letters, options, path, line, "kinki") if letters else []


def _question(bench: Benchmark, english: bool, year: str, block: str, subset: str, line: int, rec: dict[str, Any],
              path: Path, meta: tuple[int, dict[str, Any]], tr: tuple[int, dict[str, Any]] | None) -> Item:
    pid = as_text(rec.get("problem_id"), path, line, "problem_id", integral=True) or ""
    text = required_text(rec.get("problem_text"), path, line, "problem_text")
    text_only = rec.get("text_only")
    if not isinstance(text_only, bool):
        raise DataError(str(path), line, "text_only", f"expected true or false, got {text_only!r}")
    raw_answer = rec.get("answer")
    if not isinstance(raw_answer, list) or not raw_answer:
        raise DataError(str(path), line, "answer", f"expected a non-empty list of choice letters, got {raw_answer!r}")
    raw_choices = rec.get("choices")
    if isinstance(raw_choices, list):  # 114C11 leaves choices blank: they are the rows ａ-ｅ of a table
        raw_choices = [chr(0xFF41 + i) if isinstance(c, str) and not c.strip() else c for i, c in enumerate(raw_choices)]
    options = lettered(raw_choices, path, line, "choices") if raw_choices != [] else {}
    points = as_text(rec.get("points"), path, line, "points", integral=True)
    meta_line, meta_rec = meta
    meta_path = path.with_name(path.stem + "_metadata.jsonl")
    metadata: dict[str, Any] = {
        "split": subset, "year": int(year), "exam": YEARS[year], "block": block,
        "category": as_text(meta_rec.get("category"), meta_path, meta_line, "category"),
        "text_only": text_only, "points": int(points) if points and points.isdigit() else None,
        "human_accuracy": _float_or_none(meta_rec.get("human_accuracy")),
    }
    fields: dict[str, Any] = dict(id=pid, benchmark=bench.name, language="en" if english else "ja", task=TaskType.mcq)

    if not options:  # a calculation question: the answer fills the boxes of a template
        gold = as_text(raw_answer[0], path, line, "answer[0]") or ""
        try:
            value, decimals = decode_calculation(text, gold)
        except ValueError as e:
            raise DataError(str(path), line, "answer", str(e)) from None
        fields.update(task=TaskType.numeric, answer=value, answer_format=AnswerFormat.number,
                      tolerance=Tolerance(rule="rounded", decimals=decimals))
        metadata["calculation"] = True
    else:
        accepted = None
        if len(raw_answer) == 1 and isinstance(raw_answer[0], str) and " or " in raw_answer[0]:
            accepted = gold_letters(raw_answer[0].split(" or "), options, path, line, "answer")
            letters = accepted[:1]
        else:
            letters = gold_letters(raw_answer, options, path, line, "answer")
        fields.update(answer=",".join(letters), answer_format=AnswerFormat.letters if len(letters) > 1 else AnswerFormat.letter)
        if accepted:
            metadata["accepted_answers"] = accepted
        metadata["kinki"] = _kinki(meta_rec.get("kinki"), options, meta_path, meta_line)

    if english:
        assert tr is not None
        tr_line, tr_rec = tr
        tr_path = path.with_name(path.stem + "_translate.jsonl")
        text = required_text(tr_rec.get("problem_text_en"), tr_path, tr_line, "problem_text_en")
        if options:
            en = lettered(tr_rec.get("choices_en"), tr_path, tr_line, "choices_en")
            if list(en) != list(options):
                raise DataError(str(tr_path), tr_line, "choices_en", f"{len(en)} choices, the question has {len(options)}")
            kept = [k for k, ja in options.items() if not _JAPANESE.search(ja)]
            options = {k: options[k].translate(_NARROW).strip() if k in kept else v for k, v in en.items()}
            if kept:
                metadata["choices_from_ja"] = kept
        if tr_rec.get("answer") != raw_answer:
            raise DataError(str(tr_path), tr_line, "answer", f"{tr_rec.get('answer')!r} differs from the question's {raw_answer!r}")
    fields.update(question=text, options=options, metadata=metadata)
    return item_or_error(path, line, **fields)


def read_block(bench: Benchmark, path: Path, year: str, block: str, subset: str) -> list[Item]:
    english = bench.name.endswith("_en")
    rows = _read_jsonl(path)
    ids = []
    for line, rec in rows:
        pid = as_text(rec.get("problem_id"), path, line, "problem_id", integral=True)
        if not pid:
            raise DataError(str(path), line, "problem_id", "missing or empty")
        ids.append(pid)
    meta = _by_id(path.with_name(path.stem + "_metadata.jsonl"), ids)
    tr = _by_id(path.with_name(path.stem + "_translate.jsonl"), ids) if english else {}
    return [_question(bench, english, year, block, subset, line, rec, path, meta[pid], tr.get(pid))
            for (line, rec), pid in zip(rows, ids)]


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    root = path.parent.parent  # every subset's path is <root>/<year>/<exam>-A.jsonl
    items: list[Item] = []
    first: dict[str, str] = {}
    for year in [subset] if subset in YEARS else list(YEARS):
        for block in BLOCKS:
            block_path = root / year / f"{YEARS[year]}-{block}.jsonl"
            for item in read_block(bench, block_path, year, block, subset):
                if item.id in first:
                    raise DataError(str(block_path), None, "problem_id", f"duplicate id {item.id!r} (first in {first[item.id]})")
                first[item.id] = block_path.name
                if subset != "text_only" or item.metadata["text_only"]:
                    items.append(item)
    return items


def _paths() -> dict[str, str]:
    return {s: f"igakuqa/{s if s in YEARS else '2018'}/{YEARS.get(s, '112')}-A.jsonl" for s in SUBSETS}


register(Benchmark(
    name="igakuqa",
    description="IgakuQA: Japanese national medical licensing exam 2018-2022 (ja; single and multi-answer, 12 calculations)",
    task=TaskType.mcq, subsets=SUBSETS, paths=_paths(), reader=read, aliases=("igaku_qa",),
))
register(Benchmark(
    name="igakuqa_en",
    description="IgakuQA in the published English translation (same ids as igakuqa)",
    task=TaskType.mcq, subsets=SUBSETS, paths=_paths(), reader=read, aliases=("igaku_qa_en",),
))
