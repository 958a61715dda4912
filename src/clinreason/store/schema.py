"""The schema: named migrations, applied once each and recorded in `schema_migrations`.

A step is SQL text (run statement by statement) or a Python callable taking the connection. Every
step of one open runs inside a single BEGIN IMMEDIATE transaction, so two processes opening a new
store at once cannot both migrate it, and a failed step leaves the store as it was. Append only:
never edit or reorder a step that has shipped.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Callable, Union

from .calls import call_id

Step = Union[str, Callable[[sqlite3.Connection], None]]

# The schema as the first release wrote it (PRAGMA user_version=1, no schema_migrations table).
V1_SCHEMA = """
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        benchmark TEXT NOT NULL,
        subset TEXT,
        model TEXT NOT NULL,           -- the spec the user gave
        model_identity TEXT NOT NULL,  -- what the cache keys on
        method TEXT NOT NULL,
        config TEXT NOT NULL,          -- JSON: method params, sampling, seed, limit, ...
        status TEXT NOT NULL DEFAULT 'running',
        n_items INTEGER NOT NULL DEFAULT 0,
        summary TEXT                   -- JSON, refreshed at the end of each session of the run
    );
    CREATE TABLE items (
        hash TEXT PRIMARY KEY,         -- content hash: a changed item is a different item
        benchmark TEXT NOT NULL,
        item_id TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE TABLE run_items (
        run_id TEXT NOT NULL REFERENCES runs(id),
        position INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        item_hash TEXT NOT NULL REFERENCES items(hash),
        PRIMARY KEY (run_id, item_id)
    );
    CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        cache_key TEXT NOT NULL,
        run_id TEXT,
        item_id TEXT,
        model TEXT NOT NULL,
        messages TEXT NOT NULL,        -- JSON list of {role, content}
        params TEXT NOT NULL,          -- JSON sampling params
        sample INTEGER NOT NULL DEFAULT 0,
        response TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        latency_s REAL,
        finish_reason TEXT,
        logprobs TEXT,
        error TEXT,                    -- set for a failed attempt; such rows never serve the cache
        created_at REAL NOT NULL
    );
    CREATE INDEX calls_cache ON calls(cache_key) WHERE error IS NULL;
    CREATE INDEX calls_run ON calls(run_id, item_id);
    CREATE TABLE predictions (
        run_id TEXT NOT NULL REFERENCES runs(id),
        item_id TEXT NOT NULL,
        status TEXT NOT NULL,          -- 'ok' | 'error'
        output TEXT,
        answer TEXT,                   -- a method's own decision (e.g. a vote), else NULL
        info TEXT,                     -- JSON: votes, rounds, ...
        trace TEXT NOT NULL,           -- JSON list of {call_id, tag, cached, tokens, latency}
        n_calls INTEGER NOT NULL,      -- model calls made for this item (cache hits excluded)
        n_cached INTEGER NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        wall_s REAL NOT NULL,
        error TEXT,
        created_at REAL NOT NULL,
        PRIMARY KEY (run_id, item_id)
    );
    CREATE TABLE scores (
        run_id TEXT NOT NULL,
        item_id TEXT NOT NULL,
        scorer TEXT NOT NULL,
        value REAL,
        label TEXT,
        detail TEXT,
        created_at REAL NOT NULL,
        PRIMARY KEY (run_id, item_id, scorer)
    );
    """

# Calls keyed by content instead of a per-store integer, so stores from several machines merge
# without id conflicts (see calls.call_id for the rule and why).
CALLS_V2 = """
    CREATE TABLE calls_v2 (
        id TEXT PRIMARY KEY,           -- content id: calls.call_id()
        cache_key TEXT NOT NULL,
        run_id TEXT,
        item_id TEXT,
        model TEXT NOT NULL,
        role TEXT NOT NULL DEFAULT 'model',  -- which of the run's models: model, patient, judge, ...
        messages TEXT NOT NULL,        -- JSON list of {role, content}
        params TEXT NOT NULL,          -- JSON sampling params
        sample INTEGER NOT NULL DEFAULT 0,
        response TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        latency_s REAL,
        finish_reason TEXT,
        logprobs TEXT,
        tool_calls TEXT,               -- JSON list of the tool calls the model asked for, else NULL
        error TEXT,                    -- set for a failed attempt; such rows never serve the cache
        created_at REAL NOT NULL
    )
