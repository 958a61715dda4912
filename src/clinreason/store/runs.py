"""Runs and their planned items: the resume log's plan side."""

from __future__ import annotations

import json
import sqlite3
import time

from ..items import Item
from ..redact import redact_url
from ._util import dump, run_dict
from .images import ImagesMixin


class RunsMixin(ImagesMixin):
    db: sqlite3.Connection

    def get_run(self, run_id: str) -> dict | None:
        row = self.db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return run_dict(row) if row else None

    def require_run(self, run_id: str) -> dict:
        """The run, or KeyError naming it and the store."""
        run = self.get_run(run_id)
        if run is None:
            raise KeyError(f"no run {run_id!r} in {self.path}")
        return run

    def find_runs(self, prefix: str) -> list[dict]:
        rows = self.db.execute("SELECT * FROM runs WHERE id LIKE ? ORDER BY created_at", (prefix + "%",))
        return [run_dict(r) for r in rows]

    def list_runs(self) -> list[dict]:
        return [run_dict(r) for r in self.db.execute("SELECT * FROM runs ORDER BY created_at")]

    def start_run(self, run: dict, items: list[Item]) -> None:
        """Create the run with its planned items, or reopen it. The item plan never changes, and
        neither does what determines the results: a run reopened (a resume, or a reused --run-name)
        with another model, method, parameters, seed, roles, scorers or items is refused with a
        ValueError naming what differs, before anything is written. The items' images are saved
        once each (an unreadable one fails here, with nothing written)."""
        now = time.time()
        images = self._images_to_save(items)
        with self.transaction():
            existing = self.db.execute("SELECT * FROM runs WHERE id = ?", (run["id"],)).fetchone()
            if existing:
                planned = [r[0] for r in self.db.execute(
                    "SELECT item_hash FROM run_items WHERE run_id = ? ORDER BY position", (run["id"],))]
                differences = run_differences(run_dict(existing), run, len(planned), len(items))
                if len(planned) == len(items) and planned != [item.content_hash() for item in items]:
                    differences.append("different items (the data changed?)")
                if differences:
                    raise ValueError(
                        f"run {run['id']} exists with " + "; with ".join(differences)
                        + "; use another --run-name (or a fresh --out directory)"
                    )
                self.db.execute("UPDATE runs SET status='running', updated_at=? WHERE id=?", (now, run["id"]))
                self._save_images(images)
                return
            self._save_images(images)
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


def run_differences(stored: dict, new: dict, n_stored: int, n_new: int) -> list[str]:
    """What differs between a stored run and a new plan of the same id, each as "X A, not B" (the
    stored value first): model identity, method and its parameters, seed, model roles, scorers and
    the number of items. A parameter only one side has (a newer release added it) is not a difference,
    nor is a setting the new run record leaves out (a caller reopening a run by id only)."""
    out = []
    if n_stored != n_new:
        out.append(f"different items ({n_stored} items, not {n_new})")
    # Compared in public form: a run recorded before identities were redacted still resumes.
    old_model, new_model = redact_url(stored["model_identity"]), redact_url(new.get("model_identity") or "")
    if new.get("model_identity") is not None and old_model != new_model:
        out.append(f"model {old_model}, not {new_model}")
    if new.get("method") is not None and stored["method"] != new["method"]:
        out.append(f"method {stored['method']}, not {new['method']}")
    if new.get("config") is None:
        return out
    old_config, new_config = stored["config"] or {}, json.loads(dump(new["config"]))
    if stored["method"] == new.get("method", stored["method"]):
        old_params, new_params = old_config.get("method") or {}, new_config.get("method") or {}
        changed = [k for k in sorted(set(old_params) & set(new_params)) if old_params[k] != new_params[k]]
        if changed:
            out.append("method parameters " + ", ".join(
                f"{k} {_show(old_params[k])}, not {_show(new_params[k])}" for k in changed))
    if old_config.get("seed", 0) != new_config.get("seed", 0):
        out.append(f"seed {old_config.get('seed', 0)}, not {new_config.get('seed', 0)}")
    old_roles, new_roles = _roles(old_config), _roles(new_config)
    if old_roles != new_roles:
        changed = sorted(r for r in set(old_roles) | set(new_roles) if old_roles.get(r) != new_roles.get(r))
        out.append("model roles " + ", ".join(
            f"{r} {old_roles.get(r) or '(none)'}, not {new_roles.get(r) or '(none)'}" for r in changed))
    old_scorers, new_scorers = old_config.get("scorers") or ["answer"], new_config.get("scorers") or ["answer"]
    if old_scorers != new_scorers:
        out.append(f"scorers {','.join(old_scorers)}, not {','.join(new_scorers)}")
    return out


def _roles(config: dict) -> dict[str, str]:
    """Role -> the identity of its model (public form)."""
    return {role: redact_url(str(r.get("identity") or r.get("spec"))) if isinstance(r, dict) else redact_url(str(r))
            for role, r in (config.get("roles") or {}).items()}


def _show(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
