"""PubMedQA PQA-L, as released by its authors (pubmedqa/pubmedqa).

ori_pqal.json: {PMID: {QUESTION, CONTEXTS [..], LABELS [..], MESHES [..], YEAR, final_decision, LONG_ANSWER, ...}}
test_ground_truth.json (next to it): {PMID: label} for the 500 official test questions; the other 500 are `train`.
The Hub copy (qiaojin/PubMedQA, config pqa_labeled) has all 1000 but not the test/train split, so it serves `all`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..items import YES_NO_MAYBE, DataError, Item, TaskType
from .base import Benchmark, HubFiles, item_or_error, read_parquet_rows, read_text, register, text_problem

OPTIONS = {"A": "yes", "B": "no", "C": "maybe"}
GROUND_TRUTH = "test_ground_truth.json"


def _load_json(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as e:
        raise DataError(str(path), e.lineno, None, f"invalid JSON ({e.msg} at column {e.colno})") from None


def _from_hub_rows(path: Path) -> dict[str, dict[str, Any]]:
    """Hub parquet rows -> the ori_pqal.json shape (the Hub copy has no YEAR)."""
    out = {}
    for i, row in enumerate(read_parquet_rows(path), 1):
        if row.get("pubid") is None:
            raise DataError(str(path), i, "pubid", "missing")
        ctx = row.get("context") or {}
        out[str(row["pubid"])] = {
            "QUESTION": row.get("question"),
            "CONTEXTS": ctx.get("contexts"),
            "LABELS": ctx.get("labels"),
            "MESHES": ctx.get("meshes"),
            "YEAR": None,
            "final_decision": row.get("final_decision"),
            "LONG_ANSWER": row.get("long_answer"),
        }
    return out


def _to_item(pmid: str, rec: Any, gold: str, subset: str, path: Path) -> Item:
    def bad(field: str, message: str) -> DataError:
        return DataError(str(path), None, f"{pmid}.{field}", message)

    if not isinstance(rec, dict):
        raise bad("", "expected an object")
    question, problem = text_problem(rec.get("QUESTION"))
    if problem:
        raise bad("QUESTION", problem)
    if not question or not question.strip():
        raise bad("QUESTION", "missing or empty")
    contexts, labels = rec.get("CONTEXTS") or [], rec.get("LABELS") or []
    if not isinstance(contexts, list) or not all(isinstance(c, str) for c in contexts):
        raise bad("CONTEXTS", "expected a list of strings")
    if not isinstance(labels, list) or len(labels) != len(contexts):
        raise bad("LABELS", f"expected {len(contexts)} labels, one per context")
    for i, label in enumerate(labels):
        if text_problem(label)[1] or label is None:
            raise bad(f"LABELS[{i}]", text_problem(label)[1] or "expected text, got null")
    long_answer, problem = text_problem(rec.get("LONG_ANSWER"))
    if problem:
        raise bad("LONG_ANSWER", problem)
    labels = [text_problem(label)[0] for label in labels]
    context = "\n".join(f"{label}: {text}" for label, text in zip(labels, contexts)) or None
    metadata = {"year": rec.get("YEAR"), "meshes": rec.get("MESHES") or [], "labels": labels, "split": subset}
    return item_or_error(
        path, None, id=pmid, benchmark="pubmedqa_pqal", question=question, context=context, options=OPTIONS,
        answer=gold, task=TaskType.yes_no_maybe, metadata=metadata, explanation=long_answer or None,
    )  # fmt: skip


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    data = _from_hub_rows(path) if path.suffix == ".parquet" else _load_json(path)
    if not isinstance(data, dict):
        raise DataError(str(path), None, None, "expected an object keyed by PMID")
    for pmid, rec in data.items():
        decision = rec.get("final_decision") if isinstance(rec, dict) else None
        if decision not in YES_NO_MAYBE:
            raise DataError(str(path), None, f"{pmid}.final_decision", f"{decision!r} is not yes/no/maybe")
    if subset == "all":
        return [_to_item(pmid, rec, rec["final_decision"], subset, path) for pmid, rec in data.items()]

    gt_path = path.parent / GROUND_TRUTH
    if not gt_path.is_file():
        raise DataError(str(gt_path), None, None, f"needed for subset {subset!r} (the official test split); not found")
    truth = _load_json(gt_path)
    if not isinstance(truth, dict):
        raise DataError(str(gt_path), None, None, "expected an object {PMID: label}")
    for pmid, label in truth.items():
        if pmid not in data:
            raise DataError(str(gt_path), None, pmid, f"PMID not in {path.name}")
        if label != data[pmid]["final_decision"]:
            raise DataError(
                str(gt_path), None, pmid,
                f"label {label!r} disagrees with final_decision {data[pmid]['final_decision']!r} in {path.name}",
            )  # fmt: skip
    if subset == "test":
        return [_to_item(pmid, data[pmid], label, subset, path) for pmid, label in truth.items()]
    return [_to_item(pmid, rec, rec["final_decision"], subset, path) for pmid, rec in data.items() if pmid not in truth]


register(
    Benchmark(
        name="pubmedqa_pqal",
        description="PubMedQA PQA-L (original release): abstract as context, yes/no/maybe",
        task=TaskType.yes_no_maybe,
        subsets=("test", "train", "all"),
        paths={s: "pubmedqa/ori_pqal.json" for s in ("test", "train", "all")},
        reader=read,
        hub=HubFiles("qiaojin/PubMedQA", {"all": "pqa_labeled/train-00000-of-00001.parquet"}),
        aliases=("pqal", "pubmedqa_original"),
    )
)
