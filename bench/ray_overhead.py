"""The Ray executor's overhead and scaling on this machine, against the fault server (an
OpenAI-compatible model on 127.0.0.1, in this process) at 1, 2, 4 and 8 local Ray workers:

- latency-bound: every reply takes --latency s and each task sends one request at a time, so
  the workers are the parallelism; weak scaling (--items-per-worker items per worker) and
  efficiency(W) = throughput(W) / (W x throughput(1)). Target: >= 0.9 at 4 workers.
- instant: replies at once; wall time per item (the harness, Ray and the ledger round trips).
- per task: instant items, one task per item: worker-time per task (its start and its one item).
- the ledger: acknowledged round trips per second from one task (what each call and result costs).

    python bench/ray_overhead.py [--workers 1,2,4,8] [--latency 0.1] [--items-per-worker 30]"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import table, write_result  # noqa: E402

import ray  # noqa: E402

from clinreason.engine import RunPlan  # noqa: E402
from clinreason.engine.ray import RayOptions, execute_ray  # noqa: E402
from clinreason.items import Item  # noqa: E402
from clinreason.methods import build_method  # noqa: E402
from clinreason.models import load_model  # noqa: E402
from clinreason.store import Store  # noqa: E402
from clinreason.testing.fault_server import FaultServer  # noqa: E402


def items(n: int, tag: str) -> list[Item]:
    return [Item(id=f"{tag}{i}", benchmark="synthetic", question=f"Synthetic question {tag} {i}: which option?",
                 options={"A": "alpha", "B": "beta", "C": "gamma", "D": "delta"}, answer="ABCD"[i % 4])
            for i in range(n)]


def timed_run(url: str, n: int, tag: str, workers: int, shards_per_worker: int = 4, concurrency: int = 1,
              min_items: int = 25) -> float:
    spec = f"openai-compat:{url}#bench"
    plan = RunPlan(benchmark="synthetic", subset=None, model_spec=spec, method=build_method("direct", {}),
                   items=items(n, tag))
    store = Store(Path(os.environ.get("TMPDIR", "/tmp")) / f"ray-bench-{os.getpid()}-{tag}")
    start = time.perf_counter()
    (summary,) = asyncio.run(execute_ray([(plan, load_model(spec))], store,
                                         RayOptions(workers=workers, shards_per_worker=shards_per_worker,
                                                    min_items_per_shard=min_items),
                                         concurrency=concurrency))
    elapsed = time.perf_counter() - start
    assert summary["n_done"] == n, summary
    return elapsed


@ray.remote(num_cpus=0)
class _Echo:
    def put(self, rows):
        return len(rows)


def ledger_round_trips(seconds: float = 2.0, clients: int = 1) -> float:
    """Acknowledged calls per second one actor serves, to `clients` tasks asking at once."""
    @ray.remote(num_cpus=0)
    def loop(actor, seconds):
        row = {"cache_key": "k" * 64, "response": "x" * 400, "messages": "y" * 800}
        n, end = 0, time.perf_counter() + seconds
        while time.perf_counter() < end:
            ray.get(actor.put.remote([row]))
            n += 1
        return n / seconds

    actor = _Echo.remote()
    return sum(ray.get([loop.remote(actor, seconds) for _ in range(clients)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--items-per-worker", type=int, default=30)
    parser.add_argument("--instant-items", type=int, default=200)
    parser.add_argument("--tag", default="", help="suffix of the result file name, e.g. -latency0.5")
    args = parser.parse_args()
    rows = []
    latency_server = FaultServer(delay_s=args.latency, lifetime_s=3600)
    instant_server = FaultServer(lifetime_s=3600)
    slow_url, fast_url = latency_server.start(), instant_server.start()
    try:
        for w in (int(x) for x in args.workers.split(",")):
            ray.init(address="local", num_cpus=w, include_dashboard=False, _node_ip_address="127.0.0.1",
                     log_to_driver=False, configure_logging=False)
            try:
                timed_run(fast_url, 2 * w, f"warm{w}-", w)  # start the worker processes
                n = args.items_per_worker * w
                latency_wall = timed_run(slow_url, n, f"lat{w}-", w)
                instant_wall = timed_run(fast_url, args.instant_items, f"fast{w}-", w)
                k = args.instant_items // 4
                one_per_task = timed_run(fast_url, k, f"task{w}-", w, shards_per_worker=k, min_items=1)
                rows.append({
                    "workers": w, "latency_items": n, "latency_wall_s": latency_wall,
                    "latency_items_per_s": n / latency_wall, "ideal_items_per_s": w / args.latency,
                    "instant_items": args.instant_items, "instant_wall_s": instant_wall,
                    "instant_ms_per_item": 1000 * instant_wall / args.instant_items,
                    # worker-time per task of one item (its start, the item, its round trips)
                    "per_task_ms": 1000 * one_per_task * w / k,
                    "ledger_round_trips_per_s": ledger_round_trips() if w == 1 else None,
                    "ledger_ops_per_s_4_clients": ledger_round_trips(clients=4) if w == 1 else None,
                    "loadavg": os.getloadavg()[0]})
                print(table(rows[-1:], list(rows[-1])), flush=True)
            finally:
                ray.shutdown()
    finally:
        latency_server.stop()
        instant_server.stop()
    base = rows[0]["latency_items_per_s"] / rows[0]["workers"]
    for r in rows:
        r["efficiency"] = r["latency_items_per_s"] / (r["workers"] * base)
    cols = ["workers", "latency_items_per_s", "ideal_items_per_s", "efficiency", "instant_ms_per_item", "per_task_ms",
            "loadavg"]
    print(table(rows, cols))
    path = write_result("ray_overhead" + args.tag, {"latency_s": args.latency, "items_per_worker": args.items_per_worker,
                                         "target_efficiency_at_4": 0.9, "rows": rows})
    print(f"-> {path}")


if __name__ == "__main__":
    main()
