"""Stores from several machines merge into one: each record once, summaries as if one machine."""

from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import make_item
from typer.testing import CliRunner

from clinreason.cli import app
from clinreason.grading.scorers import SCORERS, error_score
from clinreason.results import Prediction
from clinreason.store import Store
from clinreason.summary import refresh_run, summarize_run

ITEMS = [make_item(i, answer="ABCD"[i % 4], metadata={"subject": "s1" if i % 2 else "s2"}) for i in range(6)]
RUN = {"id": "toy-direct-abc", "benchmark": "toy", "model": "scripted", "model_identity": "scripted:x",
       "method": "direct", "config": {"method": {}, "scorers": ["answer"]}}
ANSWERS = {"q0": "A", "q1": "C", "q2": "C", "q3": "D", "q4": "A", "q5": "A"}  # q1, q4 wrong


def call(store: Store, item_id: str, response: str | None = None, created_at: float = 1000.0) -> str:
    return store.record_call(cache_key=f"key-{item_id}", run_id=RUN["id"], item_id=item_id, model="scripted:x",
                             role="model", messages=[{"role": "user", "content": item_id}], params={}, sample=0,
                             response=response or f"ANSWER: {ANSWERS[item_id]}", prompt_tokens=10,
                             completion_tokens=3, latency_s=0.2, finish_reason="stop", logprobs=None,
                             tool_calls=None, created_at=created_at)


def predict(store: Store, item_id: str, status: str = "ok", created_at: float = 1000.0) -> None:
    item = next(i for i in ITEMS if i.id == item_id)
    if status == "error":
        store.save_result(RUN["id"], item_id, {"status": "error", "output": None, "error": "boom", "wall_s": 1.0},
                          {"answer": error_score(item, "boom")})
        return
    cid = call(store, item_id, created_at=created_at)
    output = f"ANSWER: {ANSWERS[item_id]}"
    score = SCORERS.get("answer")()(item, Prediction(output=output))
    store.save_result(RUN["id"], item_id, {"status": "ok", "output": output, "n_calls": 1, "prompt_tokens": 10,
                                           "completion_tokens": 3, "wall_s": 0.25,
                                           "trace": [{"call_id": cid, "tag": "", "cached": False}]},
                      {"answer": score})


def machine(path, item_ids, extra_calls=(), created_at: float = 1000.0) -> Store:
    store = Store(path)
    store.start_run(RUN, ITEMS)
    for item_id in item_ids:
        predict(store, item_id, created_at=created_at)
    for item_id in extra_calls:  # a call made, then the machine stopped before the prediction landed
        call(store, item_id, created_at=created_at)
    return store


def n(store: Store, table: str) -> int:
    return store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_parts_of_a_run_merge_into_the_whole(tmp_path):
    whole = machine(tmp_path / "whole", ANSWERS)
    a = machine(tmp_path / "a", ["q0", "q1", "q2"], extra_calls=["q3"], created_at=2000.0)
    b = machine(tmp_path / "b", ["q3", "q4", "q5"], created_at=3000.0)
    a.close(), b.close()

    target = Store(tmp_path / "merged")
    first = target.merge_from(tmp_path / "a")
    assert (first["runs"], first["predictions"], first["calls"], first["runs_touched"]) == (1, 3, 4, [RUN["id"]])
    refresh_run(target, RUN["id"])
    assert target.get_run(RUN["id"])["status"] == "incomplete"
    second = target.merge_from(tmp_path / "b" / "clinreason.db")
    assert (second["runs"], second["predictions"], second["calls"]) == (0, 3, 2)  # q3's call was there already

    assert n(target, "predictions") == 6 and n(target, "scores") == 6 and n(target, "calls") == 6
    assert sorted(r[0] for r in target.db.execute("SELECT id FROM calls")) == \
        sorted(r[0] for r in whole.db.execute("SELECT id FROM calls"))
    for p in target.predictions(RUN["id"]):  # traces point at the merged calls
        (row,) = target.get_calls([t["call_id"] for t in p["trace"]]).values()
        assert row["response"] == p["output"]
    assert summarize_run(target, RUN["id"]) == summarize_run(whole, RUN["id"])
    refresh_run(target, RUN["id"])
    run = target.get_run(RUN["id"])
    assert run["status"] == "complete" and run["summary"]["accuracy"] == pytest.approx(4 / 6)

    again = target.merge_from(tmp_path / "a")
    assert again["runs_touched"] == [] and not any(v for k, v in again.items() if k != "runs_touched")
    assert n(target, "predictions") == 6 and n(target, "calls") == 6


