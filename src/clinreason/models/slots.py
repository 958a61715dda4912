"""Request slots: how many generations the model server runs at once.

Like a semaphore, except that one request may hold several slots: a request for n samples of one
prompt occupies n of a server's parallel slots (llama.cpp's `--parallel`, vLLM's sequences), so it
must wait until n are free. Waiters are served first come, first served, so a wide request is not
starved by a stream of narrow ones.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import AsyncIterator


class Slots:
    def __init__(self, total: int):
        if total < 1:
            raise ValueError("slots: need at least one")
        self.total = total
        self.free = total
        self._waiters: deque[tuple[int, asyncio.Future]] = deque()

    @contextlib.asynccontextmanager
    async def take(self, count: int = 1) -> AsyncIterator[int]:
        """Hold `count` slots (at most all of them) for the body; yields how many were taken."""
        count = max(1, min(count, self.total))
        await self._acquire(count)
        try:
            yield count
        finally:
            self._release(count)  # synchronous: safe in a task being cancelled

    async def _acquire(self, count: int) -> None:
        if not self._waiters and self.free >= count:
            self.free -= count
            return
        future = asyncio.get_running_loop().create_future()
        entry = (count, future)
        self._waiters.append(entry)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release(count)  # granted, then cancelled before use: hand the slots on
            else:
                self._waiters.remove(entry)
                self._wake()  # a wide waiter leaving may unblock narrower ones behind it
            raise

    def _release(self, count: int) -> None:
        self.free += count
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self._waiters[0][0] <= self.free:
            count, future = self._waiters.popleft()
            if future.done():  # cancelled while queued
                continue
            self.free -= count
            future.set_result(None)
