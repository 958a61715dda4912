"""The report regrouped by benchmark (issue 16 item 6) on 50 hand-made runs: per-benchmark
leaderboards on shared items ranked by the Wilson lower bound, the models × benchmarks matrix,
labelled Pareto charts, the compare view, the item browser's among-runs filter, cache replays
timed apart; and the same page in headless Chromium (skipped cleanly without it)."""

from __future__ import annotations

import json
import re

import pytest

from clinreason.report import build_report, collect, write_report
from clinreason.report.groups import MAX_PAIRS, build_groups, matrix

from headless import SHOTS
from report_fixtures import XSS
from report_many_fixtures import build_many


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    return build_many(tmp_path_factory.mktemp("many") / "results")


@pytest.fixture(scope="module")
def many_html(many):
    store, run_ids = many
    return build_report(store, run_ids)


def embedded(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S).group(1))


def test_groups_rank_by_wilson_lower_bound_on_shared_items(many):
    store, run_ids = many
    data = collect(store, run_ids)
    groups = {g["key"]: g for g in build_groups(data["runs"], data["items"])}
    assert set(groups) == {"medqa/test", "pubmedqa/test", "mmlu/test"}
    medqa = groups["medqa/test"]
    assert medqa["n_shared"] == 40
    lows = [r["ci_low"] for r in medqa["rows"]]
    assert lows == sorted(lows, reverse=True)
    tiny = next(r for r in medqa["rows"] if r["run_id"] == "tiny")
    assert tiny["accuracy"] == 1.0 and tiny["n"] == 3 and tiny["fewer"]
    assert tiny["rank"] > 1 and medqa["rows"][0]["accuracy"] < 1.0  # 3 of 3 does not beat 36 of 40
    leader = medqa["rows"][0]
    assert leader["leader"] and not leader["overlaps_leader"]
    for r in medqa["rows"][1:]:
        assert r["overlaps_leader"] == (r["ci_high"] >= leader["ci_low"])
    assert tiny["overlaps_leader"]  # its wide interval reaches the leader's
    # precomputed pairs: capped, each with the flip counts, an interval and McNemar p
    assert 0 < len(medqa["pairs"]) <= MAX_PAIRS
    p = medqa["pairs"][0]
    assert {p["a"], p["b"]} <= {r["run_id"] for r in medqa["rows"]} and p["n"] == 40
    assert p["ci95"][0] <= p["diff"] <= p["ci95"][1] and 0 <= p["p_value"] <= 1


def test_labels_matrix_and_timing(many, many_html):
    store, run_ids = many
    data = collect(store, run_ids)
    labels = [r["label"] for r in data["runs"]]
    assert len(set(labels)) == len(labels)  # the same model and method on three benchmarks: three labels
    assert "smollm2 · direct · medqa/test" in labels and "smollm2 · direct · pubmedqa/test" in labels
    m = matrix(data["runs"])
    assert m["cols"] == ["medqa/test", "pubmedqa/test", "mmlu/test"]
    row = next(r for r in m["rows"] if r["label"] == "smollm2 · direct")
    assert set(row["cells"]) == {"medqa/test", "pubmedqa/test", "mmlu/test"}
    # cache replays: time per item counts only items whose calls were made
    r01 = next(r for r in data["runs"] if r["run_id"] == "r01")
    assert r01["wall_s_made_per_item"] == pytest.approx(2.0) and r01["n_replayed"] == 20
    assert r01["calls_made_per_item"] == pytest.approx(0.5) and r01["calls_cached_per_item"] == pytest.approx(0.5)
    assert "20 replayed items" in many_html
    # sections, one Pareto chart per benchmark with its name and both axes labelled
    html = many_html
    assert html.count('class="bench-group"') == 3 and 'id="matrix-table"' in html and 'id="compare-a"' in html
    pareto = re.findall(r'<figure class="pareto-group">(.*?)</figure>', html, re.S)
    assert len(pareto) == 3
    assert "medqa/test: accuracy on shared items against tokens per item" in pareto[0]
    assert "tinymodel" not in pareto[0]  # 3 items: not on the chart of the shared items
    assert ">accuracy</text>" in pareto[0] and "tokens per item" in pareto[0]
    assert "fewer items (3 of 40)" in html and "CI overlaps leader" in html
    # safety unchanged: the payload only travels as escaped JSON
    assert html.count("<script") == 2 and "window.__xss=1</script>" not in html
    data_json = embedded(html)
    assert len(data_json["groups"]) == 3 and all(len(g["pairs"]) <= MAX_PAIRS for g in data_json["groups"])
    assert any(XSS in (i["results"].get("r00") or {}).get("output", "") for i in data_json["items"])


