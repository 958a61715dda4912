"""SQLite store: runs, items, every model call, predictions and scores. All of clinreason's SQL
lives in this package.

It is also the response cache (calls keyed by a hash of model identity + request, each row by a
content id, see calls.call_id) and the resume log (a run's planned items vs. its stored
predictions). WAL mode and one short transaction per write mean a kill -9 loses at most the item
in flight, never stored work. Stores from several machines merge (merge.py).

  schema.py   named migrations, applied once each inside one BEGIN IMMEDIATE
  runs.py     runs and their planned items
  calls.py    the call log and response cache (implements models.cache.CallCache)
  results.py  predictions and scores
  summary.py  a run's summary, aggregated in SQL
  merge.py    merging another store into this one
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ._util import DB_NAME, Transaction
from .calls import CallsMixin, call_id
from .merge import MergeMixin, store_file
from .results import ResultsMixin
from .runs import RunsMixin
from .schema import MIGRATIONS, migrate
from .summary import SummaryMixin


class Store(RunsMixin, CallsMixin, ResultsMixin, SummaryMixin, MergeMixin):
    def __init__(self, path: str | Path):
        path = Path(path)
        if path.suffix != ".db":  # a results directory
            path.mkdir(parents=True, exist_ok=True)
            path = path / DB_NAME
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # isolation_level=None: we open transactions explicitly, so each write is atomic.
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=60000")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.migrated = migrate(self.db)  # names of the migrations this open applied

    def close(self) -> None:
        self.db.close()

    def transaction(self) -> Transaction:
        return Transaction(self.db)


__all__ = ["DB_NAME", "MIGRATIONS", "Store", "call_id", "store_file"]
