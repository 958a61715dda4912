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
from contextlib import contextmanager, nullcontext
from pathlib import Path

from ._util import DB_NAME, StoreConnection, StoreError, Transaction
from .calls import CallsMixin, call_id
from .merge import MergeMixin, store_file
from .results import ResultsMixin
from .runs import RunsMixin
from .schema import MIGRATIONS, migrate
from .summary import SummaryMixin


class Store(RunsMixin, CallsMixin, ResultsMixin, SummaryMixin, MergeMixin):
    """A results directory's store (or a .db file). Opening checks, before writing anything, that
    the file is a clinreason store this release understands; storage failures at any point (a
    damaged file, a full disk, a read-only file system) raise one-line StoreErrors."""

    def __init__(self, path: str | Path):
        path = Path(path)
        try:
            if path.suffix != ".db":  # a results directory
                if path.exists() and not path.is_dir():
                    raise StoreError(f"{path} is a file, not a results directory (give a directory, or a "
                                     "store file ending in .db)")
                path.mkdir(parents=True, exist_ok=True)
                path = path / DB_NAME
            else:
                if path.is_dir():
                    raise StoreError(f"{path} is a directory, not a store file")
                path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"{e.filename or path}: cannot create the results directory: {e.strerror or e}") from e
        self.path = path
        self._batching = False
        # isolation_level=None: we open transactions explicitly, so each write is atomic.
        try:
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60,
                                      factory=StoreConnection)
        except sqlite3.Error as e:
            raise StoreError(f"{path}: cannot open the store: {e}") from e
        self.db.store_path = path
        try:
            self.db.row_factory = sqlite3.Row
            check_compatible(self.db, path)  # reads only: a store we must not touch stays untouched
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=60000")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.migrated = migrate(self.db)  # names of the migrations this open applied
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def transaction(self):
        return nullcontext(self.db) if self._batching else Transaction(self.db)

    @contextmanager
    def batch(self):
        """Many writes in one transaction (one commit): the store's own write methods run unchanged
        inside, their transactions joining this one. A failure rolls all of them back."""
        if self._batching:
            yield self.db
            return
        with Transaction(self.db) as db:
            self._batching = True
            try:
                yield db
            finally:
                self._batching = False


def check_compatible(db: sqlite3.Connection, path: Path) -> None:
    """Refuse, before any write, a store this release must not migrate: one written by a newer
    clinreason (a migration name it does not know, or a higher schema version), or an SQLite
    database of something else. A damaged file fails here too (StoreConnection translates)."""
    db.execute("PRAGMA busy_timeout=60000")  # another process may be migrating this store right now
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    version = db.execute("PRAGMA user_version").fetchone()[0]
    known = [name for name, _ in MIGRATIONS]
    applied = [r[0] for r in db.execute("SELECT name FROM schema_migrations ORDER BY name")] \
        if "schema_migrations" in tables else []
    unknown = [name for name in applied if name not in known]
    if unknown or version > len(MIGRATIONS):
        what = ", ".join(unknown) if unknown else f"schema version {version}; this release knows {len(MIGRATIONS)}"
        raise StoreError(f"{path}: this store was written by a newer clinreason (migrations {what}); upgrade "
                         "clinreason to use it (nothing was changed)")
    if tables and "schema_migrations" not in tables and version < 1:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise StoreError(f"{path} is not a clinreason store or is damaged: an SQLite database of something "
                         f"else (tables {shown}); nothing was changed")


__all__ = ["DB_NAME", "MIGRATIONS", "Store", "StoreError", "call_id", "check_compatible", "store_file"]
