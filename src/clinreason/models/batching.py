"""Gather concurrent requests into one batched call, for in-process engines (transformers, vLLM's
offline LLM) whose throughput comes from running many sequences in one forward pass.

`MicroBatcher.submit(request)` is awaited by each caller; the requests waiting at a moment are grouped
by `key(request)` (a batch must share what the engine cannot vary per row, e.g. max_tokens) and run
with `run_batch(requests) -> results` in a worker thread, one batch at a time: the engine owns every
core (or the GPU) while it runs, and requests that arrive meanwhile form the next batch at once. When
the engine is idle a lone request waits at most `max_wait_s` for company, so the added latency is
bounded; a batch holds at most `max_batch` requests, so memory is bounded too.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Hashable, Sequence

_POLL_S = 0.002  # how often an idle batcher looks for more requests while it waits for company


class MicroBatcher:
    def __init__(self, run_batch: Callable[[list[Any]], Sequence[Any]], *, key: Callable[[Any], Hashable],
                 max_batch: int = 8, max_wait_s: float = 0.02):
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.run_batch = run_batch
        self.key = key
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self._pending: list[tuple[Any, asyncio.Future]] = []
        self._drainer: asyncio.Task | None = None
        self.batches = 0  # run_batch calls made: tests and benchmarks read it
        self.sizes: list[int] = []  # rows per batch, last 1000

    async def submit(self, request: Any) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((request, future))
        # One drainer per event loop; a finished one (or one of a closed loop) is replaced.
        if self._drainer is None or self._drainer.done() or self._drainer.get_loop() is not loop:
            self._drainer = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            deadline = time.monotonic() + self.max_wait_s
            while len(self._pending) < self.max_batch and time.monotonic() < deadline:
                await asyncio.sleep(_POLL_S)
            batch = self._take()
            if not batch:
                continue
            self.batches += 1
            self.sizes = (self.sizes + [len(batch)])[-1000:]
            try:
                results = await asyncio.to_thread(self.run_batch, [r for r, _ in batch])
                if len(results) != len(batch):
                    raise RuntimeError(f"batch of {len(batch)} gave {len(results)} results")
            except BaseException as e:  # every caller in the batch gets the error, none waits forever
                for _, future in batch:
                    if not future.done():
                        future.set_exception(e)
                if not isinstance(e, Exception):
                    raise
                continue
            for (_, future), result in zip(batch, results):
                if future.done():  # its caller was cancelled
                    continue
                if isinstance(result, BaseException):  # a row's own error (e.g. prompt too long)
                    future.set_exception(result)
                else:
                    future.set_result(result)

    def _take(self) -> list[tuple[Any, asyncio.Future]]:
        """The oldest waiting request and, in arrival order, up to max_batch - 1 others with its key."""
        live = [(r, f) for r, f in self._pending if not f.done()]
        if not live:
            self._pending = []
            return []
        first = self.key(live[0][0])
        batch, rest = [], []
        for r, f in live:
            (batch if len(batch) < self.max_batch and self.key(r) == first else rest).append((r, f))
        self._pending = rest
        return batch
