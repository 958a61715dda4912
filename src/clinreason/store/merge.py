"""Merging another store into this one (results from several machines into one directory).

Everything is INSERT ... SELECT across an ATTACHed database, keyed on each table's own key, so a
merge copies each record exactly once (merging the same source twice adds nothing) and memory
stays flat. Call ids are content ids, so the same call made on two machines is one row.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ._util import DB_NAME, columns

PLAIN_TABLES = ("runs", "items", "run_items", "calls", "images")  # INSERT OR IGNORE on their primary keys
SAME_PREDICTION = "sp.status = tp.status AND sp.output IS tp.output AND sp.answer IS tp.answer"


def store_file(path: str | Path) -> Path:
    """The database file of a store given as a results directory or a .db file; a ValueError
    naming the file when it is missing or is not a clinreason store. Opens it read-only."""
    path = Path(path)
    db_path = path / DB_NAME if path.is_dir() else path
    if not db_path.is_file():
        raise ValueError(f"{db_path}: no such store")
    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            has_runs = con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='runs'").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        raise ValueError(f"{db_path}: not a clinreason store ({e})") from None
    if not has_runs:
        raise ValueError(f"{db_path}: not a clinreason store (no runs table)")
    if db_path.suffix != ".db":
        raise ValueError(f"{db_path}: a store is a results directory or a .db file")
    return db_path


class MergeMixin:
    db: sqlite3.Connection
    path: Path

    def merge_from(self, source: str | Path) -> dict:
        """Copy a store's runs, items, calls, predictions and scores into this one.

        A run in both must have the same planned items, else nothing is written. A prediction in
        both: an 'ok' one replaces an 'error' one, otherwise this store's stays. Scores follow their
        prediction: a replaced prediction brings its scores; when both stores hold the same
        prediction, scores this store lacks (e.g. a judge run elsewhere) are added. The caller
        refreshes the touched runs' summaries (`clinreason.summary.refresh_run`).
        Returns counts of what was added and the touched run ids ("runs_touched")."""
        from . import Store  # the source is opened (and so migrated) like any store

        db_path = store_file(source)
        if db_path.resolve() == Path(self.path).resolve():
            raise ValueError(f"{db_path}: cannot merge a store into itself")
        Store(db_path).close()
        self.db.execute("ATTACH DATABASE ? AS src", (str(db_path),))
        try:
            with self.transaction():
                _refuse_conflicts(self.db, db_path)
                counts = _copy(self.db)
        finally:
            self.db.execute("DETACH DATABASE src")
        return counts

    def run_plans(self) -> dict[str, list[tuple[str, str]]]:
        """run id -> its planned (item id, item hash) pairs, in order: what must agree to merge."""
        plans: dict[str, list[tuple[str, str]]] = {}
        for run_id, item_id, item_hash in self.db.execute(
                "SELECT run_id, item_id, item_hash FROM run_items ORDER BY run_id, position"):
            plans.setdefault(run_id, []).append((item_id, item_hash))
        return plans

    def completion_status(self, run_id: str) -> str:
        """'complete' once every planned item of the run has a prediction, else 'incomplete'."""
        done = self.db.execute(
            "SELECT COUNT(*) FROM run_items r JOIN predictions p ON p.run_id = r.run_id AND p.item_id = r.item_id"
            " WHERE r.run_id = ?", (run_id,)).fetchone()[0]
        planned = self.db.execute("SELECT COUNT(*) FROM run_items WHERE run_id = ?", (run_id,)).fetchone()[0]
        return "complete" if done == planned else "incomplete"


def _refuse_conflicts(db: sqlite3.Connection, source: Path) -> None:
    row = db.execute(
        """SELECT r.id FROM src.runs r JOIN main.runs m ON m.id = r.id
           WHERE (SELECT COUNT(*) FROM src.run_items WHERE run_id = r.id)
                 != (SELECT COUNT(*) FROM main.run_items WHERE run_id = r.id)
              OR EXISTS (SELECT 1 FROM src.run_items s LEFT JOIN main.run_items t
                         ON t.run_id = s.run_id AND t.position = s.position
                         WHERE s.run_id = r.id AND (t.item_hash IS NOT s.item_hash OR t.item_id IS NOT s.item_id))
           ORDER BY r.id LIMIT 1""").fetchone()
    if row:
        raise ValueError(f"run {row[0]} has different planned items in {source} than in this store "
                         "(the data changed?); nothing merged")


def _copy(db: sqlite3.Connection) -> dict:
    counts: dict = {}
    touched = {r[0] for r in db.execute("SELECT id FROM src.runs WHERE id NOT IN (SELECT id FROM main.runs)")}
    source_tables = {r[0] for r in db.execute("SELECT name FROM src.sqlite_master WHERE type = 'table'")}
    for table in PLAIN_TABLES:
        if table not in source_tables:  # a store from before that table existed (e.g. images)
            continue
        cols = ", ".join(columns(db, table))
        before = db.total_changes
        db.execute(f"INSERT OR IGNORE INTO main.{table} ({cols}) SELECT {cols} FROM src.{table}")
        counts[table] = db.total_changes - before

    # Predictions the source brings: new ones, and 'ok' ones where this store only has an error.
    db.execute("CREATE TEMP TABLE _take AS SELECT sp.run_id, sp.item_id FROM src.predictions sp"
               " LEFT JOIN main.predictions tp ON tp.run_id = sp.run_id AND tp.item_id = sp.item_id"
               " WHERE tp.run_id IS NULL OR (tp.status = 'error' AND sp.status = 'ok')")
    try:
        counts["predictions_replaced"] = db.execute(
            "SELECT COUNT(*) FROM temp._take t JOIN main.predictions p USING (run_id, item_id)").fetchone()[0]
        taken = db.execute("SELECT COUNT(*) FROM temp._take").fetchone()[0]
        counts["predictions"] = taken - counts["predictions_replaced"]
        touched |= {r[0] for r in db.execute("SELECT DISTINCT run_id FROM temp._take")}
        # The scores of a replaced prediction go with it.
        db.execute("DELETE FROM main.scores WHERE EXISTS (SELECT 1 FROM temp._take t"
                   " WHERE t.run_id = scores.run_id AND t.item_id = scores.item_id)")
        cols = columns(db, "predictions")
        db.execute(f"INSERT OR REPLACE INTO main.predictions ({', '.join(cols)})"
                   f" SELECT {', '.join('sp.' + c for c in cols)} FROM src.predictions sp"
                   " JOIN temp._take t ON t.run_id = sp.run_id AND t.item_id = sp.item_id")
    finally:
        db.execute("DROP TABLE temp._take")

    # Source scores go wherever this store now holds the same prediction as the source.
    score_cols = columns(db, "scores")
    shared = (" FROM src.scores ss JOIN src.predictions sp ON sp.run_id = ss.run_id AND sp.item_id = ss.item_id"
              " JOIN main.predictions tp ON tp.run_id = ss.run_id AND tp.item_id = ss.item_id WHERE " + SAME_PREDICTION)
    touched |= {r[0] for r in db.execute(
        "SELECT DISTINCT ss.run_id" + shared + " AND NOT EXISTS (SELECT 1 FROM main.scores ts WHERE ts.run_id ="
        " ss.run_id AND ts.item_id = ss.item_id AND ts.scorer = ss.scorer)")}
    before = db.total_changes
    db.execute(f"INSERT OR IGNORE INTO main.scores ({', '.join(score_cols)})"
               f" SELECT {', '.join('ss.' + c for c in score_cols)}" + shared)
    counts["scores"] = db.total_changes - before
    counts["runs_touched"] = sorted(touched)
    return counts
