"""Helpers shared by the store's modules."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

DB_NAME = "clinreason.db"  # a results directory holds one store


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
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False


def run_dict(row: sqlite3.Row) -> dict:
    d = dict(row)
    d["config"] = json.loads(d["config"])
    d["summary"] = json.loads(d["summary"]) if d["summary"] else None
    return d


def columns(db: sqlite3.Connection, table: str, schema: str = "main") -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA {schema}.table_info({table})")]
