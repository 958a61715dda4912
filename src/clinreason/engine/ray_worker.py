"""The worker side of the Ray executor (engine/ray.py has the design): the ledger actor, and the
shard task that runs clinreason's engine on some items of a run against models built on its node.

Nothing here writes a store. A task sends every model call (a response, or a failed attempt) and
every item's result to the ledger, and waits for the ledger's acknowledgement each time, so what
a task finished survives the task's worker: a retried task skips the items whose results arrived
and is served the calls already made from the ledger instead of asking the model again."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any, Callable

import ray

from ..grading.scorers import build_scorers
from ..models import load_model
from ..models.gateway import Gateway, RetryPolicy
from ..store._util import dump
from ..store.calls import JSON_COLUMNS, call_id
from .local import Progress, _run_items, open_knowledge
from .plan import RunPlan, knowledge_needed

ACK_TIMEOUT_S = 120.0  # a ledger that does not answer in this long is gone (its driver died)


@ray.remote(num_cpus=0, max_restarts=0)
class Ledger:
    """The driver's mailbox on the cluster: call rows and item results arrive here (from any node)
    and the driver drains them into its store. It also answers a (retried) task's two questions:
    which of my items are already done, and which calls were already made for the others.
    Memory stays bounded by the work in flight: an item's call rows are dropped once its result
    arrives, and drained rows and results leave with the driver."""

    def __init__(self) -> None:
        self.new_calls: list[dict] = []
        self.new_results: list[dict] = []
        self.received: set[tuple[str, str]] = set()  # (run id, item id) whose result arrived
        self.rows: dict[tuple[str, str], list[dict]] = {}  # successful calls of items not yet done
        self.workers: dict[str, int] = {}  # task name -> worker pid (for diagnostics and fault tests)

    def put_calls(self, rows: list[dict]) -> int:
        for row in rows:
            self.new_calls.append(row)
            key = (row.get("run_id"), row.get("item_id"))
            if row.get("error") is None and key not in self.received:
                self.rows.setdefault(key, []).append(row)
        return len(rows)

    def put_result(self, bundle: dict) -> bool:
        """False for a result already received (a retried task redid an item): it is dropped."""
        key = (bundle["run_id"], bundle["item_id"])
        if key in self.received:
            return False
        self.received.add(key)
        self.rows.pop(key, None)
        self.new_results.append(bundle)
        return True

    def received_among(self, run_id: str, item_ids: list[str]) -> list[str]:
        return [i for i in item_ids if (run_id, i) in self.received]

    def rows_for(self, run_id: str, item_ids: list[str]) -> list[dict]:
        return [row for i in item_ids for row in self.rows.get((run_id, i), ())]

    def drain(self) -> tuple[list[dict], list[dict]]:
        """Everything that arrived since the last drain: calls first (a result's calls always
        arrive before it, from the same task), then results."""
        calls, results = self.new_calls, self.new_results
        self.new_calls, self.new_results = [], []
        return calls, results

    def hello(self, task: str, pid: int) -> None:
        self.workers[task] = pid

    def worker_pids(self) -> dict[str, int]:
        return dict(self.workers)


class TaskCache:
    """The gateway's cache inside a task (models.cache.CallCache): responses the driver's store
    already had for these items (sent with the task), those earlier attempts of the task made (from
    the ledger), and those made here. Each new row is acknowledged by the ledger before the gateway
    goes on: a call made is a call kept, whichever process dies next."""

    def __init__(self, ledger, rows: list[dict]):
        self.ledger = ledger
        self.by_key: dict[str, dict] = {}
        for row in rows:
            self.by_key.setdefault(row["cache_key"], row)

    def cached_call(self, cache_key: str) -> dict | None:
        return self.by_key.get(cache_key)

    def record_call(self, **fields: Any) -> str:
        row = normalize_call(fields)
        ray.get(self.ledger.put_calls.remote([row]), timeout=ACK_TIMEOUT_S)
        if row.get("error") is None:
            self.by_key.setdefault(row["cache_key"], row)
        return row["id"]


def normalize_call(fields: dict) -> dict:
    """A call row exactly as Store.record_call would store it, with its content id: the driver's
    INSERT OR IGNORE then makes a row sent twice (a retried task, a redelivery) one row."""
    import time

    row = dict(fields)
    if row.get("created_at") is None:
        row["created_at"] = time.time()
    if not row.get("tool_calls"):
        row["tool_calls"] = None
    for key in JSON_COLUMNS:
        if row.get(key) is not None and not isinstance(row[key], str):
            row[key] = dump(row[key])
    row.setdefault("messages", "[]")
    row.setdefault("params", "{}")
    row["id"] = call_id(row)
    return row


class ResultSink:
    """Stands in for the store in engine.local._run_items: an item's result goes to the ledger."""

    def __init__(self, ledger, hook: Callable[[str], None] | None = None):
        self.ledger = ledger
        self.hook = hook

    def save_result(self, run_id: str, item_id: str, prediction: dict, scores: dict) -> None:
        if self.hook:
            self.hook(item_id)  # fault tests: between an item's calls and its result
        bundle = {"run_id": run_id, "item_id": item_id, "record": prediction, "scores": scores}
        ray.get(self.ledger.put_result.remote(bundle), timeout=ACK_TIMEOUT_S)


def run_shard(plan: RunPlan, run_id: str, item_ids: list[str], seed_rows: list[dict], ledger, options: dict,
              task: str, hook: Callable[[str], None] | None = None) -> dict:
    """One Ray task: the items `item_ids` of `plan` (less those already done), with the plan's
    model specs built here. Returns this attempt's gateway counters for the session summary."""
    ledger.hello.remote(task, os.getpid())
    done = set(ray.get(ledger.received_among.remote(run_id, item_ids), timeout=ACK_TIMEOUT_S))
    todo = [i for i in item_ids if i not in done]
    counts = {"calls": 0, "cache_hits": 0, "multi_sample_requests": 0, "host": socket.gethostname()}
    if not todo:
        return counts
    earlier = ray.get(ledger.rows_for.remote(run_id, todo), timeout=ACK_TIMEOUT_S)
    cache = TaskCache(ledger, list(seed_rows) + earlier)
    return asyncio.run(_work(plan, run_id, set(todo), cache, ResultSink(ledger, hook), options, counts))


async def _work(plan: RunPlan, run_id: str, todo: set[str], cache: TaskCache, sink: ResultSink, options: dict,
                counts: dict) -> dict:
    concurrency = options.get("concurrency")
    models = {role: load_model(spec, **options.get("load", {})) for role, spec in plan.role_specs().items()}
    try:
        retry = options.get("retry") or RetryPolicy()
        gateways = {role: Gateway(m, cache, role=role, run_id=run_id, use_cache=options.get("use_cache", True),
                                  retry=retry, concurrency=concurrency or m.max_concurrency)
                    for role, m in models.items()}
        items = [item for item in plan.items if item.id in todo]
        knowledge = await asyncio.to_thread(open_knowledge, plan) if knowledge_needed(plan.method) else {}
        workers = max(1, concurrency or models["model"].max_concurrency)
        await _run_items(items, plan.method, gateways, build_scorers(plan.scorers), sink, run_id,
                         Progress(total=len(items)), None, workers, knowledge)
        counts.update(calls=sum(g.calls_made for g in gateways.values()),
                      cache_hits=sum(g.cache_hits for g in gateways.values()),
                      multi_sample_requests=sum(g.requests_n for g in gateways.values()))
        return counts
    finally:
        for model in models.values():
            await model.aclose()