# --- in a real browser --------------------------------------------------------------------------


BROWSER_HEIGHT = 1100



def _shot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / name))


@pytest.mark.timeout(180)
def test_grouped_report_and_compare_in_chromium(browser, many, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    store, run_ids = many
    path = write_report(store, run_ids, tmp_path / "report.html")
    browser.get(path.as_uri())
    severe = lambda: [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]  # noqa: E731
    assert severe() == []
    groups = browser.find_elements(By.CSS_SELECTOR, "#benchmarks .bench-group")
    assert len(groups) == 3
    first_rows = groups[0].find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(first_rows) == 19 and first_rows[0].get_attribute("class").strip().endswith("leader")
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure.pareto-group svg circle.front")) >= 3
    browser.execute_script("document.getElementById('benchmarks').scrollIntoView()")
    _shot(browser, "grouped-leaderboard.png")
    browser.execute_script("document.querySelector('figure.pareto-group').scrollIntoView()")
    _shot(browser, "grouped-pareto.png")
    browser.execute_script("document.getElementById('matrix').scrollIntoView()")
    _shot(browser, "grouped-matrix.png")

    # compare: defaults to the first benchmark's two best runs; flips add up, flipped items open side by side
    a, b = Select(browser.find_element(By.ID, "compare-a")), Select(browser.find_element(By.ID, "compare-b"))
    assert a.first_selected_option.get_attribute("value") != b.first_selected_option.get_attribute("value")
    a.select_by_value("r00")  # smollm2 direct on medqa (weak) against the medqa leader
    leader = first_rows[0].get_attribute("data-run")
    b.select_by_value(leader)
    cells = [int(td.text) for td in browser.find_elements(By.CSS_SELECTOR, "#flip-table td")]
    assert sum(cells) == 40
    stats = browser.find_element(By.ID, "compare-stats").text
    assert "McNemar p" in stats and "40 shared items" in stats
    flipped = browser.find_elements(By.CSS_SELECTOR, "#flipped-items details.flipped")
    assert len(flipped) == cells[1] + cells[2]  # right→wrong + wrong→right
    xss_item = [f for f in flipped if f.get_attribute("data-key") == "medqa/q1"]
    target = xss_item[0] if xss_item else flipped[0]
    target.find_element(By.TAG_NAME, "summary").click()
    WebDriverWait(browser, 10).until(lambda d: len(target.find_elements(By.CSS_SELECTOR, ".run-card")) == 2)
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.ID, "compare"))
    _shot(browser, "compare-view.png")
    # a pair of different benchmarks shares nothing: said so, no error
    b.select_by_value("r20")
    assert browser.find_elements(By.ID, "compare-none")

    # item browser: "disagree" among two picked runs; agreeing runs collapse behind one card
    status = Select(browser.find_element(By.ID, "filter-status"))
    status.select_by_value("disagree")
    n_all = len(browser.find_elements(By.CSS_SELECTOR, "#item-list li"))
    among = Select(browser.find_element(By.ID, "filter-among"))
    among.select_by_value("r00")
    among.select_by_value(leader)
    keys = [li.get_attribute("data-key") for li in browser.find_elements(By.CSS_SELECTOR, "#item-list li")]
    assert 0 < len(keys) < n_all and all(k.startswith("medqa/") for k in keys)
    among.deselect_all()
    status.select_by_value("")
    browser.find_element(By.CSS_SELECTOR, '#item-list li[data-key="medqa/q0"]').click()
    detail = browser.find_element(By.ID, "item-detail")
    shown = detail.find_elements(By.CSS_SELECTOR, ".run-card")
    assert len(shown) < 19  # 19 runs answered medqa/q0; the ones that agree are collapsed
    groups_ = detail.find_elements(By.CSS_SELECTOR, "details.agree-group")
    assert groups_
    groups_[0].find_element(By.TAG_NAME, "summary").click()
    # the hidden cards are built on the (asynchronous) toggle event
    WebDriverWait(browser, 10).until(lambda d: len(detail.find_elements(By.CSS_SELECTOR, ".run-card")) > len(shown))
    browser.execute_script("document.getElementById('browser').scrollIntoView()")
    _shot(browser, "browser-collapsed.png")
    assert browser.execute_script("return window.__xss === undefined")
    assert severe() == []


