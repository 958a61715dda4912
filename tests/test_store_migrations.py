"""A store written by the previous release (schema v1, integer call ids) opens, migrates once,
and keeps every reference: traces, judge costs, the cache, and what resume needs."""

from __future__ import annotations

import json
import sqlite3
import threading

from conftest import make_item

from clinreason.store import DB_NAME, MIGRATIONS, Store, call_id
from clinreason.store.schema import statements
from clinreason.summary import summarize_run

V1_SQL = dict(MIGRATIONS)["0001_initial"]
ALL = [name for name, _ in MIGRATIONS]
ITEMS = [make_item(i, answer="AB"[i % 2]) for i in range(3)]
# (old integer id, cache_key, item, response, error, created_at)
OLD_CALLS = [
    (1, "k0", "q0", "ANSWER: A", None, 100.0),
    (2, "k1", "q0", None, "TransientModelError (attempt 1): 503", 101.25),  # a failed attempt
    (3, "k1", "q0", "ANSWER: B", None, 102.0),  # its retry
    (4, "k2", "q1", "ANSWER: B", None, 103.0),
    (5, "kj", "q0", '{"equivalent": true}', None, 104.0),  # a judge call
    (6, "k2", "q1", "ANSWER: B", None, 105.0),  # a no-cache rerun answered the same: same record
    (7, "k3", "q1", "ANSWER: A", None, 106.0),
]


def write_v1_store(path) -> None:
    """Exactly what the previous release left on disk."""
    db = sqlite3.connect(path / DB_NAME)
    for statement in statements(V1_SQL):
        db.execute(statement)
    db.execute("PRAGMA user_version=1")
    config = {"method": {}, "seed": 0}
    db.execute("INSERT INTO runs VALUES ('r1', 1.0, 2.0, 'toy', NULL, 'scripted', 'scripted:x', 'direct', ?,"
               " 'interrupted', 3, NULL)", (json.dumps(config),))
    for position, item in enumerate(ITEMS):
        db.execute("INSERT INTO items VALUES (?,?,?,?)",
                   (item.content_hash(), item.benchmark, item.id, item.model_dump_json()))
        db.execute("INSERT INTO run_items VALUES ('r1', ?, ?, ?)", (position, item.id, item.content_hash()))
    for cid, key, item_id, response, error, created in OLD_CALLS:
        db.execute("INSERT INTO calls (id, cache_key, run_id, item_id, model, messages, params, sample, response,"
                   " prompt_tokens, completion_tokens, latency_s, finish_reason, logprobs, error, created_at)"
                   " VALUES (?,?,'r1',?,'scripted:x','[]','{}',0,?,10,2,0.1,'stop',NULL,?,?)",
                   (cid, key, item_id, response, error, created))
    traces = {"q0": [{"call_id": 1, "tag": "first"}, {"call_id": 3, "tag": "second"}],
              "q1": [{"call_id": 4, "tag": "a"}, {"call_id": 6, "tag": "b"}, {"call_id": 7, "tag": "c"}]}
    for item_id, output, trace in (("q0", "ANSWER: B", traces["q0"]), ("q1", "ANSWER: A", traces["q1"])):
        db.execute("INSERT INTO predictions VALUES ('r1', ?, 'ok', ?, NULL, '{}', ?, ?, 0, 20, 4, 0.5, NULL, 110.0)",
                   (item_id, output, json.dumps(trace), len(trace)))
        gold = {"q0": "A", "q1": "B"}[item_id]
        db.execute("INSERT INTO scores VALUES ('r1', ?, 'answer', 0.0, ?, ?, 111.0)",
                   (item_id, output[-1], json.dumps({"rule": "format", "strict": True, "gold": gold})))
    db.execute("INSERT INTO scores VALUES ('r1', 'q0', 'judge:equivalence', 1.0, 'yes', ?, 112.0)",
               (json.dumps({"judge": "scripted:j", "cost": {"call_ids": [5], "prompt_tokens": 10,
                                                            "completion_tokens": 2, "attempts": 1}}),))
    db.commit()
    db.close()


