"""A store of 50 hand-made runs (no model) over three benchmarks, for the grouped report:
same model and method on several benchmarks, a tiny run that is 100% right (must not lead), runs
with cache replays (their time is shown apart), and one output carrying an HTML/JS payload."""

from __future__ import annotations

import random

from clinreason.store import Store
from clinreason.summary import refresh_run

from conftest import make_item
from report_fixtures import XSS

BENCHMARKS = {"medqa": 40, "pubmedqa": 30, "mmlu": 20}  # benchmark -> items
MODELS = ["smollm2", "qwen", "llama", "phi", "gemma", "mistral"]
METHODS = ["direct", "cot", "sc"]


def _items(bench: str, n: int):
    return [make_item(i, answer="ABCD"[i % 4], benchmark=bench, question=f"{bench} question {i}?",
                      metadata={"subject": ["cardiology", "renal"][i % 2]}) for i in range(n)]


def _save_run(store: Store, run_id: str, bench: str, model: str, method: str, items, skill: float,
              rng: random.Random, cached: bool = False, always_right: bool = False) -> None:
    store.start_run({"id": run_id, "benchmark": bench, "subset": "test", "model": model, "model_identity": model,
                     "method": method, "config": {"method": {"method": method}, "scorers": ["answer"]}}, items)
    for k, item in enumerate(items):
        right = always_right or rng.random() < skill
        answer = item.answer if right else "ABCD"[("ABCD".index(item.answer) + 1 + k % 3) % 4]
        output = f"Reasoning of {model}/{method} on {item.id}.\nANSWER: {answer}"
        if run_id == "r00" and item.id == "q1":
            output = f"{XSS}\nANSWER: {answer}"
        replay = cached and k % 2 == 0
        store.save_result(run_id, item.id, {
            "status": "ok", "output": output, "info": {}, "trace": [],
            "n_calls": 0 if replay else 1, "n_cached": 1 if replay else 0,
            "prompt_tokens": 100 * (1 + METHODS.index(method) * 3), "completion_tokens": 20 * (1 + METHODS.index(method) * 5),
            "wall_s": 0.001 if replay else 2.0}, {
            "answer": {"value": 1.0 if right else 0.0, "label": answer, "detail": {"rule": "strict"}}})
    refresh_run(store, run_id)


def build_many(path, n_runs: int = 50) -> tuple[Store, list[str]]:
    store = Store(path)
    rng = random.Random(7)
    items = {b: _items(b, n) for b, n in BENCHMARKS.items()}
    combos = [(b, m, meth) for b in BENCHMARKS for m in MODELS for meth in METHODS]
    run_ids = []
    for k in range(n_runs - 1):
        bench, model, method = combos[k % len(combos)]
        rid = f"r{k:02d}"
        skill = 0.35 + 0.1 * MODELS.index(model) + 0.05 * METHODS.index(method)
        _save_run(store, rid, bench, model, method, items[bench], min(skill, 0.95), rng, cached=k % 5 == 1)
        run_ids.append(rid)
    # A tiny run: 3 items, all right (100%) — it must not be ranked first on medqa.
    _save_run(store, "tiny", "medqa", "tinymodel", "direct", items["medqa"][:3], 1.0, rng, always_right=True)
    run_ids.append("tiny")
    return store, run_ids
