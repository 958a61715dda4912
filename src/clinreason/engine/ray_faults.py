"""Faults for testing and benchmarking the Ray executor (engine/ray.py): a worker killed mid-run.

`KillOnce` is passed as `execute_ray(..., hook=...)`; it runs inside the Ray task, after an item's
model calls were acknowledged by the ledger and before its result is sent, which is the moment
that tests both guarantees: the retried task must not pay those calls again, nor lose the item."""

from __future__ import annotations

import os
import signal
from pathlib import Path


class KillOnce:
    """SIGKILL the worker process running the task at its `after`-th item; a marker file, created
    atomically, makes it happen once across all workers and retries."""

    def __init__(self, marker: str | Path, after: int = 5):
        self.marker = str(marker)
        self.after = after
        self.seen = 0  # per process: the hook is unpickled afresh in each task

    def __call__(self, item_id: str) -> None:
        self.seen += 1
        if self.seen < self.after:
            return
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, f"{os.getpid()} {item_id}\n".encode())
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)
