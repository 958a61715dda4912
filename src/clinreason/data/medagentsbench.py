"""MedAgentsBench (gersteinlab/medagents-benchmark): eight medical QA sets in one JSONL format.

Each record: question, options {letter: text}, answer_idx (the gold letter), answer (its text), and per set
realidx, meta_info, subject, category/src, reason or answer_rationale. Local files live at
<data>/medagentsbench/<dir>/<subset>.jsonl; the authors also publish parquet copies on the Hub.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..items import YES_NO_MAYBE, DataError, Item, TaskType
from .base import Benchmark, HubFiles, as_text, item_or_error, iter_jsonl, read_parquet_rows, register

HUB_REPO = "super-dainiu/medagents-benchmark"  # linked from the authors' GitHub README
METADATA_FIELDS = ("meta_info", "subject", "category", "src")  # model outputs in some files are left out


def _placeholder(text: Any) -> bool:
    return text is None or str(text).strip().lower() in {"", "n/a"}


def stable_id(question: str, options: dict[str, Any]) -> str:
    """For sets without realidx (medqa_5options): a content hash, equal across test and test_hard."""
    blob = json.dumps([question, list(options.items())], ensure_ascii=False)
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


def record_to_item(rec: dict[str, Any], bench: Benchmark, subset: str, path: Path, line: int) -> Item:
    question = as_text(rec.get("question"), path, line, "question")
    if question is None or not question.strip():
        raise DataError(str(path), line, "question", "missing or empty")
    raw = rec.get("options")
    if not isinstance(raw, dict) or not raw:
        raise DataError(str(path), line, "options", "expected a non-empty {letter: text} object")
    # Hub parquet pads absent letters with null; every other option must be text (never a repr).
    raw = {str(k): as_text(v, path, line, f"options.{k}") for k, v in raw.items() if v is not None}
    gold = as_text(rec.get("answer_idx"), path, line, "answer_idx")
    if gold not in raw:
        raise DataError(str(path), line, "answer_idx", f"{gold!r} is not among options {', '.join(raw)}")
    # An "n/a" / empty option is a placeholder in the source table (AfriMedQA pads to five with "n/a"),
    # not a choice anyone could make: drop it, unless it is the gold answer (then it must stay to be
    # honest about the item). Letters are kept as published so answers line up with the source.
    options = {k: str(v) for k, v in raw.items() if k == gold or not _placeholder(v)}

    realidx = as_text(rec.get("realidx"), path, line, "realidx", integral=True)
    item_id = realidx if realidx is not None and realidx != "" else stable_id(question, raw)
    answer = gold
    if bench.task == TaskType.yes_no_maybe:
        answer = options[gold].strip().lower()
        if answer not in YES_NO_MAYBE:
            raise DataError(str(path), line, "answer_idx", f"option {gold} is {options[gold]!r}, not yes/no/maybe")
    metadata = {k: rec[k] for k in METADATA_FIELDS if rec.get(k) is not None}
    metadata["split"] = subset
    explanation = (as_text(rec.get("reason"), path, line, "reason")
                   or as_text(rec.get("answer_rationale"), path, line, "answer_rationale") or None)
    return item_or_error(
        path, line, id=item_id, benchmark=bench.name, question=question, options=options, answer=answer,
        task=bench.task, metadata=metadata, explanation=explanation,
    )  # fmt: skip


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    if path.suffix == ".parquet":
        rows: Any = enumerate(read_parquet_rows(path), 1)  # "line" = row number
    else:
        rows = iter_jsonl(path)
    items: list[Item] = []
    first_line: dict[str, int] = {}
    for line, rec in rows:
        if isinstance(rec, DataError):
            raise rec
        item = record_to_item(rec, bench, subset, path, line)
        if item.id in first_line:
            field = "realidx" if rec.get("realidx") not in (None, "") else "question+options"
            raise DataError(str(path), line, field, f"duplicate id {item.id!r} (first on line {first_line[item.id]})")
        first_line[item.id] = line
        items.append(item)
    return items


# name, directory, Hub config (None: not on the Hub), has train.jsonl, description, aliases
_SETS = [
    ("medqa", "medqa", "MedQA", False, "USMLE-style questions (MedQA, 4 options)", ()),
    ("medqa_5options", "medqa_5options", None, False, "USMLE-style questions (MedQA, 5 options)", ()),
    ("medmcqa", "medmcqa", "MedMCQA", False, "Indian medical entrance exam questions (MedMCQA dev set)", ()),
    ("pubmedqa", "pubmedqa", "PubMedQA", True, "PubMedQA yes/no/maybe, abstract inside the question (MedAgentsBench)", ()),
    ("mmlu", "mmlu_medical", "MMLU", True, "MMLU medical subjects (6)", ("mmlu_medical",)),
    ("mmlu_pro", "mmlu_pro_health", "MMLU-Pro", True, "MMLU-Pro health, up to 10 options", ("mmlu-pro", "mmlu_pro_health")),
    ("medbullets", "medbullets", "MedBullets", False, "Medbullets USMLE step 2/3 cases, with explanations", ()),
    ("afrimedqa", "afrimedqa", "AfrimedQA", True, "AfriMed-QA: African clinical context, with explanations", ()),
]

for _name, _dir, _config, _train, _desc, _aliases in _SETS:
    _subsets = ("test", "test_hard") + (("train",) if _train else ())
    # The Hub copy has test and test_hard only, one parquet shard per split (datasets' push_to_hub naming).
    _hub = (
        HubFiles(HUB_REPO, {s: f"{_config}/{s}-00000-of-00001.parquet" for s in ("test", "test_hard")})
        if _config
        else None
    )
    register(
        Benchmark(
            name=_name,
            description=_desc,
            task=TaskType.yes_no_maybe if _name == "pubmedqa" else TaskType.mcq,
            subsets=_subsets,
            paths={s: f"medagentsbench/{_dir}/{s}.jsonl" for s in _subsets},
            reader=read,
            hub=_hub,
            aliases=_aliases,
        )
    )
