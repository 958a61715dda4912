"""Model calls: the response cache and the record of every attempt, keyed by content ids; and the
leases that let identical requests in flight in several processes wait for each other."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from typing import Any, Iterable

from ._util import dump

CALL_COLUMNS = ("cache_key", "run_id", "item_id", "model", "role", "messages", "params", "sample", "response",
                "prompt_tokens", "completion_tokens", "latency_s", "finish_reason", "logprobs", "tool_calls",
                "error", "created_at")
JSON_COLUMNS = ("messages", "params", "logprobs", "tool_calls")


def call_id(fields: dict[str, Any]) -> str:
    """The content id of a call row (JSON columns already encoded as stored), 32 hex chars.

    Why content and not a counter: stores written on several machines must merge without id
    conflicts, and the same record must get the same id everywhere.
    - A successful call is its request (cache_key) answered a given way (response, tool calls):
      the same request answered the same way on two machines is the same record and merges into
      one; a different answer (a no-cache rerun, a nondeterministic server) is a different record.
    - A failed attempt is an event, not an answer: two failures of one request with the same
      message are still two attempts, so the time it happened (repr of created_at) is part of it.
    The parts are hashed as one JSON array, so no concatenation of parts can collide with another.
    """
    if fields.get("error") is not None:
        parts = ["error", fields["cache_key"], fields["error"], repr(float(fields["created_at"]))]
    else:
        parts = ["ok", fields["cache_key"], fields.get("response"), fields.get("tool_calls") or "null"]
    blob = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


class CallsMixin:
    db: sqlite3.Connection

    def cached_call(self, cache_key: str) -> dict | None:
        """The oldest successful call for this key (a plain dict), or None."""
        row = self.db.execute(
            "SELECT * FROM calls WHERE cache_key = ? AND error IS NULL ORDER BY created_at, rowid LIMIT 1",
            (cache_key,)).fetchone()
        return dict(row) if row else None

    def record_call(self, **fields: Any) -> str:
        """Store one call or failed attempt (INSERT OR IGNORE on its content id); returns the id."""
        unknown = set(fields) - set(CALL_COLUMNS)
        if unknown:
            raise TypeError(f"record_call: unknown field(s) {', '.join(sorted(unknown))}")
        if fields.get("created_at") is None:
            fields["created_at"] = time.time()
        if not fields.get("tool_calls"):
            fields["tool_calls"] = None  # no tool calls: NULL, whether given as None or []
        for key in JSON_COLUMNS:
            if fields.get(key) is not None and not isinstance(fields[key], str):
                fields[key] = dump(fields[key])
        fields.setdefault("messages", "[]")
        fields.setdefault("params", "{}")
        cid = call_id(fields)
        names = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        self.db.execute(f"INSERT OR IGNORE INTO calls (id, {names}) VALUES (?, {marks})", (cid, *fields.values()))
        return cid

    def get_calls(self, call_ids: Iterable[str]) -> dict[str, dict]:
        ids = list(dict.fromkeys(call_ids))
        out: dict[str, dict] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" for _ in chunk)
            out.update({r["id"]: dict(r) for r in self.db.execute(f"SELECT * FROM calls WHERE id IN ({marks})", chunk)})
        return out

    # --- leases: identical requests in flight in several processes wait for each other -----------
    def calls_for_items(self, item_ids: list[str], models: list[str]) -> list[dict]:
        """The successful calls of these items by these model identities, oldest first: what a resumed
        run's remote workers are served, so that no stored response is paid for again."""
        rows: list[dict] = []
        marks_m = ",".join("?" for _ in models)
        for start in range(0, len(item_ids), 500):  # SQLite's bound-parameter limit
            chunk = item_ids[start:start + 500]
            sql = (f"SELECT * FROM calls WHERE error IS NULL AND item_id IN ({','.join('?' for _ in chunk)})"
                   f" AND model IN ({marks_m}) ORDER BY created_at, rowid")
            rows.extend(dict(r) for r in self.db.execute(sql, [*chunk, *models]))
        return rows

    def acquire_lease(self, cache_key: str, holder: str, ttl_s: float) -> bool:
        """Take the lease on `cache_key` for `ttl_s` seconds, or renew it for its holder; False while
        another holder's lease is live. One statement, so two processes cannot both win."""
        now = time.time()
        cursor = self.db.execute(
            "INSERT INTO call_leases (cache_key, holder, expires_at) VALUES (?, ?, ?)"
            " ON CONFLICT(cache_key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at"
            " WHERE call_leases.holder = excluded.holder OR call_leases.expires_at <= ?",
            (cache_key, holder, now + ttl_s, now))
        return cursor.rowcount > 0

    def release_lease(self, cache_key: str, holder: str) -> None:
        self.db.execute("DELETE FROM call_leases WHERE cache_key = ? AND holder = ?", (cache_key, holder))

    def lease_holder(self, cache_key: str) -> str | None:
        row = self.db.execute("SELECT holder FROM call_leases WHERE cache_key = ? AND expires_at > ?",
                              (cache_key, time.time())).fetchone()
        return row[0] if row else None

    def count_calls(self, run_id: str | None = None, errors: bool = False) -> int:
        sql = "SELECT COUNT(*) FROM calls WHERE " + ("error IS NOT NULL" if errors else "error IS NULL")
        args: tuple = ()
        if run_id:
            sql += " AND run_id = ?"
            args = (run_id,)
        return self.db.execute(sql, args).fetchone()[0]
