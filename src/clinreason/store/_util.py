"""Helpers shared by the store's modules."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

DB_NAME = "clinreason.db"  # a results directory holds one store


class StoreError(ValueError):
    """The store cannot be used: damaged or not a store, written by a newer clinreason, a full
    disk, a read-only file system. One line naming the file; a ValueError, so the CLI prints it."""


def store_problem(error: sqlite3.Error, path) -> StoreError | None:
    """The StoreError an sqlite error means for the user, or None for a programming error
    (no such table, a constraint, ...), which stays as it is."""
    name = getattr(error, "sqlite_errorname", "") or ""
    text = str(error)
    low = text.lower()
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or type(error) is sqlite3.DatabaseError \
            or "malformed" in low or "not a database" in low:
        return StoreError(f"{path} is not a clinreason store or is damaged: {text}")
    if not isinstance(error, sqlite3.OperationalError):
        return None
    if name == "SQLITE_FULL" or "full" in low:
        return StoreError(f"{path}: cannot write the store: {text} (free some space, then rerun the same "
                          "command: stored work is kept)")
    if name.startswith("SQLITE_READONLY") or "readonly" in low or "read-only" in low:
        return StoreError(f"{path}: cannot write the store: {text} (a read-only file system or no permission)")
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in low:
        return StoreError(f"{path}: cannot open the store: {text} (is its directory writable, and is the path "
                          "a results directory?)")
    if name.startswith("SQLITE_IOERR") or "disk i/o" in low:
        return StoreError(f"{path}: cannot use the store: {text} (the disk or file system failed)")
    if name == "SQLITE_PERM" or "access permission" in low:
        return StoreError(f"{path}: cannot use the store: {text} (no permission)")
    return None


class StoreCursor(sqlite3.Cursor):
    """Rows are read lazily, so damage can surface while iterating: translated there too."""

    def _fail(self, e: sqlite3.Error):
        problem = store_problem(e, getattr(self.connection, "store_path", "the store"))
        if problem is None:
            raise e
        raise problem from e

    def __next__(self):
        try:
            return super().__next__()
        except sqlite3.Error as e:
            self._fail(e)

    def fetchone(self):
        try:
            return super().fetchone()
        except sqlite3.Error as e:
            self._fail(e)

    def fetchmany(self, *args, **kwargs):
        try:
            return super().fetchmany(*args, **kwargs)
        except sqlite3.Error as e:
            self._fail(e)

    def fetchall(self):
        try:
            return super().fetchall()
        except sqlite3.Error as e:
            self._fail(e)


class StoreConnection(sqlite3.Connection):
    """The store's connection: storage failures (damage, full disk, read-only, I/O) become one
    StoreError naming the file, wherever in the store they happen."""

    store_path: object = "the store"

    def _fail(self, e: sqlite3.Error):
        problem = store_problem(e, self.store_path)
        if problem is None:
            raise e
        raise problem from e

    def execute(self, sql, parameters=(), /):
        if sql == "ROLLBACK" and not self.in_transaction:
            # SQLite already rolled back (it does after some I/O and disk-full errors): a second
            # ROLLBACK would fail and hide the error that caused it.
            return self.cursor(StoreCursor)
        cursor = self.cursor(StoreCursor)
        try:
            cursor.execute(sql, parameters)
        except sqlite3.Error as e:
            self._fail(e)
        return cursor

    def executemany(self, sql, seq, /):
        cursor = self.cursor(StoreCursor)
        try:
            cursor.executemany(sql, seq)
        except sqlite3.Error as e:
            self._fail(e)
        return cursor

    def executescript(self, script, /):
        try:
            return super().executescript(script)
        except sqlite3.Error as e:
            self._fail(e)

    def commit(self):
        try:
            super().commit()
        except sqlite3.Error as e:
            self._fail(e)


def dump(value: Any) -> str:
    """The store's JSON: sorted keys, unicode kept, so equal values are equal text."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        if exc_type:
            if self.db.in_transaction:
                try:
                    self.db.execute("ROLLBACK")
                except (sqlite3.Error, StoreError):
                    pass  # the error that brought us here is the one to report
            return False
        try:
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # a failed COMMIT (disk full) leaves the transaction open
                try:
                    self.db.execute("ROLLBACK")
                except (sqlite3.Error, StoreError):
                    pass
            raise
        return False


def run_dict(row: sqlite3.Row) -> dict:
    d = dict(row)
    d["config"] = json.loads(d["config"])
    d["summary"] = json.loads(d["summary"]) if d["summary"] else None
    return d


def columns(db: sqlite3.Connection, table: str, schema: str = "main") -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA {schema}.table_info({table})")]
