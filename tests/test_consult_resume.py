"""kill -9 a consultation run in the middle of an episode; the same run then finishes with one
prediction per item, and no doctor turn already answered is requested again (the episode replays
from the call cache, because every prompt is a function of the dialogue so far and seeds are fixed)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import db_count

pytestmark = pytest.mark.slow

N = 4
CALLS_PER_ITEM = 7  # 3 questions x (doctor turn + intermediate answer) + the final answer

RUNNER = textwrap.dedent('''
    import asyncio, sys
    from clinreason import engine
    from clinreason.items import Item
    from clinreason.methods import build_method
    from clinreason.models.scripted import ScriptedModel
    from clinreason.store import Store

    def script(messages, params, i):
        user = messages[-1].content
        if "most likely answer" in user:
            return "ANSWER: A"
        asked = user.count("\\nDoctor:")
        return ["QUESTION: Any fever?", "QUESTION: Any knee pain?", "QUESTION: Any cough?", "ANSWER: B"][asked]

    facts = ("Patient complains of fever.", "Patient has pain in the right knee.", "Joint fluid shows diplococci.")
    items = [Item(id=f"c{i}", benchmark="toy", question=f"Diagnosis {i}?", options={"A": "Gout", "B": "Septic"},
                  answer="B", facts=facts, metadata={"presentation": f"Patient {i} has a painful knee."})
             for i in range(%d)]
    plan = engine.RunPlan(benchmark="toy", subset="test", model_spec="scripted", method=build_method("consult"),
                          items=items)
    summary = asyncio.run(engine.execute(plan, ScriptedModel(script, delay_s=0.12), Store(sys.argv[1]),
                                         concurrency=1))
    print(summary["n_done"])
''' % N)



IN_FLIGHT = "SELECT COUNT(*) FROM calls WHERE error IS NULL AND item_id NOT IN (SELECT item_id FROM predictions)"


def test_kill_9_mid_episode_resumes_without_paying_a_turn_twice(tmp_path):
    script = tmp_path / "runner.py"
    script.write_text(RUNNER)
    out = tmp_path / "results"
    db = out / "clinreason.db"
    proc = subprocess.Popen([sys.executable, str(script), str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    try:
        # Mid-episode: one item done, and the next one has some turns stored but no prediction.
        while not (db_count(db, "SELECT COUNT(*) FROM predictions") >= 1 and db_count(db, IN_FLIGHT) >= 2):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    done_before = db_count(db, "SELECT COUNT(*) FROM predictions")
    in_flight = db_count(db, IN_FLIGHT)
    assert done_before < N and in_flight >= 2, "kill came too late to test anything"

    resumed = subprocess.run([sys.executable, str(script), str(out)], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert db_count(db, "SELECT COUNT(*) FROM predictions") == N
    assert db_count(db, "SELECT COUNT(DISTINCT item_id) FROM predictions") == N
    # Every request was answered once: the interrupted episode's turns came back from the cache.
    assert db_count(db, "SELECT COUNT(*) FROM (SELECT cache_key FROM calls WHERE error IS NULL "
                     "GROUP BY cache_key HAVING COUNT(*) > 1)") == 0
    assert db_count(db, "SELECT COUNT(*) FROM calls WHERE error IS NULL") == N * CALLS_PER_ITEM
    with sqlite3.connect(db) as con:
        cached = con.execute("SELECT n_cached FROM predictions WHERE n_cached > 0").fetchall()
    assert cached and cached[0][0] >= in_flight - 1  # the replayed turns (one may have been in flight)