def responses(store: Store, ids) -> list:
    calls = store.get_calls(ids)
    return [calls[i]["response"] for i in ids]


def test_v1_store_migrates_once_and_keeps_references(tmp_path):
    write_v1_store(tmp_path)
    store = Store(tmp_path)
    assert store.migrated == ALL[1:]  # 0001 counts as applied: the v1 schema is there
    applied = dict(store.db.execute("SELECT name, applied_at FROM schema_migrations").fetchall())
    assert set(applied) == set(ALL) and applied["0001_initial"] is None
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(ALL)
    assert {r[1] for r in store.db.execute("PRAGMA table_info(calls)")} >= {"role", "tool_calls"}
    assert "version" in {r[1] for r in store.db.execute("PRAGMA table_info(scores)")}

    ids = [r[0] for r in store.db.execute("SELECT id FROM calls")]
    assert len(ids) == 6  # old rows 4 and 6 were the same record
    assert all(isinstance(i, str) and len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert {r[0] for r in store.db.execute("SELECT DISTINCT role FROM calls")} == {"model"}

    preds = {p["item_id"]: p for p in store.predictions("r1")}
    q0 = [t["call_id"] for t in preds["q0"]["trace"]]
    q1 = [t["call_id"] for t in preds["q1"]["trace"]]
    assert [t["tag"] for t in preds["q0"]["trace"]] == ["first", "second"]
    assert responses(store, q0) == ["ANSWER: A", "ANSWER: B"]
    assert responses(store, q1) == ["ANSWER: B", "ANSWER: B", "ANSWER: A"] and q1[0] == q1[1]
    (judge,) = store.scores("r1", "judge:equivalence")
    assert responses(store, judge["detail"]["cost"]["call_ids"]) == ['{"equivalent": true}']
    assert judge["detail"]["judge"] == "scripted:j" and judge["detail"]["cost"]["prompt_tokens"] == 10

    # the id rule: the same request answered the same way is the same record
    row = store.cached_call("k1")
    assert row["response"] == "ANSWER: B" and row.get("tool_calls") is None  # the error never serves
    assert row["id"] == call_id({"cache_key": "k1", "response": "ANSWER: B", "tool_calls": None})
    assert store.cached_call("k0")["id"] == q0[0] and store.cached_call("missing") is None
    again = store.record_call(cache_key="k1", run_id="r1", item_id="q0", model="scripted:x", role="model",
                              messages=[], params={}, sample=0, response="ANSWER: B", prompt_tokens=10,
                              completion_tokens=2, latency_s=0.1, finish_reason="stop", logprobs=None,
                              tool_calls=None)
    assert again == row["id"] and store.count_calls() == 5
    (failed,) = store.db.execute("SELECT id FROM calls WHERE error IS NOT NULL").fetchall()
    assert failed[0] == call_id({"cache_key": "k1", "error": OLD_CALLS[1][4], "created_at": 101.25})

    # what resume needs
    assert store.predicted_ids("r1") == {"q0", "q1"}
    assert [i.id for i in store.run_items("r1")] == ["q0", "q1", "q2"]
    assert [i.content_hash() for i in store.run_items("r1")] == [i.content_hash() for i in ITEMS]
    store.start_run({"id": "r1"}, ITEMS)  # the same plan reopens
    summary = summarize_run(store, "r1")
    assert summary["n_items"] == 3 and summary["n_done"] == 2 and summary["n_graded"] == 2
    assert summary["model_calls_stored"] == 5 and summary["failed_attempts_stored"] == 1
    assert summary["calls_per_item"] == 2.5
    assert store.stale_scores("r1", "answer", "2") == ["q0", "q1"]  # no version before v3
    snapshot = (store.predictions("r1"), store.scores("r1"), sorted(ids))
    store.close()

    reopened = Store(tmp_path)
    assert reopened.migrated == []
    assert (reopened.predictions("r1"), reopened.scores("r1"),
            sorted(r[0] for r in reopened.db.execute("SELECT id FROM calls"))) == snapshot


def test_new_store_applies_every_migration_once_even_opened_concurrently(tmp_path):
    stores, errors = [], []

    def open_store():
        try:
            stores.append(Store(tmp_path))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(name for s in stores for name in s.migrated) == sorted(ALL)
    assert [r[0] for r in stores[0].db.execute("SELECT name FROM schema_migrations ORDER BY name")] == ALL


def test_record_call_encodes_json_and_tool_calls(tmp_path):
    store = Store(tmp_path)
    tool_calls = [{"id": "t1", "name": "lookup", "arguments": '{"q": "x"}'}]
    cid = store.record_call(cache_key="k", run_id="r", item_id="q", model="m", role="patient",
                            messages=[{"role": "user", "content": "hé"}], params={"temperature": 0},
                            sample=0, response="", prompt_tokens=1, completion_tokens=1, latency_s=0.0,
                            finish_reason="tool_calls", logprobs=[{"t": -0.1}], tool_calls=tool_calls)
    row = store.cached_call("k")
    assert row["id"] == cid and row["role"] == "patient"
    assert json.loads(row["tool_calls"]) == tool_calls and json.loads(row["logprobs"]) == [{"t": -0.1}]
    assert json.loads(row["messages"]) == [{"role": "user", "content": "hé"}]
    # the same request answered without tool calls is a different record
    other = store.record_call(cache_key="k", model="m", messages=[], params={}, response="")
    assert other != cid and store.get_calls([cid, other]).keys() == {cid, other}


def _fixture_plan():
    """The plan tests/fixtures/make_v1_store.py ran with the previous release."""
    import re

    from clinreason import engine
    from clinreason.items import Item
    from clinreason.methods import build_method
    from clinreason.models.scripted import ScriptedModel

    items = [Item(id=f"q{i}", benchmark="toy", question=f"Toy question {i}?",
                  options={letter: f"option {letter.lower()} of {i}" for letter in "ABCD"}, answer="ABCD"[i % 4])
             for i in range(6)]

    def script(messages, params, i):
        n = int(re.search(r"Toy question (\d+)", messages[-1].content).group(1))
        return f"Reasoning\nANSWER: {'ABCD'[n % 4]}"

    plan = engine.RunPlan(benchmark="toy", subset="test", model_spec="scripted", method=build_method("cot"), items=items)
    return plan, ScriptedModel(script, "scripted")


def test_a_store_written_by_the_previous_release_resumes_its_run(tmp_path):
    """A real v1 store (written by the previous release, 3 of 6 items done) opens, migrates, and the
    same plan resumes the same run: only the 3 missing items cost model calls; the old responses
    still serve the cache."""
    import asyncio
    import shutil
    from pathlib import Path

    from clinreason import engine

    shutil.copy(Path(__file__).parent / "fixtures" / "v1_store_interrupted.db", tmp_path / DB_NAME)
    plan, model = _fixture_plan()
    store = Store(tmp_path)
    (old_run,) = store.list_runs()
    assert plan.run_id(model) == old_run["id"] == "toy-test-cot-scripted-5e997ed0"
    assert len(store.predicted_ids(old_run["id"])) == 3
    summary = asyncio.run(engine.execute(plan, model, store))
    assert summary["n_done"] == 6 and summary["accuracy"] == 1.0 and len(model.calls) == 3
    # Forget two old predictions: their responses are still in the (migrated) cache.
    store.db.execute("DELETE FROM predictions WHERE run_id=? AND item_id IN ('q0','q1')", (old_run["id"],))
    plan, model = _fixture_plan()
    summary = asyncio.run(engine.execute(plan, model, store))
    assert summary["n_done"] == 6 and len(model.calls) == 0 and summary["session"]["cache_hits"] == 2
