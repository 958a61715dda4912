"""Run plans on a Ray cluster (`--executor ray [--address ADDR]`): the driver plans, Ray's tasks
work, and the driver alone writes the one store.

Design, for a cluster (tested on one machine):
- Work: each run (a `clinreason run`, or every cell of a grid at once) is cut into item shards
  (up to `shards_per_worker` per worker, so a slow shard or a lost worker costs little, but at
  least `min_items_per_shard` items each, as a task costs a fraction of a second to start); each
  shard is one Ray task (engine/ray_worker.run_shard) that builds the run's models from their spec
  strings on its own node and runs clinreason's local engine on its items. The plan (specs with
  any URL secret included) travels once per run as an object in Ray's object store, never as a
  task name or a logged argument; task names carry only the public run id.
- Results: a task sends each model call (as its store row, with its content id) and each item's
  result (prediction, trace, scores) to its ledger actor (one per 64 workers; a task and its
  retries keep theirs) and waits for the acknowledgement. The driver drains the ledgers every
  `poll_s` and writes calls, then results, in one transaction per drain; an item's result is
  written exactly once (the ledger drops a second one, the driver checks again), and calls are INSERT OR IGNORE on content ids, so a row sent twice is one row.
- A lost worker: Ray retries its task (`max_retries`). The retried task asks the ledger which of
  its items are done (skipped) and which calls were already made for the others (served as cache
  hits), so no acknowledged call is paid twice. Works across nodes: nothing relies on a shared disk.
- A killed driver: its job ends and Ray stops its tasks and the ledger. What was drained is in the
  store (calls as they are made, not only with finished items); rerunning resumes like a local
  run: items with a stored prediction are skipped, and each task is sent the store's responses
  for its items, so a call stored before the kill is not paid again. Only calls answered in the
  last `poll_s` before the kill, or in flight, are asked again.
- Not global: a rate limit (`--max-rpm`) would be per task, so it is refused here; identical
  requests in two shards at once are both asked (each task shares them only within itself); a
  cache hit on another item's call (same prompt, other item id) is found only in the store
  rows the task was sent (those of its own items).
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..grading.scorers import build_scorers
from ..models.protocol import Model
from ..store import Store
from ..summary import summarize_run
from .local import Progress, ProgressCallback, _count_previous
from .plan import RunPlan, _by_role, check_vision

INSTALL_HINT = "the Ray executor needs Ray: pip install 'clinreason[ray]'"


@dataclass
class RayOptions:
    address: str | None = None  # None: start a local Ray on 127.0.0.1; else join this cluster
    workers: int | None = None  # a local Ray's CPUs (tasks at once); default: this machine's cores
    shards_per_worker: int = 4  # at most this many tasks per worker for a run ...
    min_items_per_shard: int = 25  # ... and no fewer items per task (a task costs ~0.1-0.5 s to start)
    max_retries: int = 3  # per task, for lost workers (Ray's system failures)
    ledgers: int | None = None  # ledger actors (tasks spread over them); default one per 64 workers
    poll_s: float = 0.02  # how often the driver drains the ledger when nothing arrived
    connect_timeout_s: float = 10.0
    load: dict = field(default_factory=dict)  # load_model options on the nodes: api_key_env, timeout_s, ...


def require_ray():
    try:
        import ray
    except ImportError:
        raise ValueError(INSTALL_HINT) from None
    return ray


def connect(options: RayOptions) -> None:
    """Start or join Ray before anything is written; an unreachable address is a one-line
    ValueError after at most connect_timeout_s, with nothing started."""
    ray = require_ray()
    if ray.is_initialized():
        return
    quiet = dict(log_to_driver=False, configure_logging=False)
    if options.address in (None, "", "local"):
        ray.init(address="local", num_cpus=options.workers or os.cpu_count(), include_dashboard=False,
                 _node_ip_address="127.0.0.1", **quiet)
        return
    if options.address != "auto":
        host, port = _host_port(options.address)
        try:
            socket.create_connection((host, port), timeout=options.connect_timeout_s).close()
        except OSError as e:
            raise ValueError(f"--address {options.address}: no Ray cluster reachable at {host}:{port} "
                             f"({e.strerror or e}); nothing was run") from None
    try:
        ray.init(address=options.address, **quiet)
    except (ConnectionError, RuntimeError, TimeoutError) as e:
        raise ValueError(f"--address {options.address}: cannot join the Ray cluster: {e}; nothing was run") from None


def _host_port(address: str) -> tuple[str, int]:
    parts = urlsplit(address if "://" in address else f"ray://{address}")
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None:
        raise ValueError(f"--address {address!r}: expected HOST:PORT or ray://HOST:PORT (e.g. ray://head:10001)")
    return parts.hostname, port


@dataclass
class _Job:
    plan: RunPlan
    models: dict[str, Model]
    run_id: str = ""
    progress: Progress | None = None
    scorer: str = "answer"
    todo: list[str] = field(default_factory=list)  # item ids left to do when the run (re)started
    written: set[str] = field(default_factory=set)  # item ids whose result this session wrote
    session: dict = field(default_factory=lambda: {"calls": 0, "cache_hits": 0, "multi_sample_requests": 0})


async def execute_ray(jobs: list[tuple[RunPlan, Model | dict[str, Model]]], store: Store, options: RayOptions, *,
                      concurrency: int | None = None, use_cache: bool = True, retry_errors: bool = False,
                      retry=None, on_progress: ProgressCallback | None = None, hook=None) -> list[dict]:
    """Run (or resume) each plan on Ray; returns their summaries, in order. `models` per plan are
    the driver's instances: only their identities are used here (they fix the run id). `hook`
    (tests only) is called in the worker with each item id before its result is sent."""
    ray = require_ray()
    from .ray_worker import Ledger, run_shard

    connect(options)
    for plan, models in jobs:  # every cell checked before any is started: a refusal writes nothing
        check_vision(plan, _by_role(models))
    runs = [_start(_Job(plan, _by_role(models)), store, retry_errors) for plan, models in jobs]
    workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
    # One actor serves ~1-5k acknowledged calls/s (bench/ray_overhead.py): a big cluster gets several.
    ledgers = [Ledger.remote() for _ in range(options.ledgers or -(-workers // 64))]
    remote = ray.remote(max_retries=options.max_retries, retry_exceptions=False)(run_shard)
    opts = {"concurrency": concurrency, "use_cache": use_cache, "retry": retry, "load": options.load}
    pending: dict = {}
    for index, job in enumerate(runs):
        todo = job.todo
        if not todo:
            continue
        plan_ref = ray.put(job.plan)
        k = max(1, min(len(todo), workers * options.shards_per_worker,
                       max(workers, -(-len(todo) // options.min_items_per_shard))))
        identities = [m.identity for m in job.models.values()]
        for j in range(k):
            ids = todo[j::k]
            seeds = store.calls_for_items(ids, identities) if use_cache else []
            name = f"clinreason {job.run_id} shard {j}/{k}"
            ledger = ledgers[len(pending) % len(ledgers)]  # a task and its retries keep one ledger
            ref = remote.options(name=name).remote(plan_ref, job.run_id, ids, seeds, ledger, opts, name, hook)
            pending[ref] = index
    by_id = {job.run_id: job for job in runs}
    started = time.perf_counter()
    status = "interrupted"
    try:
        if on_progress:
            for job in runs:
                on_progress(job.progress)
        while True:
            calls, results = [], []
            for got_calls, got_results in await asyncio.gather(*(ledger.drain.remote() for ledger in ledgers)):
                calls += got_calls
                results += got_results
            _write(store, by_id, calls, results, on_progress)
            if pending:
                ready, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0)
                for ref in ready:
                    job = runs[pending.pop(ref)]
                    counts = _task_result(ray, ref)
                    for key in job.session:
                        job.session[key] += counts.get(key, 0)
            elif not calls and not results:
                break  # every task returned, and a drain after that brought nothing: all is written
            if not calls and not results:
                await asyncio.sleep(options.poll_s)
        status = "complete"
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        summaries = [_finish(store, job, status, time.perf_counter() - started) for job in runs]
        for ledger in ledgers:
            ray.kill(ledger)
    return summaries


def _start(job: _Job, store: Store, retry_errors: bool) -> _Job:
    """The beginning of engine.local.execute: record the run, find what is left to do."""
    plan, models = job.plan, job.models
    missing = set(plan.role_specs()) - set(models)
    if missing:
        raise ValueError(f"no model given for role(s) {', '.join(sorted(missing))}")
    scorers = build_scorers(plan.scorers)
    job.scorer = scorers[0].name
    job.run_id = plan.run_id(models)
    store.start_run(
        {"id": job.run_id, "benchmark": plan.benchmark, "subset": plan.subset, "model": plan.model_spec,
         "model_identity": models["model"].identity, "method": plan.method.name, "config": plan.config(models)},
        plan.items)
    finished = store.predicted_ids(job.run_id)
    if retry_errors:
        finished -= store.predicted_ids(job.run_id, status="error")
    mine = plan.shard_items()
    job.todo = [item.id for item in mine if item.id not in finished]
    job.progress = Progress(total=len(mine), done=len(mine) - len(job.todo))
    _count_previous(store, job.run_id, job.scorer, job.progress, {i.id for i in mine})
    return job


def write_batch(store: Store, calls: list[dict], results: list[tuple[str, str, dict, dict]]) -> None:
    """Calls (INSERT OR IGNORE on content ids), then predictions with their scores, in one
    transaction: the driver's write path, measured by bench/store_write_rate.py."""
    with store.batch():
        for row in calls:
            store.record_call(**{k: v for k, v in row.items() if k != "id"})
        for run_id, item_id, record, scores in results:
            store.save_result(run_id, item_id, record, scores)


