"""The HTML report's content (without a browser): leaderboard, charts, escaping, and `view`."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request

import pytest

from clinreason.report import build_report, collect, json_for_script, resolve_runs
from clinreason.report.charts import pareto_front

from report_fixtures import XSS, build_store


@pytest.fixture
def store_runs(tmp_path):
    return build_store(tmp_path / "results")


def embedded_data(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S).group(1)
    return json.loads(block)


def test_json_for_script_cannot_break_out():
    text = str(json_for_script({"x": XSS, "y": "\u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"x": XSS, "y": "\u2028"}


def test_report_has_leaderboard_charts_and_item_data(store_runs):
    store, run_ids = store_runs
    html = build_report(store, run_ids)
    # every data-derived string is escaped: the only <script> elements are ours
    assert html.count("<script") == 2 and "window.__xss=1</script>" not in html
    assert "<img" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    for chart in ("chart-accuracy", "chart-pareto", "chart-heat-subject", "chart-reliability"):
        assert f'id="{chart}"' in html
    assert "judge:reasoning" in html  # a judge column, since judge scores exist
    data = embedded_data(html)
    assert [r["run_id"] for r in data["runs"]] == run_ids
    item = next(i for i in data["items"] if i["id"] == "q1")
    oracle = item["results"][run_ids[0]]
    assert oracle["status"] == "correct" and XSS in oracle["output"]
    assert oracle["judges"][0]["label"] == "partly sound"
    call = oracle["trace"][0]
    assert [m["role"] for m in call["messages"]] == ["system", "user"] and call["response"] == oracle["output"]
    assert item["results"][run_ids[1]]["status"] == "wrong"
    assert sorted(data["subjects"]) == ["cardiology", "ethics", "renal"]


def test_leaderboard_numbers_match_the_store(store_runs):
    store, run_ids = store_runs
    runs = {r["run_id"]: r for r in collect(store, run_ids)["runs"]}
    oracle, guesser = runs[run_ids[0]], runs[run_ids[1]]
    assert oracle["accuracy"] == 1.0 and guesser["accuracy"] == pytest.approx(2 / 6)
    assert guesser["unparsed_rate"] == pytest.approx(1 / 6)
    assert oracle["calls_per_item"] == 1.0 and oracle["tokens_per_item"] > 0
    assert oracle["judges"] == {"judge:reasoning": 0.5}
    assert guesser["ci_low"] <= guesser["accuracy"] <= guesser["ci_high"]


def test_run_names_are_escaped_in_markup(tmp_path, store_runs):
    store, run_ids = store_runs
    store.db.execute("UPDATE runs SET model=? WHERE id=?", ('<b onmouseover="x()">evil</b>', run_ids[0]))
    html = build_report(store, run_ids)
    assert "<b onmouseover" not in html and "&lt;b onmouseover=" in html


def test_no_reliability_chart_without_confidences(store_runs):
    store, run_ids = store_runs
    html = build_report(store, run_ids[1:])
    assert 'id="chart-reliability"' not in html and 'id="no-reliability"' in html


def test_pareto_front():
    # (tokens, accuracy): 0 and 2 are on the front; 1 costs more than 0 for less; 3 is beaten by 2
    assert pareto_front([(10, 0.5), (20, 0.4), (30, 0.8), (40, 0.8)]) == [0, 2]


def test_resolve_runs_by_prefix(store_runs):
    store, run_ids = store_runs
    assert resolve_runs(store, [run_ids[1][:12]]) == [run_ids[1]]
    assert resolve_runs(store, [], all_runs=True) == run_ids
    with pytest.raises(ValueError, match="matches 2 runs"):
        resolve_runs(store, ["toy-"])
    with pytest.raises(KeyError):
        resolve_runs(store, ["nope"])


def test_view_serves_live_report_on_localhost_and_stops(tmp_path, store_runs):
    from clinreason.report.server import serve

    port: list[int] = []
    thread = threading.Thread(target=serve, args=(tmp_path / "results",),
                              kwargs={"port": 0, "duration_s": 3.0, "on_bound": port.append}, daemon=True)
    started = time.time()
    thread.start()
    while not port and time.time() - started < 5:
        time.sleep(0.05)
    with urllib.request.urlopen(f"http://127.0.0.1:{port[0]}/", timeout=10) as response:
        html = response.read().decode()
    assert "live view" in html and len(embedded_data(html)["runs"]) == 2
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"http://127.0.0.1:{port[0]}/../clinreason.db", timeout=10)
    thread.join(timeout=10)
    assert not thread.is_alive()  # stopped by itself after its duration