"""
V1_CALL_COLUMNS = ("cache_key", "run_id", "item_id", "model", "messages", "params", "sample", "response",
                   "prompt_tokens", "completion_tokens", "latency_s", "finish_reason", "logprobs", "error",
                   "created_at")
_BATCH = 500


def _content_addressed_calls(db: sqlite3.Connection) -> None:
    """Rebuild `calls` with content ids and rewrite every reference to the old integer ids:
    prediction traces (`call_id` of each entry) and judge scores (`detail.cost.call_ids`).
    Rows are streamed in batches and the id map lives in a temp table: memory stays flat."""
    db.execute(CALLS_V2)
    db.execute("CREATE TEMP TABLE _call_ids (old INTEGER PRIMARY KEY, new TEXT NOT NULL)")
    cols = ", ".join(V1_CALL_COLUMNS)
    last = -(2 ** 63)
    while True:
        rows = db.execute(f"SELECT id, {cols} FROM calls WHERE id > ? ORDER BY id LIMIT {_BATCH}",
                          (last,)).fetchall()
        if not rows:
            break
        for row in rows:
            fields = dict(zip(V1_CALL_COLUMNS, tuple(row)[1:]))
            new = call_id(fields)
            # Two old rows with the same content (a no-cache rerun answered the same) become one.
            db.execute(f"INSERT OR IGNORE INTO calls_v2 (id, {cols}) VALUES (?, {', '.join('?' * len(fields))})",
                       (new, *fields.values()))
            db.execute("INSERT INTO _call_ids (old, new) VALUES (?, ?)", (row[0], new))
        last = rows[-1][0]
    db.execute("DROP TABLE calls")
    db.execute("ALTER TABLE calls_v2 RENAME TO calls")
    db.execute("CREATE INDEX calls_cache ON calls(cache_key) WHERE error IS NULL")
    db.execute("CREATE INDEX calls_run ON calls(run_id, item_id)")
    _rewrite_json(db, "predictions", "trace", "trace LIKE '%call_id%'", _map_trace)
    _rewrite_json(db, "scores", "detail", "json_extract(detail, '$.cost.call_ids') IS NOT NULL", _map_cost)
    db.execute("DROP TABLE temp._call_ids")


def _is_old_id(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _lookup(db: sqlite3.Connection, old: list[int]) -> dict[int, str]:
    if not old:
        return {}
    marks = ",".join("?" * len(old))
    return dict(db.execute(f"SELECT old, new FROM temp._call_ids WHERE old IN ({marks})", old).fetchall())


def _map_trace(db, trace: list) -> bool:
    if not isinstance(trace, list):
        return False
    entries = [e for e in trace if isinstance(e, dict) and _is_old_id(e.get("call_id"))]
    ids = _lookup(db, sorted({e["call_id"] for e in entries}))
    for e in entries:
        if e["call_id"] in ids:  # an id whose call is gone stays as it was
            e["call_id"] = ids[e["call_id"]]
    return bool(entries)


def _map_cost(db, detail: dict) -> bool:
    cost = detail.get("cost") if isinstance(detail, dict) else None
    old = cost.get("call_ids") if isinstance(cost, dict) else None
    if not isinstance(old, list) or not any(_is_old_id(x) for x in old):
        return False
    ids = _lookup(db, sorted({x for x in old if _is_old_id(x)}))
    cost["call_ids"] = [ids.get(x, x) if _is_old_id(x) else x for x in old]
    return True


def _rewrite_json(db: sqlite3.Connection, table: str, column: str, where: str, fix) -> None:
    """Apply `fix` (mutates the parsed JSON, True if it changed) to every matching row, by rowid pages."""
    last = -1
    while True:
        rows = db.execute(f"SELECT rowid, {column} FROM {table} WHERE rowid > ? AND {where}"
                          f" ORDER BY rowid LIMIT {_BATCH}", (last,)).fetchall()
        if not rows:
            return
        for rowid, text in rows:
            value = json.loads(text) if text else None
            if fix(db, value):
                db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?",
                           (json.dumps(value, ensure_ascii=False, sort_keys=True), rowid))
        last = rows[-1][0]


MIGRATIONS: list[tuple[str, Step]] = [
    ("0001_initial", V1_SCHEMA),
    ("0002_content_addressed_calls", _content_addressed_calls),
    ("0003_score_versions", "ALTER TABLE scores ADD COLUMN version TEXT;"),
    # Who is asking the model for a cache key right now (models.cache.Leases): identical requests
    # in flight in several processes wait for each other. Rows live only while a call is in flight.
    ("0004_call_leases", """
        CREATE TABLE call_leases (
            cache_key TEXT PRIMARY KEY,
            holder TEXT NOT NULL,          -- host:pid:token of the gateway asking
            expires_at REAL NOT NULL       -- unix time; after it the lease is anyone's (a killed holder's frees itself)
        );
    """),
    # Images items show (VQA-RAD), each once by content; saved when a run starts (runs.start_run).
    ("0005_images", """
        CREATE TABLE images (
            sha256 TEXT PRIMARY KEY,       -- hex SHA-256 of the bytes (chat.ImagePart.sha256)
            media_type TEXT NOT NULL,      -- image/jpeg, image/png, ...
            data BLOB NOT NULL
        );
    """),
]
LEGACY = "0001_initial"  # what a store with user_version=1 and no schema_migrations table has


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the migrations this store lacks; returns their names (empty when up to date)."""
    db.execute("BEGIN IMMEDIATE")  # two processes opening a new store at once
    try:
        db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at REAL)")
        applied = {r[0] for r in db.execute("SELECT name FROM schema_migrations")}
        if not applied and db.execute("PRAGMA user_version").fetchone()[0] >= 1:
            db.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, NULL)", (LEGACY,))
            applied.add(LEGACY)
        ran = []
        for name, step in MIGRATIONS:
            if name in applied:
                continue
            if callable(step):
                step(db)
            else:
                for statement in statements(step):
                    db.execute(statement)
            db.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (name, time.time()))
            ran.append(name)
        if ran:
            # Kept in step for tools that only read user_version (a v1 reader sees a newer store).
            db.execute(f"PRAGMA user_version={len(applied) + len(ran)}")
        db.execute("COMMIT")
        return ran
    except BaseException:
        db.execute("ROLLBACK")
        raise


def statements(script: str):
    """Split a migration into statements; a ';' inside a `--` comment is not a terminator."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer
            buffer = ""
    if buffer.strip():
        yield buffer
