"""Predictions and their scores (a `clinreason.results.Score` or a plain dict)."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any, Mapping

from ._util import dump


def _score_fields(score: Any) -> dict:
    if hasattr(score, "as_dict"):  # clinreason.results.Score
        return score.as_dict()
    if isinstance(score, Mapping):
        return dict(score)
    raise TypeError(f"a score is a Score or a dict, not {type(score).__name__}")


class ResultsMixin:
    db: sqlite3.Connection

    def save_result(self, run_id: str, item_id: str, prediction: dict, scores: Mapping[str, Any]) -> None:
        """A prediction and its scores land together or not at all."""
        now = time.time()
        with self.transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO predictions (run_id, item_id, status, output, answer, info, trace,"
                " n_calls, n_cached, prompt_tokens, completion_tokens, wall_s, error, created_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (run_id, item_id, prediction["status"], prediction.get("output"), prediction.get("answer"),
                 dump(prediction.get("info") or {}), dump(prediction.get("trace") or []),
                 prediction.get("n_calls", 0), prediction.get("n_cached", 0),
                 prediction.get("prompt_tokens", 0), prediction.get("completion_tokens", 0),
                 prediction.get("wall_s", 0.0), prediction.get("error"), now),
            )
            for scorer, score in scores.items():
                self.save_score(run_id, item_id, scorer, score, now=now)

    def save_score(self, run_id: str, item_id: str, scorer: str, score: Any, now: float | None = None) -> None:
        s = _score_fields(score)
        self.db.execute(
            "INSERT OR REPLACE INTO scores (run_id, item_id, scorer, value, label, detail, version, created_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (run_id, item_id, scorer, s.get("value"), s.get("label"), dump(s.get("detail") or {}),
             s.get("version"), now or time.time()),
        )

    def predictions(self, run_id: str) -> list[dict]:
        rows = self.db.execute(
            "SELECT p.*, r.position FROM predictions p JOIN run_items r"
            " ON r.run_id = p.run_id AND r.item_id = p.item_id WHERE p.run_id = ? ORDER BY r.position",
            (run_id,))
        out = []
        for r in rows:
            d = dict(r)
            d["info"] = json.loads(d["info"] or "{}")
            d["trace"] = json.loads(d["trace"] or "[]")
            out.append(d)
        return out

    def confidences(self, run_id: str, keys: list[str], scorer: str = "answer") -> list[dict]:
        """Graded predictions that record any of the info `keys` (confidences): {"value": the
        scorer's value, key: the number or None, ...}. Read with json_extract: no traces loaded."""
        fields = ", ".join(f"json_extract(p.info, ?) AS k{i}" for i in range(len(keys)))
        rows = self.db.execute(
            f"SELECT s.value, {fields} FROM predictions p JOIN scores s ON s.run_id = p.run_id"
            " AND s.item_id = p.item_id AND s.scorer = ? WHERE p.run_id = ? AND p.status = 'ok'"
            " AND s.value IS NOT NULL", [f"$.{k}" for k in keys] + [scorer, run_id])
        out = [{"value": r[0], **{k: r[i + 1] for i, k in enumerate(keys)}} for r in rows]
        return [r for r in out if any(r[k] is not None for k in keys)]

    def scores(self, run_id: str, scorer: str | None = None) -> list[dict]:
        sql, args = "SELECT * FROM scores WHERE run_id = ?", [run_id]
        if scorer:
            sql += " AND scorer = ?"
            args.append(scorer)
        out = []
        for r in self.db.execute(sql, args):
            d = dict(r)
            d["detail"] = json.loads(d["detail"] or "{}")
            out.append(d)
        return out

    def scores_by_item(self, run_id: str) -> dict[str, dict[str, dict]]:
        """A run's scores as {item_id: {scorer: score row}}."""
        out: dict[str, dict[str, dict]] = {}
        for s in self.scores(run_id):
            out.setdefault(s["item_id"], {})[s["scorer"]] = s
        return out

    def stale_scores(self, run_id: str, scorer: str, version: str | None) -> list[str]:
        """Items whose stored `scorer` score is of another version (NULL, from before versions,
        included), in plan order: what `clinreason regrade` redoes."""
        rows = self.db.execute(
            "SELECT s.item_id FROM scores s LEFT JOIN run_items r ON r.run_id = s.run_id AND r.item_id = s.item_id"
            " WHERE s.run_id = ? AND s.scorer = ? AND s.version IS NOT ? ORDER BY r.position, s.item_id",
            (run_id, scorer, version))
        return [r[0] for r in rows]