def test_an_ok_prediction_replaces_an_error_and_brings_its_scores(tmp_path):
    target = machine(tmp_path / "t", ["q0"])
    predict(target, "q1", status="error")
    source = machine(tmp_path / "s", ["q1"])
    predict(source, "q0", status="error")
    # a judge ran on the source: its score joins the target's identical prediction
    source.save_score(RUN["id"], "q1", "judge:equivalence", {"value": 1.0, "label": "yes", "detail": {}})
    source.save_score(RUN["id"], "q0", "judge:equivalence", {"value": 0.0, "label": "no", "detail": {}})
    source.close()

    counts = target.merge_from(tmp_path / "s")
    assert counts["predictions_replaced"] == 1 and counts["predictions"] == 0
    status = {p["item_id"]: p["status"] for p in target.predictions(RUN["id"])}
    assert status == {"q0": "ok", "q1": "ok"}  # q0: the target's ok kept over the source's error
    scores = {(s["item_id"], s["scorer"]): s for s in target.scores(RUN["id"])}
    assert scores[("q1", "answer")]["label"] == "C" and ("q1", "judge:equivalence") in scores
    assert scores[("q0", "answer")]["label"] == "A" and ("q0", "judge:equivalence") not in scores


def test_different_planned_items_are_refused_before_writing(tmp_path):
    target = machine(tmp_path / "t", ["q0"])
    other = Store(tmp_path / "o")
    changed = [ITEMS[0].model_copy(update={"question": "Changed?"}), *ITEMS[1:]]
    other.start_run(RUN, changed)
    other.record_call(cache_key="new", model="m", messages=[], params={}, response="x")
    other.close()
    with pytest.raises(ValueError, match=f"run {RUN['id']} has different planned items"):
        target.merge_from(tmp_path / "o")
    assert n(target, "calls") == 1 and n(target, "items") == 6

    result = CliRunner().invoke(app, ["merge", str(tmp_path / "o"), "--out", str(tmp_path / "t")])
    assert result.exit_code == 2 and RUN["id"] in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("kind", ["missing", "text", "sqlite"])
def test_a_source_that_is_not_a_store_is_a_clean_error(tmp_path, kind):
    bad = tmp_path / ("notes.db" if kind == "sqlite" else "notes.txt")
    if kind == "text":
        bad.write_text("not a database, just notes\n" * 50)
    elif kind == "sqlite":
        sqlite3.connect(bad).execute("CREATE TABLE t (x)").connection.close()
    machine(tmp_path / "good", ["q0"]).close()
    out = tmp_path / "merged"
    result = CliRunner().invoke(app, ["merge", str(tmp_path / "good"), str(bad), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "notes." in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (out / "clinreason.db").exists()  # every source is checked before anything is written
    assert not bad.is_dir()


def test_merge_command_writes_summaries(tmp_path):
    machine(tmp_path / "a", ["q0", "q1", "q2"]).close()
    machine(tmp_path / "b", ["q3", "q4", "q5"]).close()
    out = tmp_path / "merged"
    result = CliRunner().invoke(app, ["merge", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "runs" / f"{RUN['id']}.json").read_text())
    assert summary["n_done"] == 6 and summary["accuracy"] == pytest.approx(4 / 6)
    assert Store(out).get_run(RUN["id"])["status"] == "complete"
    result = CliRunner().invoke(app, ["merge", str(tmp_path / "a"), "--out", str(out)])
    assert result.exit_code == 0 and "nothing new" in result.output
