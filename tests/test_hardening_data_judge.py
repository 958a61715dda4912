"""`clinreason judge` hardening: a failed judge call is one recorded unit, not the end of the
command (`--retry-errors` redoes only those); Ctrl-C / SIGTERM say what was kept; progress in a
log is whole lines; untrusted text is printed literally; bad --limit and a missing store are
refused before anything is written."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clinreason.cli import app
from clinreason.items import Item, TaskType
from clinreason.judges import Judge, judge_run, judge_summary, resolve_rubrics
from clinreason.models import load_model
from clinreason.models.gateway import RetryPolicy
from clinreason.store import DB_NAME, Store
from clinreason.testing.fault_server import FaultServer

REPO = Path(__file__).resolve().parents[1]
FAST = RetryPolicy(max_attempts=5, base_delay_s=0.0, max_delay_s=0.0)


def equivalent_reply(messages, seed=None) -> str:
    return json.dumps({"equivalent": True})


def open_store(path: Path, n: int = 3) -> Store:
    """A stored run of `n` open-ended items, each answered; the equivalence rubric judges each once."""
    store = Store(path)
    items = [Item(id=f"o{i}", benchmark="toy", question=f"Diagnosis {i}?", answer="Sarcoidosis",
                  task=TaskType.open_ended) for i in range(n)]
    store.start_run({"id": "r1", "benchmark": "toy", "subset": None, "model": "m", "model_identity": "m",
                     "method": "cot", "config": {}}, items)
    for item in items:
        store.save_result("r1", item.id, {"status": "ok", "output": f"Thinking.\nANSWER: sarcoidosis {item.id}"}, {})
    return store


def judge_cli(url: str, out: Path, *extra: str):
    return CliRunner().invoke(app, ["judge", "r1", "--judge", f"openai-compat:{url}#judge", "--rubric", "equivalence",
                                    "--out", str(out), "--timeout", "20", *extra])


def labels(store: Store) -> dict[str, str]:
    return {s["item_id"]: s["label"] for s in store.scores("r1", "judge:equivalence")}


# --- 4: one failed judge call is one recorded unit ------------------------------------------------
def test_cli_judge_failure_is_recorded_and_the_rest_is_judged(tmp_path):
    store = open_store(tmp_path)
    with FaultServer(faults=["400"], reply=equivalent_reply, lifetime_s=120) as url:
        result = judge_cli(url, tmp_path)
        assert result.exit_code == 0, result.output
        got = labels(store)
        assert sorted(got) == ["o0", "o1", "o2"]
        assert sorted(got.values()) == ["judge_error", "match", "match"]
        err = next(s for s in store.scores("r1", "judge:equivalence") if s["label"] == "judge_error")
        assert err["value"] is None
        assert "400" in err["detail"]["error"] and err["detail"]["judge"].endswith("judge")
        assert "1 judge error" in result.output and "--retry-errors" in result.output
        summary = judge_summary(store, "r1")["judge:equivalence"]
        assert summary["n_errors"] == 1 and summary["n"] == 3

        # a plain rerun keeps the recorded error (nothing new to judge) ...
        again = judge_cli(url, tmp_path)
        assert again.exit_code == 0, again.output
        assert sorted(labels(store).values()) == ["judge_error", "match", "match"]
        # ... and --retry-errors redoes only the failed unit
        fixed = judge_cli(url, tmp_path, "--retry-errors")
        assert fixed.exit_code == 0, fixed.output
        assert sorted(labels(store).values()) == ["match", "match", "match"]
        assert "1 judgements this session" in fixed.output


def test_runner_five_500s_become_judge_error(tmp_path):
    store = open_store(tmp_path)
    with FaultServer(faults=["500"] * 5, reply=equivalent_reply, lifetime_s=120) as url:
        backend = load_model(f"openai-compat:{url}#judge", timeout_s=20)

        async def go():
            try:
                judge = Judge(backend, store, "r1", retry=FAST)
                # Without control units: the five faults must land on the three real verdicts.
                return await judge_run(store, "r1", judge, resolve_rubrics(["equivalence"]), workers=1,
                                       controls=False)
            finally:
                await backend.aclose()

        progress = asyncio.run(go())
    assert progress.done == 3 and progress.errors == 1
    got = labels(store)
    assert list(got.values()).count("judge_error") == 1 and list(got.values()).count("match") == 2


def test_retry_errors_only_redoes_errors(tmp_path):
    store = open_store(tmp_path)
    store.save_score("r1", "o1", "judge:equivalence", {"value": None, "label": "judge_error",
                                                        "detail": {"error": "boom", "judge": "x"}})
    with FaultServer(reply=equivalent_reply, lifetime_s=120) as url:
        backend = load_model(f"openai-compat:{url}#judge", timeout_s=20)

        async def go():
            try:
                judge = Judge(backend, store, "r1", retry=FAST)
                return await judge_run(store, "r1", judge, resolve_rubrics(["equivalence"]), retry_errors=True)
            finally:
                await backend.aclose()

        progress = asyncio.run(go())
    assert progress.total == 1 and labels(store) == {"o1": "match"}


# --- 19: Ctrl-C / SIGTERM -------------------------------------------------------------------------
@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_says_what_was_kept_and_how_to_resume(tmp_path, sig, code):
    store = open_store(tmp_path, n=40)
    with FaultServer(reply=equivalent_reply, delay_s=0.3, lifetime_s=120) as url:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "clinreason", "judge", "r1", "--judge", f"openai-compat:{url}#judge",
             "--rubric", "equivalence", "--out", str(tmp_path), "--concurrency", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO,
            # A shell running the tests in the background ignores SIGINT, and a child inherits that
            # (Python then installs no Ctrl-C handler): give the child the default disposition back.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.time() + 60
        while time.time() < deadline and not store.scores("r1", "judge:equivalence"):
            time.sleep(0.1)
        assert store.scores("r1", "judge:equivalence"), "no judgement stored in time"
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == code, out
    kept = len(store.scores("r1", "judge:equivalence"))
    assert 0 < kept < 40
    assert "Traceback" not in out
    assert re.search(rf"{kept} judgements? (are )?(stored|kept)", out), out
    assert "rerun the same command" in out


# --- 20: progress as whole lines; untrusted text printed literally --------------------------------
def test_progress_in_a_log_is_whole_lines_and_paths_are_literal(tmp_path):
    out = tmp_path / "res[bold]"
    open_store(out)
    with FaultServer(reply=equivalent_reply, lifetime_s=120) as url:
        result = judge_cli(url, out)
    assert result.exit_code == 0, result.output
    assert not re.search(r"judged\s*\d", result.output.replace("\n", "\n|")), result.output
    assert "\r" not in result.output
    assert "6/6 judged\n" in result.output  # 3 verdicts and the 3 items' control units
    assert "res[bold]" in result.output  # the path, not rich markup


def test_judge_error_text_is_printed_literally(tmp_path):
    store = open_store(tmp_path)
    store.save_score("r1", "o1", "judge:equivalence", {"value": None, "label": "judge_error",
                                                        "detail": {"error": "HTTP 400: [bold]bad[/bold] request", "judge": "x"}})
    result = CliRunner().invoke(app, ["judge", "r1", "--rubric", "medec", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "[bold]bad[/bold] request" in result.output


# --- --limit and a missing store ---------------------------------------------------------------------
@pytest.mark.parametrize("limit", ["-1", "0"])
def test_bad_limit_is_refused_before_anything_is_written(tmp_path, limit):
    store = open_store(tmp_path)
    before = store.db.execute("SELECT COUNT(*) FROM scores").fetchone()[0]
    result = CliRunner().invoke(app, ["judge", "r1", "--rubric", "medec", "--out", str(tmp_path), "--limit", limit])
    assert result.exit_code == 2, result.output
    assert "--limit" in result.output and "at least 1" in result.output
    assert store.db.execute("SELECT COUNT(*) FROM scores").fetchone()[0] == before
    assert not (tmp_path / "runs").exists()


def test_judge_never_creates_a_store(tmp_path):
    empty = tmp_path / "nothing-here"
    result = CliRunner().invoke(app, ["judge", "r1", "--rubric", "medec", "--out", str(empty)])
    assert result.exit_code == 2, result.output
    assert "no such store" in result.output
    assert not (empty / DB_NAME).exists()
