"""`clinreason regrade RUN...`: stored outputs read again with the current parsers (no model calls);
only rows whose reading changed are rewritten, shown in a table with the accuracy before -> after."""

from __future__ import annotations

import re

from conftest import make_item
from typer.testing import CliRunner

from clinreason.cli import app
from clinreason.grading.scorers import SCORERS
from clinreason.items import Item, TaskType, Tolerance
from clinreason.store import Store

CURRENT = SCORERS.get("answer").version
EGFR = Item(id="n0", benchmark="toy", question="eGFR?", answer="97", task=TaskType.numeric,
            tolerance=Tolerance(lower=95, upper=99))
ITEMS = [EGFR, make_item(1, answer="B"), make_item(2, answer="C"), make_item(3, answer="A")]


def _run(run_id):
    return {"id": run_id, "benchmark": "toy", "model": "scripted", "model_identity": "scripted:x",
            "method": "cot_sc", "config": {"method": {}}}


def _score(label, value, rule, strict, version):
    return {"value": value, "label": label, "detail": {"rule": rule, "strict": strict}, "version": version}


def _store_run(store, run_id):
    """A run graded by an older parser: it read the unit's 1.73 as the answer to n0; its other rows
    read as they still do today (q1, q3) or are of the current version (q2)."""
    store.start_run(_run(run_id), ITEMS)
    store.save_result(run_id, "n0", {"status": "ok", "output": "ANSWER: 97 mL/min/1.73 m²"},
                      {"answer": _score("1.73", 0.0, "format", True, "2")})
    store.save_result(run_id, "q1", {"status": "ok", "output": "x", "answer": "B",
                                     "info": {"answer_rule": "vote", "answer_strict": True}},
                      {"answer": _score("B", 1.0, "vote", True, "2")})
    store.save_result(run_id, "q2", {"status": "ok", "output": "ANSWER: C"},
                      {"answer": _score("X", 0.0, "format", True, CURRENT)})
    # A vote stored with its reading: a loose vote an older scorer counted as the method's, strict.
    store.save_result(run_id, "q3", {"status": "ok", "output": "The answer is A.", "answer": "A",
                                     "info": {"answer_rule": "vote", "answer_strict": False}},
                      {"answer": _score("A", 1.0, "method", True, "2")})


def _created(store, run_id):
    return {s["item_id"]: (s["created_at"], s["version"]) for s in store.scores(run_id, "answer")}


def test_regrade_rewrites_only_rows_whose_reading_changed(tmp_path):
    store = Store(tmp_path)
    _store_run(store, "run-a")
    _store_run(store, "run-b")
    before = _created(store, "run-a")
    store.close()

    result = CliRunner().invoke(app, ["regrade", "run-a", "run-b", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "run-a: readings that changed" in out and "run-b: readings that changed" in out
    assert re.search(r"n0 .*1\.73 \(format, strict\).*97\.0 \(format, strict\).*✗ → ✓", out)
    assert re.search(r"q3 .*A \(method, strict\).*A \(vote\).*✓ → ✓", out)
    assert "q1 " not in out and "q2 " not in out
    assert out.count("answer: 3 stale score(s) redone, 2 reading(s) changed") == 2
    assert "run-a: accuracy 75.0% (was 50.0%; n=4)" in out

    store = Store(tmp_path)
    after = _created(store, "run-a")
    scores = {s["item_id"]: s for s in store.scores("run-a", "answer")}
    assert (scores["n0"]["label"], scores["n0"]["value"]) == ("97.0", 1.0)
    assert (scores["q3"]["detail"]["rule"], scores["q3"]["detail"]["strict"]) == ("vote", False)
    assert after["q1"] == (before["q1"][0], CURRENT)  # read the same: only its version stamp updated
    assert after["q2"] == before["q2"]  # current version: not read again
    assert scores["q2"]["label"] == "X"
    assert after["n0"][0] != before["n0"][0] and after["q3"][0] != before["q3"][0]
    assert store.stale_scores("run-a", "answer", CURRENT) == []
    assert store.get_run("run-b")["summary"]["accuracy"] == 0.75
    assert store.get_run("run-a")["summary"]["accuracy_strict_format"] == 0.5
    store.close()

    # --all reads every row: only q2 (stored by a parser that read "X") changes now.
    result = CliRunner().invoke(app, ["regrade", "run-a", "--all", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "answer: 4 score(s) read again, 1 reading(s) changed" in result.output
    assert "run-a: accuracy 100.0% (was 75.0%" in result.output
    again = _created(Store(tmp_path), "run-a")
    assert {k for k in again if again[k] != after[k]} == {"q2"}


def test_regrade_again_changes_nothing(tmp_path):
    store = Store(tmp_path)
    _store_run(store, "run-a")
    store.close()
    CliRunner().invoke(app, ["regrade", "run-a", "--all", "--out", str(tmp_path)])
    result = CliRunner().invoke(app, ["regrade", "run-a", "--all", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "readings that changed" not in result.output
    assert "0 reading(s) changed" in result.output


def test_regrade_checks_every_run_id_first(tmp_path):
    store = Store(tmp_path)
    _store_run(store, "run-a")
    before = _created(store, "run-a")
    store.close()
    result = CliRunner().invoke(app, ["regrade", "run-a", "nope", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "nope" in result.output
    assert _created(Store(tmp_path), "run-a") == before  # nothing regraded
