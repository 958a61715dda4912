"""CLI hardening: every option value is checked before anything is written; a run where every
item failed says why and exits non-zero; missing stores and directory outputs are clean errors;
SIGTERM stops a run like Ctrl-C; logs get whole progress lines; bracketed text prints verbatim;
reference and partial runs are shown for what they are. The model is the fault server."""

from __future__ import annotations

import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clinreason.cli import app
from clinreason.methods import build_method
from clinreason.store import Store
from clinreason.testing.fault_server import FaultServer

NOWHERE = "openai-compat:http://127.0.0.1:9/v1#m"  # never contacted: the checks come first


def record(i: int) -> dict:
    return {"id": f"q{i}", "question": f"Hardening question {i}?",
            "options": {"A": "alpha", "B": "beta", "C": "gamma", "D": "delta"}, "answer": "ABCD"[i % 4]}


def data_file(tmp_path: Path, n: int = 3, name: str = "data.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(record(i)) + "\n" for i in range(n)))
    return path


def invoke(*args: str):
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def one_line(output: str) -> str:
    return " ".join(output.split())


@pytest.fixture(scope="module")
def url():
    with FaultServer(lifetime_s=300) as u:
        yield u


# --- 15: bad values are refused before anything is written --------------------------------------
RUN_BAD = {
    "concurrency_0": (["-c", "0"], "--concurrency must be at least 1"),
    "concurrency_negative": (["-c", "-1"], "--concurrency must be at least 1"),
    "timeout_0": (["--timeout", "0"], "--timeout must be a positive number"),
    "timeout_negative": (["--timeout", "-1"], "--timeout must be a positive number"),
    "timeout_nan": (["--timeout", "nan"], "--timeout must be a positive number"),
    "max_rpm_0": (["--max-rpm", "0"], "--max-rpm must be a positive number"),
    "max_rpm_negative": (["--max-rpm", "-5"], "--max-rpm must be a positive number"),
    "max_tpm_0": (["--max-tpm", "0"], "--max-tpm must be a positive number"),
    "empty_model": (["-m", ""], "--model must not be empty"),
    "not_a_url": (["-m", "openai-compat:notaurl#m"], "not an http:// or https:// URL"),
    "cot_sc_n_0": (["--method", "cot_sc", "-p", "n=0"], "n: Input should be greater than or equal to 1"),
    "temperature_nan": (["-p", "temperature=NaN"], "temperature"),
    "temperature_negative": (["-p", "temperature=-0.5"], "temperature"),
    "max_tokens_0": (["-p", "max_tokens=0"], "max_tokens"),
    "limit_0": (["--limit", "0"], "--limit must be at least 1"),
    "seed_negative": (["--seed", "-1"], "--seed must be at least 0"),
    "empty_subset": (["--subset", ""], "--subset must not be empty"),
    "empty_run_name": (["--run-name", ""], "--run-name must not be empty"),
    "empty_judge": (["--judge", ""], "--judge must not be empty"),
    "judge_not_a_url": (["--judge", "openai-compat:ftp://x/v1#j"], "not an http:// or https:// URL"),
    "unknown_rubric": (["--judge", NOWHERE, "--rubric", "nonsense"], "nonsense"),
    "rubric_without_judge": (["--rubric", "medec"], "--rubric needs --judge"),
}


@pytest.mark.parametrize("case", sorted(RUN_BAD))
def test_run_refuses_bad_values_before_writing(tmp_path, case):
    extra, words = RUN_BAD[case]
    out = tmp_path / "results"
    model = [] if "-m" in extra else ["-m", NOWHERE]
    code, output = invoke("run", data_file(tmp_path), "--out", out, *model, *extra)
    assert code == 2, output
    assert words in one_line(output), output
    assert "Traceback" not in output
    assert not out.exists(), f"{case}: wrote {list(out.rglob('*'))}"


GRID_BAD = {
    "concurrency_0": (["-c", "0"], "--concurrency must be at least 1"),
    "limit_0": (["--limit", "0"], "--limit must be at least 1"),
    "seed_negative": (["--seed", "-2"], "--seed must be at least 0"),
    "no_models": (["--models", ""], "--models must name at least one"),
    "not_a_url": (["--models", "openai-compat:notaurl#m"], "not an http:// or https:// URL"),
    "bad_param_of_a_later_method": (["--methods", "direct,cot_sc", "-p", "cot_sc.n=0"], "greater than or equal to 1"),
    "missing_benchmark_file": (["-b", "nope.jsonl"], "no such file"),
}


@pytest.mark.parametrize("case", sorted(GRID_BAD))
def test_grid_refuses_bad_values_before_writing(tmp_path, case):
    extra, words = GRID_BAD[case]
    out = tmp_path / "results"
    base = {"-b": str(data_file(tmp_path)), "--models": NOWHERE, "--methods": "direct"}
    args = []
    for flag, value in base.items():
        if flag not in extra:
            args += [flag, value]
    code, output = invoke("grid", *args, "--out", out, *extra)
    assert code == 2, output
    assert words in one_line(output), output
    assert not out.exists(), f"{case}: wrote {list(out.rglob('*'))}"


def test_method_params_are_validated():
    for name, params in [("cot_sc", {"n": 0}), ("cot", {"temperature": math.nan}), ("cot", {"temperature": -1}),
                         ("cot", {"max_tokens": 0}), ("cot_sc", {"temperature": math.inf}),
                         ("cot_sc", {"stop_share": 1.5}), ("medprompt", {"n": 0}), ("debate", {"agents": 0}),
                         ("fewshot", {"k": 0}), ("budget", {"budget": 0}), ("ask_patient", {"patient_tokens": 0})]:
        with pytest.raises(ValueError, match="bad parameters"):
            build_method(name, params)
    assert build_method("cot_sc", {"n": 1, "temperature": 0.0}).params.n == 1
    assert build_method("medagents", {"rounds": 0}).params.rounds == 0


@pytest.mark.parametrize("args,words", [
    (["view", "--port", "-1"], "--port must be at least 0"),
    (["view", "--port", "70000"], "--port must be at most 65535"),
    (["view", "--duration", "0"], "--duration must be a positive number"),
    (["export", "--all", "-o", "rows.xml"], "name a .jsonl, .csv or .parquet file"),
    (["export", "--all", "-o", "rows.csv", "--format", "xml"], "--format 'xml'"),
])
def test_other_commands_refuse_bad_values(tmp_path, url, args, words):
    out = _one_run(tmp_path, url)
    args = [a if a != "rows.csv" and a != "rows.xml" else str(tmp_path / a) for a in args]
    where = ["--results", out] if args[0] == "export" else [out]
    code, output = invoke(*args, *where)
    assert code == 2, output
    assert words in one_line(output), output
    assert not list(tmp_path.glob("rows.*"))


def test_merge_refuses_a_file_as_target_and_itself(tmp_path, url):
    out = _one_run(tmp_path, url)
    not_a_dir = tmp_path / "plain.txt"
    not_a_dir.write_text("x")
    code, output = invoke("merge", out, "--out", not_a_dir)
    assert code == 2 and "not a directory" in one_line(output), output
    code, output = invoke("merge", out, "--out", out)
    assert code == 2 and "into itself" in one_line(output), output


_RUNS: dict[str, Path] = {}


def _one_run(tmp_path: Path, url: str, n: int = 3, *extra: str) -> Path:
    out = tmp_path / "done"
    code, output = invoke("run", data_file(tmp_path, n), "--out", out, "-m", f"openai-compat:{url}#fault",
                          "--method", "direct", "--timeout", "30", *extra)
    assert code == 0, output
    return out


# --- 16: a run where every item failed says why and exits 1 -------------------------------------
def test_a_run_where_every_item_failed_says_why_and_exits_1(tmp_path):
    with FaultServer(default="400", lifetime_s=60) as u:
        out = tmp_path / "results"
        code, output = invoke("run", data_file(tmp_path, 3), "--out", out, "-m", f"openai-compat:{u}#fault",
                              "--method", "direct")
    text = one_line(output)
    assert code == 1, output
    assert "all 3 items failed" in text and "3×" in text and "400" in text, output
    assert "--retry-errors" in text


def test_a_run_with_some_failed_items_counts_them_and_names_retry_errors(tmp_path):
    with FaultServer(faults=["400"], lifetime_s=60) as u:
        out = tmp_path / "results"
        code, output = invoke("run", data_file(tmp_path, 3), "--out", out, "-m", f"openai-compat:{u}#fault",
                              "--method", "direct", "-c", "1")
    text = one_line(output)
    assert code == 0, output
    assert "1 of 3 items failed" in text and "--retry-errors" in text, output


def test_a_run_that_connects_nowhere_exits_1(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, output = invoke("run", data_file(tmp_path, 1), "--out", tmp_path / "r", "-m",
                          f"openai-compat:http://127.0.0.1:{port}/v1#m", "--method", "direct", "--timeout", "2")
    assert code == 1, output
    assert "all 1 items failed" in one_line(output) and "connect" in one_line(output).lower()


# --- 17: directory outputs and missing stores ----------------------------------------------------
def test_report_to_a_directory_is_a_clean_error_and_leaves_no_temp_file(tmp_path, url):
    out = _one_run(tmp_path, url)
    target = tmp_path / "a_dir"
    target.mkdir()
    code, output = invoke("report", "--all", "-r", out, "-o", target)
    assert code == 2, output
    assert "is a directory" in one_line(output) and "Traceback" not in output
    assert not list(tmp_path.rglob("*.tmp")) and not list(target.iterdir())
    code, output = invoke("report", "--all", "-r", out, "-o", out)  # the results directory itself
    assert code == 2 and "is a directory" in one_line(output), output
    code, output = invoke("export", "--all", "-r", out, "-o", target)
    assert code == 2 and "is a directory" in one_line(output), output


@pytest.mark.parametrize("args", [["show"], ["show", "some-run"], ["report", "--all", "-r"], ["export", "--all", "-o", "x.csv", "-r"],
                                  ["regrade", "some-run", "--out"], ["view"]])
def test_reading_commands_never_create_a_store(tmp_path, args):
    missing = tmp_path / "nothing-here"
    if args[0] in ("show",):
        args = [*args, "--out"]
    args = [str(tmp_path / a) if a == "x.csv" else a for a in args]
    code, output = invoke(*args, missing)
    assert code == 2, output
    assert f"no results in {missing}" in one_line(output) and "clinreason run" in output, output
    assert not missing.exists()


# --- 19: SIGTERM is Ctrl-C -----------------------------------------------------------------------
def _count(db: Path, sql: str):
    try:
        with sqlite3.connect(db, timeout=30) as con:
            return con.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_sigterm_stops_a_run_like_ctrl_c_and_the_same_command_resumes(tmp_path):
    n = 12
    data = data_file(tmp_path, n)
    out = tmp_path / "results"
    db = out / "clinreason.db"
    with FaultServer(delay_s=0.4, lifetime_s=120) as u:
        command = [sys.executable, "-m", "clinreason", "run", str(data), "--out", str(out), "--method", "direct",
                   "-m", f"openai-compat:{u}#fault", "-c", "1"]
        proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        try:
            while _count(db, "SELECT COUNT(*) FROM predictions") < 2:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "no progress"
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            stdout, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 143, (proc.returncode, stdout, stderr)
        message = one_line(stderr)
        assert "terminated" in message and "rerun the same command to resume" in message, stderr
        kept = _count(db, "SELECT COUNT(*) FROM predictions")
        assert 2 <= kept < n
        assert f"{kept} of {n} items are saved" in message, stderr
        assert _count(db, "SELECT status FROM runs") == "interrupted"
        summary = json.loads(_count(db, "SELECT summary FROM runs"))
        assert summary["n_done"] == kept

        again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"resuming: {kept}/{n} items already done" in again.stderr
    assert _count(db, "SELECT COUNT(*) FROM predictions") == n
    assert _count(db, "SELECT status FROM runs") == "complete"


def test_sigterm_stops_a_grid_with_a_message(tmp_path):
    data = data_file(tmp_path, 12)
    out = tmp_path / "results"
    db = out / "clinreason.db"
    with FaultServer(delay_s=0.4, lifetime_s=120) as u:
        command = [sys.executable, "-m", "clinreason", "grid", "-b", str(data), "--methods", "direct",
                   "--models", f"openai-compat:{u}#fault", "-c", "1", "--out", str(out)]
        proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        try:
            while _count(db, "SELECT COUNT(*) FROM predictions") < 1:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "no progress"
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            stdout, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 143, (proc.returncode, stdout, stderr)
    assert "rerun the same command to resume" in one_line(stderr)
    assert _count(db, "SELECT status FROM runs") == "interrupted"


# --- 20: logs, --help, brackets -----------------------------------------------------------------
def test_progress_in_a_log_is_whole_lines(tmp_path, url):
    code, output = invoke("run", data_file(tmp_path, 3), "--out", tmp_path / "r", "-m", f"openai-compat:{url}#fault",
                          "--method", "direct", "-c", "1")
    assert code == 0, output
    assert "\r" not in output
    lines = output.splitlines()
    for done in (1, 2, 3):
        assert any(line.startswith(f"{done}/3 items · ") for line in lines), output


@pytest.mark.parametrize("command", [["run"], ["grid"], ["show"], ["report"], ["export"], ["merge"], ["regrade"],
                                     ["view"], ["list"], ["judge"], ["import", "medagentsbench"], []])
def test_help_shows_no_bool_type_on_flags(command):
    code, output = invoke(*command, "--help")
    assert code == 0, output
    assert "<bool>" not in output and "--help" in output


def test_an_error_message_with_brackets_prints_verbatim(tmp_path, monkeypatch):
    import clinreason.models as models
    from clinreason.models import ModelError

    def broken(*a, **kw):
        raise ModelError("llama-cpp-python is not installed (pip install 'clinreason[local]')")

    monkeypatch.setattr(models, "load_model", broken)
    code, output = invoke("run", data_file(tmp_path), "--out", tmp_path / "r", "-m", NOWHERE)
    assert code == 2, output
    assert "pip install 'clinreason[local]'" in output
    code, output = invoke("run", tmp_path / "data[local].jsonl", "--out", tmp_path / "r", "-m", NOWHERE)
    assert code == 2 and "data[local].jsonl" in output, output


def test_a_run_name_with_brackets_is_refused_verbatim(tmp_path):
    code, output = invoke("run", data_file(tmp_path), "--out", tmp_path / "r", "-m", NOWHERE, "--run-name", "my[bold]run")
    assert code == 2, output
    assert "my[bold]run" in output
    assert not (tmp_path / "r").exists()


def test_bracketed_benchmark_and_model_names_print_verbatim(tmp_path, url):
    data = data_file(tmp_path, 2, name="bench[red]x.jsonl")
    out = tmp_path / "r"
    code, output = invoke("run", data, "--out", out, "-m", f"openai-compat:{url}#fault[v2]", "--method", "direct")
    assert code == 0, output
    assert "bench[red]x" in output and "fault[v2]" in output, output
    code, output = invoke("show", "--out", out)
    assert code == 0 and "bench[red]x" in output, output
    run_id = Store(out).list_runs()[0]["id"]
    code, output = invoke("show", run_id, "--out", out)
    assert code == 0 and "bench[red]x" in output and "fault[v2]" in output, output


# --- 21: reference runs and partial runs ----------------------------------------------------------
def test_reference_runs_hide_strict_format_accuracy(tmp_path, url):
    out = _one_run(tmp_path, url)
    store = Store(out)
    (run,) = store.list_runs()
    code, output = invoke("show", run["id"], "--out", out)
    assert code == 0 and "strict-format accuracy" in output, output
    store.db.execute("UPDATE runs SET config = json_set(config, '$.reference', json('true')) WHERE id = ?", (run["id"],))
    code, output = invoke("show", run["id"], "--out", out)
    assert code == 0, output
    assert "strict-format accuracy" not in output and "published reference run" in output


def test_partial_runs_are_flagged_in_the_cli_and_the_report(tmp_path, url):
    data = data_file(tmp_path, 5, name="toybench.jsonl")
    out = tmp_path / "r"
    code, output = invoke("run", data, "--out", out, "-m", f"openai-compat:{url}#fault", "--method", "direct",
                          "--limit", "2")
    assert code == 0, output
    assert "2 of 5 items of toybench" in one_line(output), output
    (run,) = Store(out).list_runs()
    assert run["config"]["subset_size"] == 5 and run["n_items"] == 2
    code, output = invoke("show", run["id"], "--out", out)
    assert "2 of 5 items of toybench" in one_line(output), output
    code, output = invoke("show", "--out", out)
    assert "2/2 (of 5)" in output, output
    report = tmp_path / "report.html"
    code, output = invoke("report", "--all", "-r", out, "-o", report)
    assert code == 0, output
    assert "2 of 5 items of toybench" in report.read_text()
    # The whole file: not flagged.
    out2 = tmp_path / "r2"
    code, output = invoke("run", data, "--out", out2, "-m", f"openai-compat:{url}#fault", "--method", "direct")
    assert code == 0 and "items of toybench" not in one_line(output), output
    assert "not the whole benchmark" not in output
