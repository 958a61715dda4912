"""Stored runs as paired data: read a run's scored items keyed by source item, and compare runs
(two, one base against several with Holm's correction, or the cells of a grid file).

Items pair by `original_id`: an ordinary item by its id, a probe's derived item by its source_id,
so a probe run pairs with its base run and igakuqa with igakuqa_en (same ids). Answers are read
back into the source item's letters (`probes.to_source_letters`), so "the answer changed" means
changed in meaning, whatever order the options were shown in."""

from __future__ import annotations

import json
from pathlib import Path

from .grading.crosslingual import agreement, known_pair
from .grading.paired import compare_pairs, holm, run_pairs
from .probes import to_source_letters


def run_side(store, run_id: str, scorer: str = "answer") -> list[dict]:
    """The run's scored items: {id, key (source id), value, answer (source letters), raw_answer, target, transform}."""
    scores = {s["item_id"]: s for s in store.scores(run_id, scorer)}
    answers = {p["item_id"]: p["answer"] for p in store.predictions(run_id)}
    side = []
    for item in store.run_items(run_id):
        if item.id not in scores:
            continue
        raw = read_answer(scores[item.id], answers.get(item.id))
        side.append({"id": item.id, "key": item.original_id, "value": scores[item.id]["value"], "raw_answer": raw,
                     "answer": to_source_letters(raw, item), "target": item.metadata.get("probe_target"),
                     "transform": item.transform})
    return side


def read_answer(score: dict, predicted: str | None) -> str | None:
    """The answer as the grader read it (the score's label), else the method's own; None when unread.
    The grade's read is preferred: it is the one the score was given for."""
    label = score.get("label")
    if label in (None, "unparsed", "needs_judge") or score.get("value") is None:
        return predicted
    return label


def compare_two(store, a_id: str, b_id: str, scorer: str = "answer", margin: float | None = None,
                crosslingual: bool | None = None) -> dict:
    """B against A on the source items both scored. crosslingual None: when the benchmarks are a
    known translation pair. Raises ValueError when they share no scored items."""
    pairs = run_pairs(run_side(store, a_id, scorer), run_side(store, b_id, scorer))
    if not pairs:
        raise ValueError(f"runs {a_id} and {b_id} share no items scored by {scorer!r}: nothing to compare")
    result = compare_pairs(pairs, margin=margin)
    run_a, run_b = store.get_run(a_id), store.get_run(b_id)
    out = {"a": a_id, "b": b_id, "scorer": scorer, "benchmark_a": run_a["benchmark"], "benchmark_b": run_b["benchmark"],
           **result.as_dict()}
    if crosslingual is None:
        crosslingual = known_pair(run_a["benchmark"], run_b["benchmark"])
    if crosslingual:
        out["crosslingual"] = agreement(pairs).as_dict()
    return out


def compare_against_base(store, base: str, others: list[str], scorer: str = "answer",
                         margin: float | None = None, crosslingual: bool | None = None) -> list[dict]:
    """Each of `others` against `base`, with Holm-adjusted McNemar p-values (and TOST p-values) across them."""
    return adjust([compare_two(store, base, other, scorer, margin, crosslingual) for other in others])


def adjust(results: list[dict]) -> list[dict]:
    """Holm-adjusted p-values across one family of comparisons (p_holm, tost_p_holm)."""
    for field in ("p_value", "tost_p"):
        for r, p in zip(results, holm([r.get(field) for r in results])):
            r[f"{field.removesuffix('_value')}_holm"] = p
    for r in results:
        if r.get("tost_p_holm") is not None:
            r["equivalent_holm"] = r["tost_p_holm"] < 0.05
    return results


def grid_pairs(path: Path, base: str | None = None) -> list[tuple[str, str]]:
    """(base run, other run) for every cell of a grid file (`clinreason grid` JSON): within each
    benchmark, subset and model, the cell whose method label (or run id) is `base`, else the first
    cell, is the base of the others."""
    try:
        rows = json.loads(Path(path).read_text(encoding="utf-8"))["rows"]
        cells = [(r["benchmark"], r.get("subset"), r["model"], r["method"], r["run_id"]) for r in rows]
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such grid file") from None
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as e:
        raise ValueError(f"{path}: not a grid file from `clinreason grid` ({type(e).__name__}: {e})") from None
    groups: dict[tuple, list[tuple[str, str]]] = {}
    for bench, subset, model, method, run_id in cells:
        groups.setdefault((bench, subset, model), []).append((method, run_id))
    out = []
    for members in groups.values():
        chosen = [m for m in members if base in (m[0], m[1])] if base else members[:1]
        if base and not chosen:
            continue  # this group has no such cell: nothing to compare it with
        out.extend((chosen[0][1], run_id) for method, run_id in members if run_id != chosen[0][1])
    if not out:
        raise ValueError(f"{path}: no cells to compare" + (f" with base {base!r}" if base else "")
                         + " (a group needs a base cell and at least one other)")
    return out
