"""MedCalc-Bench `tools` runs with the real SmolLM2 model, in process and through llama-cpp-python's
OpenAI-compatible server: behaviour only (items stored, tool offers on the wire, tool uses recorded
per item), never the 135M model's answers."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from clinreason.cli import app
from clinreason.models.llamacpp import bundled_smollm2

from _server import llama_server

pytestmark = [pytest.mark.model]


def run_tools(shared_data, out, spec: str, n: int) -> dict:
    result = CliRunner().invoke(app, ["run", "medcalc_bench", "--method", "tools", "-n", str(n), "-m", spec,
                                      "--data-dir", str(shared_data), "--out", str(out), "-p", "max_tokens=96",
                                      "-p", "max_rounds=1", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[result.output.index("{"):])
    assert summary["n_done"] == n and summary["errors"] == 0
    with sqlite3.connect(out / "clinreason.db") as db:
        preds = [json.loads(i) for (i,) in db.execute("SELECT info FROM predictions WHERE run_id=?", (summary["run_id"],))]
        params = [json.loads(p) for (p,) in db.execute("SELECT params FROM calls WHERE run_id=?", (summary["run_id"],))]
        scorers = {s for (s,) in db.execute("SELECT DISTINCT scorer FROM scores WHERE run_id=?", (summary["run_id"],))}
    assert len(preds) == n and all(isinstance(p.get("tool_uses"), list) for p in preds)
    offered = {t["name"] for p in params for t in p.get("tools") or []}
    assert offered == {"calculator", "medcalc_creatinine_clearance"}
    assert {"answer", "medcalc_errors"} <= scorers
    return summary


def test_tools_run_embedded(shared_data, tmp_path):
    run_tools(shared_data, tmp_path, "smollm2", 1)


@pytest.mark.server
def test_tools_run_through_openai_server(shared_data, tmp_path):
    try:
        with llama_server(bundled_smollm2()) as url:
            run_tools(shared_data, tmp_path, f"openai-compat:{url}#smollm2", 2)
    except RuntimeError as e:
        pytest.fail(str(e))
