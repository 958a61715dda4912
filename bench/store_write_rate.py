"""The Ray driver's store write rate: results (a prediction with its trace, a score and its model
call row) written per second by engine/ray.write_batch, the driver's only write path, at several
batch sizes (a drain of the ledger is one batch, one transaction), against one result per
transaction (what the local executor does). Target: >= 5,000 results/s.

    python bench/store_write_rate.py [--results 20000] [--batches 1,50,500]"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import table, write_result  # noqa: E402

from clinreason.engine.ray import write_batch  # noqa: E402
from clinreason.engine.ray_worker import normalize_call  # noqa: E402
from clinreason.items import Item  # noqa: E402
from clinreason.results import Score  # noqa: E402
from clinreason.store import Store  # noqa: E402

RUN = "bench-run"


def fixture(n: int) -> tuple[Store, list]:
    """A store holding a run of n planned items, and n results shaped like a `cot` item's."""
    items = [Item(id=f"s{i}", benchmark="synthetic", question=f"Synthetic question number {i}: which option?",
                  options={"A": "alpha", "B": "beta", "C": "gamma", "D": "delta"}, answer="ABCD"[i % 4])
             for i in range(n)]
    store = Store(Path(tempfile.mkdtemp(prefix="write-rate-")) / "r")
    store.start_run({"id": RUN, "benchmark": "synthetic", "subset": None, "model": "m", "model_identity": "m",
                     "method": "cot", "config": {}}, items)
    bundles = []
    for item in items:
        text = "Let me think step by step about the options. " * 8 + "ANSWER: B"
        call = normalize_call(dict(cache_key=f"{item.id:0>64}", run_id=RUN, item_id=item.id, model="m", role="model",
                                   messages=[{"role": "user", "content": item.question * 6}], params={"t": 0},
                                   sample=0, response=text, prompt_tokens=180, completion_tokens=90, latency_s=0.4,
                                   finish_reason="stop"))
        record = {"status": "ok", "output": text, "answer": "B", "info": {"parsed": "B"},
                  "trace": [{"type": "model_call", "call_id": call["id"], "prompt_tokens": 180}], "n_calls": 1,
                  "n_cached": 0, "prompt_tokens": 180, "completion_tokens": 90, "wall_s": 0.4}
        score = Score(value=float(item.answer == "B"), label="correct" if item.answer == "B" else "wrong")
        bundles.append((call, (RUN, item.id, record, {"answer": score})))
    return store, bundles


def rate(n: int, batch: int) -> float:
    store, bundles = fixture(n)
    start = time.perf_counter()
    if batch == 1:  # the local executor's way: each call and each result its own commit
        for call, (run, item, record, scores) in bundles:
            store.record_call(**{k: v for k, v in call.items() if k != "id"})
            store.save_result(run, item, record, scores)
    else:
        for i in range(0, n, batch):
            chunk = bundles[i:i + batch]
            write_batch(store, [c for c, _ in chunk], [r for _, r in chunk])
    elapsed = time.perf_counter() - start
    assert len(store.predicted_ids(RUN)) == n
    store.close()
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=int, default=20000)
    parser.add_argument("--batches", default="1,50,500")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for batch in (int(b) for b in args.batches.split(",")):
        rounds = [rate(args.results, batch) for _ in range(args.rounds)]
        rows.append({"batch": batch, "results_per_s": statistics.median(rounds), "rounds": rounds})
    print(table(rows, ["batch", "results_per_s"]))
    path = write_result("store_write_rate", {"results": args.results, "target_results_per_s": 5000, "rows": rows})
    print(f"-> {path}")


if __name__ == "__main__":
    main()
