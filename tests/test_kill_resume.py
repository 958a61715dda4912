"""kill -9 a real run mid-way; the same command then finishes it with every item exactly once
and no model call repeated for a response already stored."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import db_count

pytestmark = pytest.mark.model

N = 8


def command(out):
    return [sys.executable, "-m", "clinreason", "run", "medqa", "--subset", "test_hard", "--limit", str(N),
            "--method", "cot", "--out", str(out)]



def test_kill_9_then_resume(tmp_path, shared_data):
    out = tmp_path / "results"
    db = out / "clinreason.db"
    env = {**os.environ, "CLINREASON_DATA": str(shared_data)}
    proc = subprocess.Popen(command(out), cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    try:
        while db_count(db, "SELECT COUNT(*) FROM predictions") < 2:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    done_before = db_count(db, "SELECT COUNT(*) FROM predictions")
    calls_before = db_count(db, "SELECT COUNT(*) FROM calls WHERE error IS NULL")
    assert 2 <= done_before < N, "kill came too late to test anything"

    resumed = subprocess.run(command(out), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr

    assert db_count(db, "SELECT COUNT(*) FROM predictions") == N
    assert db_count(db, "SELECT COUNT(DISTINCT item_id) FROM predictions") == N
    assert db_count(db, "SELECT COUNT(*) FROM runs") == 1
    # Each stored response was requested once: no cache key answered twice.
    assert db_count(db, "SELECT COUNT(*) FROM (SELECT cache_key FROM calls WHERE error IS NULL "
                     "GROUP BY cache_key HAVING COUNT(*) > 1)") == 0
    # cot makes one call per item: responses stored before the kill (one may belong to the item
    # in flight) were reused, so the total is exactly one call per item.
    assert calls_before >= done_before
    assert db_count(db, "SELECT COUNT(*) FROM calls WHERE error IS NULL") == N
