"""MedAgentsBench's published per-item records: read strictly, and matched to our items.

A record names its item only by question text (its realidx / id is sometimes a position), so a
match is verified on the options and the gold before it is trusted.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .data.base import text_problem
from .items import DataError, Item, TaskType

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
