"""Leases on cache keys, so identical requests in several processes make one model call.

The gateway that holds a key's lease asks the model; any other polls the cache for its answer,
within bounds, and takes the lease over once it frees or expires (a killed holder's frees at once
on the same machine, else after its ttl).
"""

from __future__ import annotations

import asyncio
import os
import socket
import time

from .cache import CallCache, Leases


class LeaseHolder:
    """The lease half of Gateway, apart so the gateway reads as the call path. The class using it
    sets `cache`, `_leases` (the cache, when it has leases), `_holder` (this process's name),
    `_held` (the keys it holds), `lease_ttl_s` and `lease_poll_s`."""

    cache: CallCache
    _leases: Leases | None
    _holder: str
    _held: set[str]
    lease_ttl_s: float
    lease_poll_s: float

    def _acquire(self, key: str) -> bool:
        """Take (or renew) the lease on `key`; a lease whose holder was a process on this machine
        that has since died is taken over at once."""
        if self._acquire_plain(key):
            return True
        holder = self._leases.lease_holder(key)
        if holder is not None and _dead_here(holder):
            self._leases.release_lease(key, holder)
            return self._acquire_plain(key)
        return False

    def _acquire_plain(self, key: str) -> bool:
        if self._leases.acquire_lease(key, self._holder, self.lease_ttl_s):
            self._held.add(key)
            return True
        return False

    async def _await_lease(self, key: str):
        """None once this gateway may ask the model for `key` (it holds the lease, or waited its
        bound: at most lease_ttl_s), or the cached row of the answer another process stored."""
        deadline = time.monotonic() + self.lease_ttl_s
        pause = self.lease_poll_s
        while True:
            if self._acquire(key):
                row = self.cache.cached_call(key)  # it may have landed just before the lease freed
                if row is not None:
                    self._release(key)
                return row
            if (row := self.cache.cached_call(key)) is not None:
                return row
            if time.monotonic() >= deadline:
                return None  # bounded: ask the model after all
            await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 1.5, 1.0)

    def _release(self, key: str) -> None:
        if key in self._held:
            self._held.discard(key)
            self._leases.release_lease(key, self._holder)


def _dead_here(holder: str) -> bool:
    """Whether a lease holder ("host:pid:token") was a process on this machine that no longer runs."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid() or os.name != "posix":
        return False  # elsewhere (or where signal 0 is no probe): its lease expires by itself
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, someone else's
        return False
    return False
