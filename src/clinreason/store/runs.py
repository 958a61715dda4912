"""Runs and their planned items: the resume log's plan side."""

from __future__ import annotations

import sqlite3
import time

from ..items import Item
from ._util import dump, run_dict


class RunsMixin:
    db: sqlite3.Connection

    def get_run(self, run_id: str) -> dict | None:
        row = self.db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return run_dict(row) if row else None

    def find_runs(self, prefix: str) -> list[dict]:
        rows = self.db.execute("SELECT * FROM runs WHERE id LIKE ? ORDER BY created_at", (prefix + "%",))
        return [run_dict(r) for r in rows]

    def list_runs(self) -> list[dict]:
        return [run_dict(r) for r in self.db.execute("SELECT * FROM runs ORDER BY created_at")]

    def start_run(self, run: dict, items: list[Item]) -> None:
        """Create the run with its planned items, or reopen it. The item plan never changes."""
        now = time.time()
        with self.transaction():
            existing = self.db.execute("SELECT id FROM runs WHERE id = ?", (run["id"],)).fetchone()
            if existing:
                planned = [r[0] for r in self.db.execute(
                    "SELECT item_hash FROM run_items WHERE run_id = ? ORDER BY position", (run["id"],))]
                if planned != [item.content_hash() for item in items]:
                    raise ValueError(
                        f"run {run['id']} exists with different items (the data changed?); "
                        "use a new --run-name or a fresh --out directory"
                    )
                self.db.execute("UPDATE runs SET status='running', updated_at=? WHERE id=?", (now, run["id"]))
                return
            self.db.execute(
                "INSERT INTO runs (id, created_at, updated_at, benchmark, subset, model, model_identity,"
                " method, config, status, n_items) VALUES (?,?,?,?,?,?,?,?,?,'running',?)",
                (run["id"], now, now, run["benchmark"], run.get("subset"), run["model"],
                 run["model_identity"], run["method"], dump(run["config"]), len(items)),
            )
            for position, item in enumerate(items):
                h = item.content_hash()
                self.db.execute(
                    "INSERT OR IGNORE INTO items (hash, benchmark, item_id, data) VALUES (?,?,?,?)",
                    (h, item.benchmark, item.id, item.model_dump_json()),
                )
                self.db.execute(
                    "INSERT INTO run_items (run_id, position, item_id, item_hash) VALUES (?,?,?,?)",
                    (run["id"], position, item.id, h),
                )

    def finish_run(self, run_id: str, status: str, summary: dict | None) -> None:
        self.db.execute(
            "UPDATE runs SET status=?, summary=?, updated_at=? WHERE id=?",
            (status, dump(summary) if summary is not None else None, time.time(), run_id),
        )

    def run_items(self, run_id: str) -> list[Item]:
        rows = self.db.execute(
            "SELECT i.data FROM run_items r JOIN items i ON i.hash = r.item_hash"
            " WHERE r.run_id = ? ORDER BY r.position", (run_id,))
        return [Item.model_validate_json(r[0]) for r in rows]

    def predicted_ids(self, run_id: str, status: str | None = None) -> set[str]:
        sql = "SELECT item_id FROM predictions WHERE run_id = ?"
        args: tuple = (run_id,)
        if status:
            sql += " AND status = ?"
            args += (status,)
        return {r[0] for r in self.db.execute(sql, args)}