def _write(store: Store, by_id: dict[str, _Job], calls: list[dict], bundles: list[dict], on_progress) -> None:
    if not calls and not bundles:
        return
    results, fresh = [], []
    for b in bundles:
        job = by_id.get(b["run_id"])
        if job is None or b["item_id"] in job.written:
            continue  # a result already written: exactly once
        job.written.add(b["item_id"])
        results.append((b["run_id"], b["item_id"], b["record"], b["scores"]))
        fresh.append((job, b))
    write_batch(store, calls, results)
    for job, b in fresh:
        job.progress.add(b["record"], b["scores"].get(job.scorer))
        if on_progress:
            on_progress(job.progress)


def _task_result(ray, ref) -> dict:
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as e:  # the engine raised inside the task: its own message
        raise (e.cause if isinstance(e.cause, Exception) else RuntimeError(str(e))) from None
    except ray.exceptions.RayError as e:  # retries spent on lost workers, or the cluster went away
        raise RuntimeError(f"a Ray task failed after {type(e).__name__}: {str(e).splitlines()[0]}") from None


def _finish(store: Store, job: _Job, status: str, elapsed: float) -> dict:
    summary = summarize_run(store, job.run_id, session_elapsed_s=elapsed, session_calls=job.session["calls"],
                            session_cache_hits=job.session["cache_hits"],
                            session_multi_sample_requests=job.session["multi_sample_requests"])
    if status == "complete" and summary["n_done"] < summary["n_items"]:
        status = "incomplete"
    store.finish_run(job.run_id, status, summary)
    return summary