def test_heat_maps_are_drawn_per_benchmark(tmp_path):
    """Subjects of one benchmark are not those of another: one heat map per key and benchmark,
    each captioned with its benchmark; the first keeps the plain element id."""
    from clinreason.report import build_report
    from report_many_fixtures import build_many

    store, run_ids = build_many(tmp_path)  # runs on three benchmarks
    html = build_report(store, run_ids)
    captions = re.findall(r"<figcaption>Accuracy by subject on ([^ (]+)", html)
    assert len(captions) == len(set(captions)) >= 2
    assert 'id="chart-heat-subject"' in html and 'id="chart-heat-subject-1"' in html


@pytest.mark.timeout(180)
def test_judge_verdicts_read_as_fields_in_chromium(browser, tmp_path):
    """A judged item's verdict is shown as fields (steps on their own lines, the judge's calls and
    their cost), as text: a step text carrying markup stays inert."""
    from selenium.webdriver.common.by import By

    from clinreason.items import Item
    from clinreason.report import write_report
    from clinreason.store import Store

    store = Store(tmp_path / "results")
    item = Item(id="q0", benchmark="toy", question="Which?", options={"A": "x", "B": "y"}, answer="A")
    store.start_run({"id": "j", "benchmark": "toy", "subset": None, "model": "m", "model_identity": "m",
                     "method": "cot", "config": {}}, [item])
    store.save_result("j", "q0", {"status": "ok", "output": "Step.\nANSWER: A"},
                      {"answer": {"value": 1.0, "label": "A", "detail": {}}})
    store.save_score("j", "q0", "judge:reasoning", {"value": 1.0, "label": "sound", "detail": {
        "judge": "scripted-judge", "efficiency": 0.5, "sound": True,
        "steps": [{"step": 1, "relevant": True, "correct": False}, {"step": 2, "note": "<img src=x onerror=window.__x=1>"}],
        "cost": {"call_ids": ["c1", "c2"], "cached_calls": 1, "prompt_tokens": 90, "completion_tokens": 10}}})
    path = write_report(store, ["j"], tmp_path / "judged.html")
    browser.get(path.as_uri())
    browser.find_element(By.CSS_SELECTOR, "#item-list li").click()
    browser.execute_script("document.querySelectorAll('details.judge').forEach(function (d) { d.open = true; })")
    verdict = browser.find_element(By.CSS_SELECTOR, "details.judge dl.verdict").text
    assert "efficiency" in verdict and "relevant ✓" in verdict and "correct ✗" in verdict
    assert "judge calls: 2 (1 cached) · 100 tokens · call ids c1, c2" in browser.find_element(By.CSS_SELECTOR, "details.judge").text
    assert browser.execute_script("return window.__x === undefined")
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
