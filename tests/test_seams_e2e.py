"""The seams end to end on real models through the real CLI: a two-role method (the model asks,
a patient model answers) and a one-tool method (calculator), on the embedded SmolLM2 and on an
OpenAI-compatible server (llama-cpp-python's, serving the same GGUF); a run split across two
result directories and merged equals the run done in one place.

The model is tiny: what is asserted is that every path works, never what it answers."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from clinreason.models.llamacpp import bundled_smollm2

from _server import llama_server

pytestmark = pytest.mark.model


def clinreason(*args, data, cwd, timeout=900):
    return subprocess.run([sys.executable, "-m", "clinreason", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env={**os.environ, "CLINREASON_DATA": str(data), "COLUMNS": "200"})


def run_json(*args, data, cwd) -> dict:
    proc = clinreason(*args, "--json", data=data, cwd=cwd)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout[proc.stdout.index("{"):])


def trace_kinds(out, run_id) -> list[list[str]]:
    with sqlite3.connect(out / "clinreason.db") as db:
        rows = db.execute("SELECT trace FROM predictions WHERE run_id=?", (run_id,)).fetchall()
    return [[e.get("type", "model_call") + (":" + (e.get("speaker") or e.get("role") or "")) for e in json.loads(t)]
            for (t,) in rows]


def two_role_and_tool_runs(model_spec: str, patient_spec: str, data, tmp_path):
    out = tmp_path / "r"
    ask = run_json("run", "medqa", "--subset", "test_hard", "--limit", "2", "--method", "ask_patient", "-m", model_spec,
                   "--patient", patient_spec, "-p", "max_tokens=48", "--out", str(out), data=data, cwd=tmp_path)
    assert ask["n_done"] == 2 and ask["errors"] == 0
    assert ask["roles"]["patient"]["calls"] == 2
    for kinds in trace_kinds(out, ask["run_id"]):
        assert kinds == ["model_call:model", "turn:doctor", "model_call:patient", "turn:patient", "model_call:model"]

    tools = run_json("run", "medqa", "--subset", "test_hard", "--limit", "2", "--method", "tools", "-m", model_spec,
                     "-p", "max_tokens=64", "-p", "max_rounds=1", "--out", str(out), data=data, cwd=tmp_path)
    assert tools["n_done"] == 2 and tools["errors"] == 0
    with sqlite3.connect(out / "clinreason.db") as db:
        params = [json.loads(p) for (p,) in db.execute("SELECT params FROM calls WHERE run_id=?", (tools["run_id"],))]
    assert params and all(p.get("tools", [{}])[0].get("name") == "calculator" for p in params if p.get("tools"))
    assert any(p.get("tools") for p in params)  # the tool was offered on the wire
    return ask, tools


def test_two_roles_and_a_tool_on_the_embedded_model(shared_data, tmp_path):
    two_role_and_tool_runs("smollm2", "smollm2", shared_data, tmp_path)


@pytest.mark.server
def test_two_roles_and_a_tool_on_an_openai_compatible_server(shared_data, tmp_path):
    with llama_server(bundled_smollm2()) as url:
        # The doctor is the server's model; the patient the embedded one: two backends in one run.
        ask, _ = two_role_and_tool_runs(f"openai-compat:{url}#smollm2", "smollm2", shared_data, tmp_path)
    assert ask["model"].startswith("openai-compat:")


def test_a_run_split_across_two_directories_merges_into_the_same_summary(shared_data, tmp_path):
    common = ("run", "medqa", "--subset", "test_hard", "--limit", "4", "--method", "direct", "-p", "max_tokens=16")
    whole = run_json(*common, "--out", str(tmp_path / "whole"), data=shared_data, cwd=tmp_path)
    parts = [run_json(*common, "--shard", f"{i}/2", "--out", str(tmp_path / f"part{i}"), data=shared_data, cwd=tmp_path)
             for i in range(2)]
    assert {p["run_id"] for p in parts} == {whole["run_id"]}  # shards are parts of the one run
    assert [p["n_done"] for p in parts] == [2, 2]
    merged = clinreason("merge", str(tmp_path / "part0"), str(tmp_path / "part1"), "--out", str(tmp_path / "merged"),
                        data=shared_data, cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    shown = clinreason("show", whole["run_id"], "--out", str(tmp_path / "merged"), "--json", data=shared_data, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    summary = json.loads(shown.stdout)
    volatile = {"session", "wall_s_per_item", "wall_s_made_per_item", "wall_s_replayed_per_item"}
    assert {k: v for k, v in summary.items() if k not in volatile} == {k: v for k, v in whole.items() if k not in volatile}
    again = clinreason("merge", str(tmp_path / "part0"), "--out", str(tmp_path / "merged"), data=shared_data, cwd=tmp_path)
    assert again.returncode == 0
    with sqlite3.connect(tmp_path / "merged" / "clinreason.db") as db:
        assert db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0] == 4
        assert db.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == 4
