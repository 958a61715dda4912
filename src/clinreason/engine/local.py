"""Run a plan on this machine: asyncio workers pull items, a method works on each with the run's
models by role, the scorers grade the prediction, and prediction and scores land in the store
together. A kill loses at most the items in flight; rerunning resumes."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from ..grading.extractor import answer_reading
from ..grading.scorers import Scorer, build_scorers, error_score
from ..items import Item
from ..methods import MODEL_ROLE, Context, Method
from ..models.gateway import Gateway, RetryPolicy
from ..models.protocol import Model, ModelError
from ..models.ratelimit import RateLimiter
from ..results import Score
from ..store import Store
from ..summary import summarize_run
from ..tools import build_tools
from .extract import extract
from .plan import RunPlan, _by_role, check_vision, knowledge_needed


@dataclass
class Progress:
    total: int
    done: int = 0
    correct: int = 0
    errors: int = 0
    tokens: int = 0
    model_calls: int = 0
    cache_hits: int = 0

    def add(self, record: dict, headline: Score | None) -> None:
        """Count one finished item (its stored record and headline score)."""
        self.done += 1
        self.correct += int(headline is not None and headline.value == 1.0)
        self.errors += int(record["status"] == "error")
        self.tokens += record["prompt_tokens"] + record["completion_tokens"]
        self.model_calls += record["n_calls"]
        self.cache_hits += record["n_cached"]


ProgressCallback = Callable[[Progress], None]


async def execute(
    plan: RunPlan,
    models: Model | dict[str, Model],
    store: Store,
    *,
    concurrency: int | None = None,
    use_cache: bool = True,
    retry_errors: bool = False,
    retry: RetryPolicy | None = None,
    on_progress: ProgressCallback | None = None,
    rate_limit: RateLimiter | None = None,
    knowledge: dict | None = None,
) -> dict:
    """Run (or resume) the plan; returns the run summary. `models` is the model under test, or a
    dict role -> model holding it under "model" plus every role the plan names. `knowledge`: the
    sources already opened with `open_knowledge(plan)` (else they are opened here when needed)."""
    models = _by_role(models)
    missing = set(plan.role_specs()) - set(models)
    if missing:
        raise ValueError(f"no model given for role(s) {', '.join(sorted(missing))}")
    model = models[MODEL_ROLE]
    scorers = build_scorers(plan.scorers)  # an unknown scorer fails before anything is written
    check_vision(plan, models)  # image items on a model that cannot see them: refused, nothing written
    run_id = plan.run_id(models)
    store.start_run(
        {"id": run_id, "benchmark": plan.benchmark, "subset": plan.subset, "model": plan.model_spec,
         "model_identity": model.identity, "method": plan.method.name, "config": plan.config(models)},
        plan.items,
    )
    finished = store.predicted_ids(run_id)
    if retry_errors:
        finished -= store.predicted_ids(run_id, status="error")
    mine = plan.shard_items()
    todo = [item for item in mine if item.id not in finished]

    # One gateway per role: each its own concurrency, retries and accounting, all on one cache.
    workers = max(1, concurrency or model.max_concurrency)
    gateways = {role: Gateway(m, store, role=role, run_id=run_id, use_cache=use_cache, retry=retry,
                              concurrency=concurrency or m.max_concurrency,
                              rate_limit=rate_limit if role == MODEL_ROLE else None)
                for role, m in models.items()}
    progress = Progress(total=len(mine), done=len(mine) - len(todo))
    _count_previous(store, run_id, scorers[0].name, progress, {i.id for i in mine})
    if on_progress:
        on_progress(progress)

    started = time.perf_counter()
    status = "interrupted"
    try:
        # Knowledge sources are opened once per run (an index is loaded, or built once and cached),
        # off the event loop, and shared by every worker; none when nothing is left to do.
        if knowledge is None:
            knowledge = await asyncio.to_thread(open_knowledge, plan) if todo else {}
        await _run_items(todo, plan.method, gateways, scorers, store, run_id, progress, on_progress, workers,
                         knowledge)
        status = "complete"
    finally:
        # Runs on Ctrl-C / cancellation too: everything finished so far is already stored.
        summary = summarize_run(
            store, run_id, session_elapsed_s=time.perf_counter() - started,
            session_calls=sum(g.calls_made for g in gateways.values()),
            session_cache_hits=sum(g.cache_hits for g in gateways.values()),
            session_multi_sample_requests=sum(g.requests_n for g in gateways.values()))
        endpoint_stats = getattr(model, "stats", None)
        if callable(endpoint_stats):  # a model served by several endpoints: what each one did this session
            summary["endpoints"] = endpoint_stats()
        if status == "complete" and summary["n_done"] < summary["n_items"]:
            status = "incomplete"
        store.finish_run(run_id, status, summary)
    return summary


async def _run_items(todo: Iterable[Item], method: Method, gateways: dict[str, Gateway], scorers: list[Scorer],
                     store: Store, run_id: str, progress: Progress, on_progress: ProgressCallback | None,
                     workers: int, knowledge: dict | None = None) -> None:
    queue = iter(todo)  # workers pull lazily: memory stays flat however many items there are
    knowledge = knowledge or {}
    tools = build_tools(getattr(method.params, "tools", None) or method.tools)
    for tool in tools.values():
        if hasattr(tool, "bind"):  # tools over the run's knowledge (search, graph lookups)
            tool.bind(**knowledge)

    async def worker() -> None:
        for item in queue:
            await _run_one(item, method, gateways, tools, scorers, store, run_id, progress, knowledge)
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


async def _run_one(item: Item, method: Method, gateways: dict[str, Gateway], tools: dict, scorers: list[Scorer],
                   store: Store, run_id: str, progress: Progress, knowledge: dict | None = None) -> None:
    ctx = Context(item=item, lms={}, tools=dict(tools), **(knowledge or {}))
    ctx.lms = {role: gw.for_item(item.id, ctx.trace) for role, gw in gateways.items()}
    start = time.perf_counter()
    scores: dict[str, Score] = {}
    try:
        prediction = await method(item, ctx)
        # What the parser cannot read, the run's extractor model may (only with an `extractor` role).
        prediction = await extract(item, prediction, ctx.lms)
        # How the answer was reached (a vote, the extractor) is stored, so `regrade` rebuilds it.
        record = {"status": "ok", "output": prediction.output, "answer": prediction.answer,
                  "info": {**prediction.info, **answer_reading(prediction)}}
        for scorer in scorers:
            if not scorer.needs_model and scorer.applies(item):
                scores[scorer.name] = scorer(item, prediction, trace=ctx.trace.dump() if scorer.uses_trace else None)
    except ModelError as e:
        # Recorded per item and counted as wrong; `--retry-errors` redoes just these.
        record = {"status": "error", "output": None, "error": str(e)}
        for scorer in scorers:
            if not scorer.needs_model and scorer.applies(item):
                scores[scorer.name] = error_score(item, str(e)).model_copy(update={"version": scorer.version})
    calls = ctx.trace.model_calls()
    made = [t for t in calls if not t.cached]
    record.update(
        trace=ctx.trace.dump(),
        n_calls=len(made),
        n_cached=len(calls) - len(made),
        prompt_tokens=sum(t.prompt_tokens for t in calls),
        completion_tokens=sum(t.completion_tokens for t in calls),
        wall_s=time.perf_counter() - start,
    )
    store.save_result(run_id, item.id, record, scores)
    progress.add(record, scores.get(scorers[0].name))


def open_knowledge(plan: RunPlan) -> dict:
    """{"retriever": ..., "graph": ...} for the sources the plan's method reads (Method.knowledge)."""
    needs, opened = knowledge_needed(plan.method), {}
    if "retriever" in needs:
        from ..knowledge import build_retriever

        opened["retriever"] = build_retriever(plan.corpora, data_dir=plan.data_dir)
    if "graph" in needs:
        from ..knowledge.graph import load_graph  # written beside this; imported only when a method needs it

        opened["graph"] = load_graph(plan.graph, data_dir=plan.data_dir)
    return opened


def _count_previous(store: Store, run_id: str, scorer: str, progress: Progress, mine: set[str]) -> None:
    for row in store.scores(run_id, scorer):
        if row["item_id"] in mine:
            progress.correct += int(row["value"] == 1.0)
            progress.errors += int(row["label"] == "error")
