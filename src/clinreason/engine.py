"""Run a method with a model over benchmark items, into the store. Resumable by construction:
the run id is derived from everything that determines its results, so the same command
reopens the same run and only the items without a stored prediction are done again."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .grading.answer import SCORER, grade_answer
from .items import Item
from .methods import Method
from .models.base import Model, ModelError
from .models.gateway import Gateway, RetryPolicy
from .models.ratelimit import RateLimiter
from .store import Store
from .summary import summarize_run


@dataclass
class RunPlan:
    benchmark: str
    subset: str | None
    model_spec: str
    method: Method
    items: list[Item]
    seed: int = 0
    name: str | None = None  # overrides the derived run id
    extra: dict = field(default_factory=dict)  # recorded in the run config (e.g. data source)

    def config(self, model: Model) -> dict:
        return {"method": self.method.config(), "seed": self.seed, "n_items": len(self.items),
                "model_identity": model.identity, **self.extra}

    def run_id(self, model: Model) -> str:
        if self.name:
            return self.name
        digest = hashlib.sha256(json.dumps(
            {"benchmark": self.benchmark, "subset": self.subset, "config": self.config(model),
             "items": [i.content_hash() for i in self.items]}, sort_keys=True).encode()).hexdigest()[:8]
        model_slug = re.sub(r"[^A-Za-z0-9._-]+", "_", self.model_spec.split("/")[-1].split("#")[-1])[:32]
        parts = [self.benchmark, self.subset or "", self.method.name, model_slug, digest]
        return "-".join(p for p in parts if p)


@dataclass
class Progress:
    total: int
    done: int = 0
    correct: int = 0
    errors: int = 0
    tokens: int = 0
    model_calls: int = 0
    cache_hits: int = 0


ProgressCallback = Callable[[Progress], None]


async def execute(
    plan: RunPlan,
    model: Model,
    store: Store,
    *,
    concurrency: int | None = None,
    use_cache: bool = True,
    retry_errors: bool = False,
    retry: RetryPolicy | None = None,
    on_progress: ProgressCallback | None = None,
    rate_limit: RateLimiter | None = None,
) -> dict:
    """Run (or resume) the plan; returns the run summary."""
    run_id = plan.run_id(model)
    store.start_run(
        {"id": run_id, "benchmark": plan.benchmark, "subset": plan.subset, "model": plan.model_spec,
         "model_identity": model.identity, "method": plan.method.name, "config": plan.config(model)},
        plan.items,
    )
    finished = store.predicted_ids(run_id)
    if retry_errors:
        finished -= store.predicted_ids(run_id, status="error")
    todo = [item for item in plan.items if item.id not in finished]

    gateway = Gateway(model, store, run_id=run_id, use_cache=use_cache, retry=retry,
                      concurrency=concurrency or model.max_concurrency, rate_limit=rate_limit)
    progress = Progress(total=len(plan.items), done=len(plan.items) - len(todo))
    _count_previous(store, run_id, progress)
    if on_progress:
        on_progress(progress)

    started = time.perf_counter()
    status = "interrupted"
    try:
        await _run_items(todo, plan.method, gateway, store, run_id, progress, on_progress,
                         workers=max(1, concurrency or model.max_concurrency))
        status = "complete"
    finally:
        # Runs on Ctrl-C / cancellation too: everything finished so far is already stored.
        summary = summarize_run(store, run_id, session_elapsed_s=time.perf_counter() - started,
                                session_calls=gateway.calls_made, session_cache_hits=gateway.cache_hits,
                                session_multi_sample_requests=gateway.requests_n)
        if status == "complete" and summary["n_done"] < summary["n_items"]:
            status = "incomplete"
        store.finish_run(run_id, status, summary)
    return summary


async def _run_items(todo: Iterable[Item], method: Method, gateway: Gateway, store: Store, run_id: str,
                     progress: Progress, on_progress: ProgressCallback | None, workers: int) -> None:
    queue = iter(todo)  # workers pull lazily: memory stays flat however many items there are

    async def worker() -> None:
        for item in queue:
            await _run_one(item, method, gateway, store, run_id, progress)
            if on_progress:
                on_progress(progress)

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _run_one(item: Item, method: Method, gateway: Gateway, store: Store, run_id: str,
                   progress: Progress) -> None:
    lm = gateway.for_item(item.id)
    start = time.perf_counter()
    try:
        prediction = await method(item, lm)
        record = {"status": "ok", "output": prediction.output, "answer": prediction.answer,
                  "info": prediction.info}
        score = grade_answer(item, prediction.output, prediction.answer)
    except ModelError as e:
        # Recorded per item and counted as wrong; `--retry-errors` redoes just these.
        record = {"status": "error", "output": None, "error": str(e)}
        score = {"value": 0.0, "label": "error", "detail": {"rule": "error", "strict": False, "gold": item.answer}}
    made = [t for t in lm.trace if not t.cached]
    record.update(
        trace=[t.as_dict() for t in lm.trace],
        n_calls=len(made),
        n_cached=len(lm.trace) - len(made),
        prompt_tokens=sum(t.prompt_tokens for t in lm.trace),
        completion_tokens=sum(t.completion_tokens for t in lm.trace),
        wall_s=time.perf_counter() - start,
    )
    store.save_result(run_id, item.id, record, {SCORER: score})
    progress.done += 1
    progress.correct += int(score["value"] == 1.0)
    progress.errors += int(record["status"] == "error")
    progress.tokens += record["prompt_tokens"] + record["completion_tokens"]
    progress.model_calls += record["n_calls"]
    progress.cache_hits += record["n_cached"]


def _count_previous(store: Store, run_id: str, progress: Progress) -> None:
    for row in store.scores(run_id, SCORER):
        progress.correct += int(row["value"] == 1.0)
        progress.errors += int(row["label"] == "error")
