"""The Ray executor (`--executor ray`) on a real local Ray (2 workers, 127.0.0.1) against the fault
server (an instant, deterministic OpenAI-compatible model that records every request body): the
same summaries as the local executor; a worker killed mid-run and a driver killed mid-run both end
with exactly one prediction per item and no stored call asked twice; a bad --address is refused
before anything is written."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest

from clinreason import grid
from clinreason.engine import RunPlan, execute
from clinreason.methods import build_method
from clinreason.models import load_model
from clinreason.store import Store
from clinreason.testing.fault_server import FaultServer

from conftest import db_count, make_item

ray = pytest.importorskip("ray")
pytestmark = [pytest.mark.slow, pytest.mark.server]

ANSWER_FIELDS = ("accuracy", "n_done", "n_items", "prompt_tokens_per_item", "completion_tokens_per_item",
                 "calls_per_item", "unparsed_rate", "run_id")


def questions(bodies) -> Counter:
    """How often each prompt was asked (the items' questions differ, so this is per item and call)."""
    return Counter(json.dumps(b["messages"], sort_keys=True) + str(b.get("seed")) for b in bodies)


def stored_answers(store: Store, run_id: str) -> dict:
    return {p["item_id"]: (p["status"], p["answer"], p["prompt_tokens"], p["completion_tokens"])
            for p in store.predictions(run_id)}



def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- through the CLI, each in its own process (run first: no Ray of this process is up yet) -----------
def test_unreachable_address_is_one_line_before_anything_is_written(tmp_path):
    data = tmp_path / "items.jsonl"
    data.write_text(json.dumps({"question": "Q?", "options": ["x", "y"], "answer": "A"}) + "\n")
    out = tmp_path / "results"
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "clinreason", "run", str(data), "--model",
                           "openai-compat:http://127.0.0.1:9/v1#m", "--executor", "ray", "--address",
                           f"127.0.0.1:{closed_port()}", "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "no Ray cluster reachable" in proc.stderr and "Traceback" not in proc.stderr
    assert time.monotonic() - started < 60
    assert not out.exists()  # no store, not even the directory
    bad = subprocess.run([sys.executable, "-m", "clinreason", "run", str(data), "--address", "h:1", "--out", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--address needs --executor ray" in bad.stderr


def test_killed_driver_resumes_with_each_item_once_and_no_stored_call_asked_again(tmp_path):
    n = 120
    data = tmp_path / "items.jsonl"
    data.write_text("".join(json.dumps({"id": f"q{i}", "question": f"Toy question {i}?",
                                        "options": ["a", "b", "c", "d"], "answer": "ABCD"[i % 4]}) + "\n"
                            for i in range(n)))
    out = tmp_path / "results"
    db = out / "clinreason.db"
    server = FaultServer(delay_s=0.05, lifetime_s=400)  # 50 ms a reply: the run lasts long enough to kill
    url = server.start()
    try:
        cmd = [sys.executable, "-m", "clinreason", "run", str(data), "--model", f"openai-compat:{url}#fault",
               "--method", "cot", "--executor", "ray", "--workers", "2", "--concurrency", "1", "--out", str(out)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 240
        try:
            while db_count(db, "SELECT COUNT(*) FROM predictions") < 15:
                assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "no progress"
                time.sleep(0.1)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)  # the driver and whatever of its Ray shares its session
            proc.wait(30)
        time.sleep(1.0)  # anything of the dead job still talking to the server stops
        first_session = len(server.bodies)
        with sqlite3.connect(db) as con:
            done_before = con.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]
            stored = {json.dumps(json.loads(m), sort_keys=True)
                      for (m,) in con.execute("SELECT messages FROM calls WHERE error IS NULL")}
        assert 15 <= done_before < n, "the kill came too late to test a resume"
        rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
    finally:
        server.stop()
    store = Store(out)
    (run,) = store.list_runs()
    preds = store.predictions(run["id"])
    assert len(preds) == n and len({p["item_id"] for p in preds}) == n
    assert run["status"] == "complete"
    asked_again = [b for b in server.bodies[first_session:]
                   if json.dumps(b["messages"], sort_keys=True) in stored]
    assert asked_again == []  # a call stored before the kill is served from the store, never paid again
    assert store.count_calls() == len(questions(server.bodies)) == n  # one stored call per prompt


# --- through the Python API, on one local Ray shared by these tests ------------------------------------
@pytest.fixture(scope="module")
def local_ray():
    ray.init(address="local", num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             log_to_driver=False, configure_logging=False)
    try:
        yield
    finally:
        ray.shutdown()


def options(**kw):
    from clinreason.engine.ray import RayOptions

    return RayOptions(workers=2, **kw)


def run_ray(jobs, store, ledgers=None, **kw):
    from clinreason.engine.ray import execute_ray

    return asyncio.run(asyncio.wait_for(execute_ray(jobs, store, options(ledgers=ledgers), **kw), timeout=300))


def test_200_items_on_ray_match_the_local_executor(tmp_path, local_ray):
    items = [make_item(i, answer="ABCD"[i % 4]) for i in range(200)]
    with FaultServer(lifetime_s=300) as url:
        spec = f"openai-compat:{url}#fault"

        def plan():
            return RunPlan(benchmark="toy", subset="test", model_spec=spec, method=build_method("cot", {}), items=items)

        local_store, ray_store = Store(tmp_path / "local"), Store(tmp_path / "ray")
        local = asyncio.run(execute(plan(), load_model(spec), local_store))
        (on_ray,) = run_ray([(plan(), load_model(spec))], ray_store, ledgers=2)  # tasks over two ledgers
    assert on_ray["n_done"] == 200 and 0 < on_ray["accuracy"] < 1
    assert {k: on_ray[k] for k in ANSWER_FIELDS} == {k: local[k] for k in ANSWER_FIELDS}
    assert stored_answers(ray_store, on_ray["run_id"]) == stored_answers(local_store, local["run_id"])
    assert ray_store.count_calls() == local_store.count_calls() == 200
    assert ray_store.get_run(on_ray["run_id"])["status"] == "complete"


def test_6_cell_grid_on_ray_matches_the_local_executor(tmp_path, local_ray):
    from clinreason.cli._executor import execute_all

    items = [make_item(i, answer="ABCD"[i % 4]) for i in range(12)]
    with FaultServer(lifetime_s=300) as url:
        spec = grid.GridSpec(benchmarks=["toy"], methods=["direct", "cot", "cot_sc:n=3,adaptive=false"],
                             models=[f"openai-compat:{url}#a", f"openai-compat:{url}#b"], subset="test")

        def go(store, run_all=None):
            return asyncio.run(grid.run_grid(spec, store, load_items=lambda b, s: (b, s, items),
                                             load_pool=None, load_model=load_model, execute_all=run_all))

        local_store, ray_store = Store(tmp_path / "local"), Store(tmp_path / "ray")
        local = go(local_store)
        on_ray = go(ray_store, execute_all(ray_store, options(), None))
    assert len(local) == len(on_ray) == 6
    keep = ("benchmark", "model", "method", "n_done", "accuracy", "tokens_per_item", "calls_per_item", "run_id")
    assert [{k: r[k] for k in keep} for r in on_ray] == [{k: r[k] for k in keep} for r in local]
    assert any(r["calls_per_item"] == 3.0 for r in on_ray)  # cot_sc's samples went out on Ray too
    for row in on_ray:
        assert stored_answers(ray_store, row["run_id"]) == stored_answers(local_store, row["run_id"])
    assert ray_store.count_calls() == local_store.count_calls()


def test_killed_worker_is_retried_without_losing_or_repaying(tmp_path, local_ray):
    from clinreason.engine.ray_faults import KillOnce

    items = [make_item(i, answer="ABCD"[i % 4]) for i in range(60)]
    marker = tmp_path / "killed"
    server = FaultServer(lifetime_s=300)
    url = server.start()
    try:
        spec = f"openai-compat:{url}#fault"
        plan = RunPlan(benchmark="toy", subset="test", model_spec=spec, method=build_method("cot", {}), items=items)
        store = Store(tmp_path / "ray")
        # concurrency 1: at the kill no request of the killed task is in flight, so every request
        # the server saw was answered, and each answered one must be asked once in all.
        (summary,) = run_ray([(plan, load_model(spec))], store, concurrency=1, hook=KillOnce(marker, after=3))
    finally:
        server.stop()
    assert marker.exists()  # a worker was killed mid-run
    preds = store.predictions(summary["run_id"])
    assert len(preds) == 60 and len({p["item_id"] for p in preds}) == 60
    asked = questions(server.bodies)
    assert max(asked.values()) == 1  # no call paid twice (the killed item's call came from the ledger)
    assert server.requests == len(asked) == store.count_calls() == 60
    assert sum(p["n_cached"] for p in preds) == 1  # the item redone by the retry: its call replayed
    assert summary["n_done"] == 60


def test_resumed_run_is_served_the_stores_calls_on_the_nodes(tmp_path, local_ray):
    """What a killed driver leaves: calls stored for items without a prediction. The rerun on Ray
    must serve them from the store (sent with each task), not ask the model again."""
    items = [make_item(i, answer="ABCD"[i % 4]) for i in range(30)]
    server = FaultServer(lifetime_s=300)
    url = server.start()
    try:
        spec = f"openai-compat:{url}#fault"

        def plan():
            return RunPlan(benchmark="toy", subset="test", model_spec=spec, method=build_method("cot", {}), items=items)

        store = Store(tmp_path / "ray")
        first = asyncio.run(execute(plan(), load_model(spec), store))
        lost = [f"q{i}" for i in range(0, 30, 3)]  # their calls stay stored; their predictions are gone
        with store.transaction() as db:
            db.executemany("DELETE FROM scores WHERE run_id = ? AND item_id = ?", [(first["run_id"], i) for i in lost])
            db.executemany("DELETE FROM predictions WHERE run_id = ? AND item_id = ?", [(first["run_id"], i) for i in lost])
        asked = server.requests
        (summary,) = run_ray([(plan(), load_model(spec))], store)
    finally:
        server.stop()
    assert server.requests == asked == 30  # nothing asked again
    preds = {p["item_id"]: p for p in store.predictions(summary["run_id"])}
    assert len(preds) == 30 and all(preds[i]["n_cached"] == 1 and preds[i]["n_calls"] == 0 for i in lost)
    assert summary["accuracy"] == first["accuracy"]
