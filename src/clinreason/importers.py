"""Import other people's published per-item outputs as reference runs in the store.

MedAgentsBench (Tang et al., 2025) published every model's answer to every `test_hard`
question, with token usage and time. Imported, they sit in the leaderboard and item browser
beside your own runs, graded by the same rules on the same items.

The parts: reading and matching the published records is `published_records`; naming, storing
and scoring the imported run is here.
"""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .grading.scorers import SCORER, AnswerScorer
from .results import Prediction
from .items import DataError, Item, TaskType
# Record reading and matching live in published_records; their names stay importable from here.
from .published_records import (_APPENDED_OPTIONS, _NON_FINITE, _bad, _finite, _match, _norm,  # noqa: F401
                                _norm_options, _options, _placeholder, _record, _Record, _usage, _why_not)
from .store import Store
from .summary import summarize_run

# <model>-<dataset>-<subset>-<method>.json, e.g. gpt-4o-mini-medqa-test_hard-cot_sc-5.json.
# Model names contain dashes too, so the subset anchors the split.
_FILE_NAME = re.compile(r"^(?P<model>.+)-(?P<dataset>[a-z0-9_]+)-(?P<subset>test_hard|test|dev|train)-(?P<method>.+)\.json$")
# Published answers are mostly a bare letter, sometimes "(D)", "A.", "**A**", "Answer: A)" ...
_LEADING_LETTER = re.compile(r"^\W*(?:the\s+)?(?:answer\s*(?:is)?\s*[:\-]?\s*)?\(?\**([A-Z])\**\)?(?=$|[\s.:)*,])",
                             re.IGNORECASE)

PUBLISHED_SUFFIX = " (published)"


@dataclass
class ImportResult:
    run_id: str
    path: Path
    n_records: int
    n_imported: int
    unmatched: list[str]  # "record N (realidx X): why", one per record left out
    accuracy: float | None
    dropped: int = 0  # non-finite or unreadable numbers left out (each named in its prediction's info["dropped"])


def parse_file_name(path: Path) -> dict[str, str]:
    match = _FILE_NAME.match(path.name)
    if not match:
        raise DataError(str(path), None, None,
                        "expected a file named <model>-<dataset>-<subset>-<method>.json (MedAgentsBench outputs)")
    return match.groupdict()


def parse_token_usage(raw: Any) -> dict[str, int]:
    """token_usage is a dict, None (aflow, spo), or in some releases a Python-dict *string*."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        raw = ast.literal_eval(raw)  # literal_eval, never eval: it only builds literals
    if not isinstance(raw, dict):
        return {}
    return {k: int(v) for k, v in raw.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)}


def published_letter(raw: Any) -> str | None:
    """A clean option letter from a published answer, or None when it needs real extraction."""
    if raw is None or (isinstance(raw, float) and raw != raw):  # NaN
        return None
    match = _LEADING_LETTER.match(str(raw).strip())
    return match.group(1).upper() if match else None


def _to_item_answer(letter: str | None, item: Item, published_options: dict) -> str | None:
    """The published letter in the item's answer space (yes/no/maybe items store words, not letters)."""
    if letter is None:
        return None
    if item.task == TaskType.yes_no_maybe:
        text = str(published_options.get(letter, "")).strip().lower()
        return text if text in ("yes", "no", "maybe") else None
    return letter if letter in item.options else None


def import_medagentsbench_file(path: str | Path, store: Store, data_dir: str | Path | None = None) -> ImportResult:
    from .data import load_items  # lazily: importing a file should not load every loader

    path = Path(path)
    meta = parse_file_name(path)
    try:
        # Python's json reads NaN / Infinity (pandas writes them); they are dropped record by record.
        raw = json.loads(path.read_text(encoding="utf-8"), parse_constant=_NON_FINITE.__getitem__)
    except json.JSONDecodeError as e:
        raise DataError(str(path), e.lineno, None, f"not JSON: {e.msg}") from None
    except UnicodeDecodeError as e:
        raise DataError(str(path), None, None, f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    if not isinstance(raw, list):
        raise DataError(str(path), None, None, "expected a JSON list of per-item records")
    records = [_record(r, path, n) for n, r in enumerate(raw, 1)]
    items = load_items(meta["dataset"], meta["subset"], data_dir)
    pairs, unmatched = _match(records, items)
    if not pairs:
        raise DataError(str(path), None, "question",
                        f"no record matches an item of {meta['dataset']}/{meta['subset']} (question text and options)")

    model_name = meta["model"] + PUBLISHED_SUFFIX
    run_id = "-".join(["published", meta["dataset"], meta["subset"], meta["method"],
                       re.sub(r"[^A-Za-z0-9._-]+", "_", meta["model"])])
    run_items = [item for _, item in pairs]
    store.start_run(
        {"id": run_id, "benchmark": meta["dataset"], "subset": meta["subset"], "model": model_name,
         "model_identity": f"published:{meta['model']}", "method": meta["method"],
         "config": {"method": {"method": meta["method"]}, "reference": True,
                    "source": "MedAgentsBench published outputs", "file": path.name,
                    "n_items": len(run_items)}},
        run_items,
    )
    dropped = 0
    for rec, item in pairs:
        output = rec.predicted or ""
        answer = _to_item_answer(published_letter(rec.predicted), item, rec.options)
        info: dict[str, Any] = {"published": True, "source_file": path.name, "record": rec.n}
        if rec.cost is not None:
            info["cost_usd"] = rec.cost
        if rec.dropped:  # left out, and why: never a NaN in the store (the report's JSON must parse)
            info["dropped"] = rec.dropped
            dropped += len(rec.dropped)
        # Re-import replaces rows (INSERT OR REPLACE), so importing twice changes nothing.
        store.save_result(run_id, item.id, {
            "status": "ok", "output": output, "answer": answer, "info": info, "trace": [],
            "n_calls": 0, "n_cached": 0,
            "prompt_tokens": rec.usage.get("prompt_tokens", 0),
            "completion_tokens": rec.usage.get("completion_tokens", 0),
            "wall_s": rec.wall_s,
        }, {SCORER: AnswerScorer()(item, Prediction(output=output, answer=answer))})
    summary = summarize_run(store, run_id)
    store.finish_run(run_id, "complete", summary)
    return ImportResult(run_id=run_id, path=path, n_records=len(records), n_imported=len(pairs),
                        unmatched=unmatched, accuracy=summary["accuracy"], dropped=dropped)


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Files as given; a directory means every *.json under it."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.rglob("*.json")))
        elif p.is_file():
            out.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or directory")
    return out
