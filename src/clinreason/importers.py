"""Import other people's published per-item outputs as reference runs in the store.

MedAgentsBench (Tang et al., 2025) published every model's answer to every `test_hard`
question, with token usage and time. Imported, they sit in the leaderboard and item browser
beside your own runs, graded by the same rules on the same items.
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
from .data.base import text_problem
from .items import DataError, Item, TaskType
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


# --- reading records -------------------------------------------------------------------------------

_NON_FINITE = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


@dataclass
class _Record:
    n: int  # 1-based position in the file
    question: str
    options: dict[str, str]
    gold: str | None  # answer_idx: a letter of `options`
    predicted: str | None  # the published answer as text (None: NaN / missing)
    usage: dict[str, int]
    wall_s: float
    cost: float | None
    dropped: dict[str, str]  # field -> why its value was left out
    ref: str  # how the record calls itself (realidx / id), for messages


def _bad(path: Path, n: int, fld: str | None, message: str) -> DataError:
    return DataError(str(path), None, fld, f"record {n}: {message}")


def _finite(value: Any, fld: str, dropped: dict[str, str]) -> float | None:
    """A finite number (numbers written as text too), else None with the reason in `dropped`."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        dropped[fld] = f"{value!r} is not a number"
        return None
    try:
        number = float(value)
    except ValueError:
        dropped[fld] = f"{value!r} is not a number"
        return None
    if not math.isfinite(number):
        dropped[fld] = f"{'NaN' if number != number else 'Infinity'} is not a finite number"
        return None
    return number


def _usage(raw: Any, path: Path, n: int, dropped: dict[str, str]) -> dict[str, int]:
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = ast.literal_eval(raw)  # literal_eval, never eval: it only builds literals
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise _bad(path, n, "token_usage", "not a {name: count} object (nor its Python text)") from None
    if not isinstance(raw, dict):
        raise _bad(path, n, "token_usage", f"not a {{name: count}} object (got {type(raw).__name__})")
    usage = {}
    for key, value in raw.items():
        number = _finite(value, f"token_usage.{key}", dropped)
        if number is not None:
            usage[str(key)] = int(number)
    return usage


def _options(raw: Any, path: Path, n: int) -> dict[str, str]:
    if isinstance(raw, str):  # some releases write the dict as Python text
        try:
            raw = ast.literal_eval(raw)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            pass
    if not isinstance(raw, dict) or not raw:
        raise _bad(path, n, "options", "expected a {letter: text} object")
    out = {}
    for key, value in raw.items():
        if value is None:
            continue
        text, problem = text_problem(value)
        if problem:
            raise _bad(path, n, f"options.{key}", problem)
        out[str(key).strip()] = text
    return out


def _record(raw: Any, path: Path, n: int) -> _Record:
    if not isinstance(raw, dict):
        raise _bad(path, n, None, f"expected an object, got {type(raw).__name__}")
    if raw.get("question") is None:
        raise _bad(path, n, "question", "missing (records are matched on their question text)")
    question, problem = text_problem(raw["question"])
    if problem:
        raise _bad(path, n, "question", problem)
    if not question.strip():
        raise _bad(path, n, "question", "empty (records are matched on their question text)")
    options = _options(raw.get("options"), path, n)
    gold, problem = text_problem(raw.get("answer_idx"))
    if problem:
        raise _bad(path, n, "answer_idx", problem)
    predicted = raw.get("predicted_answer")
    if isinstance(predicted, float) and predicted != predicted:  # NaN: pandas' "no answer"
        predicted = None
    if predicted is not None and not isinstance(predicted, str):
        raise _bad(path, n, "predicted_answer", f"expected text, got {type(predicted).__name__}")
    dropped: dict[str, str] = {}
    usage = _usage(raw.get("token_usage"), path, n, dropped)
    wall_s = _finite(raw.get("time_elapsed"), "time_elapsed", dropped)
    cost = _finite(raw.get("cost"), "cost", dropped)
    ref = next((f"{k} {raw[k]}" for k in ("realidx", "id", "idx") if raw.get(k) not in (None, "")), "")
    return _Record(n=n, question=question, options=options, gold=(gold or "").strip() or None, predicted=predicted,
                   usage=usage, wall_s=wall_s if wall_s is not None and wall_s >= 0 else 0.0, cost=cost,
                   dropped=dropped, ref=ref)


# --- matching records to items ---------------------------------------------------------------------

# MDAgents outputs append the options to the question: "... Options: (C) text (B) text ...".
_APPENDED_OPTIONS = re.compile(r"\s*Options:\s*\([A-Z]\).*$", re.DOTALL)


def _norm(text: str) -> str:
    """Question text for matching: whitespace collapsed, case folded, trailing '?'/spaces dropped
    (a published copy may end "...?\n ?")."""
    return " ".join(text.split()).rstrip(" ?").casefold()


def _norm_options(options: dict[str, str]) -> dict[str, str]:
    return {k: " ".join(str(v).split()).casefold() for k, v in options.items()}


def _placeholder(text: str) -> bool:
    return text.strip().lower() in ("", "n/a")


def _why_not(rec: _Record, item: Item) -> str | None:
    """Why `rec` is not a record of `item` (same question text assumed), or None when verified:
    the same options under the same letters, and the same gold."""
    mine, theirs = _norm_options(item.options), _norm_options(rec.options)
    differ = [k for k in sorted(set(mine) | set(theirs))
              if mine.get(k) != theirs.get(k) and not (k not in mine and _placeholder(theirs[k]))]
    if differ:
        return f"options {', '.join(differ)} differ from item {item.id}'s"
    if rec.gold is not None:
        gold = rec.gold
        if item.task == TaskType.yes_no_maybe:
            gold = rec.options.get(rec.gold, "").strip().lower()
        if gold != item.answer:
            return f"gold {rec.gold!r} differs from item {item.id}'s ({item.answer!r})"
    return None


def _match(records: list[_Record], items: list[Item]) -> tuple[list[tuple[_Record, Item]], list[str]]:
    """Each record to the item with its question text and options (verified: options and gold).
    The record's realidx / id is never trusted: in some published files it is a position."""
    by_question: dict[str, list[Item]] = {}
    for item in items:
        by_question.setdefault(_norm(item.question), []).append(item)
    pairs, unmatched, first = [], [], {}
    for rec in records:
        where = f"record {rec.n}" + (f" ({rec.ref})" if rec.ref else "")
        candidates = by_question.get(_norm(rec.question))
        if candidates is None:
            candidates = by_question.get(_norm(_APPENDED_OPTIONS.sub("", rec.question)))
        if not candidates:
            unmatched.append(f"{where}: no item has this question")
            continue
        verified = [item for item in candidates if _why_not(rec, item) is None]
        if len(verified) != 1:
            why = _why_not(rec, candidates[0]) if not verified else f"{len(verified)} items have this question and options"
            unmatched.append(f"{where}: {why}")
            continue
        item = verified[0]
        if item.id in first:  # some published files repeat a record: keep the first
            unmatched.append(f"{where}: duplicate of record {first[item.id]} (item {item.id})")
            continue
        first[item.id] = rec.n
        pairs.append((rec, item))
    return pairs, unmatched


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
