"""The report's robustness probes panel (issue 16 item 7): a base run and three probe runs made with
a scripted model (shuffle, hint, bias), each shown against its base with the statistics
`clinreason probe` prints (robustness.probe_row), a change chart, hidden without probe runs; probe
runs kept out of the per-benchmark leaderboards; and the page in headless Chromium."""

from __future__ import annotations

import asyncio
import re

import pytest

from clinreason import engine
from clinreason.items import Item, TaskType
from clinreason.methods import build_method
from clinreason.models.scripted import ScriptedModel
from clinreason.report import build_report, collect, write_report
from clinreason.report.groups import build_groups
from clinreason.report.probes import probe_panels
from clinreason.robustness import plan_probes
from clinreason.store import Store

from headless import SHOTS
from report_fixtures import XSS, build_store

SUGGESTED = re.compile(r"(?:thinks the answer is|sure the answer is|answered|answer was|the answer is) ([A-G])\b")
PROBES = ["shuffle", "hint", "bias"]


def case(i: int) -> Item:
    gold = "ABCD"[i % 4]
    options = {x: (f"correct treatment {i}" if x == gold else f"wrong choice {x.lower()}{i}") for x in "ABCD"}
    return Item(id=f"c{i}", benchmark="toy", question=f"Case {i}: what now?", options=options, answer=gold)


def gullible(messages, params, i):
    """Takes a suggested letter on odd-numbered cases; else picks the option whose text says "correct"."""
    prompt = messages[-1].content
    if (m := SUGGESTED.search(prompt)) and int(re.search(r"Case (\d+)", prompt).group(1)) % 2:
        return f"ANSWER: {m.group(1)}"
    m = re.search(r"^([A-G])\. correct treatment", prompt, re.MULTILINE)
    return f"ANSWER: {m.group(1) if m else 'A'}"


def build_probe_store(path) -> tuple[Store, list[str]]:
    """A base run of 8 cases and a yes/no item (which the option probes skip), and three probe runs."""
    store = Store(path)
    items = [case(i) for i in range(8)] + [Item(id="y8", benchmark="toy", question="Is 8 so?", answer="yes",
                                                  task=TaskType.yes_no_maybe)]
    spec = f"scripted {XSS}"  # the model's name reaches the panel's labels: it must stay text
    plan = engine.RunPlan(benchmark="toy", subset="test", model_spec=spec, method=build_method("direct"),
                          items=items, name="base")
    asyncio.run(engine.execute(plan, ScriptedModel(gullible, identity=spec), store))
    run_ids = ["base"]
    for p in plan_probes(store, "base", PROBES):
        asyncio.run(engine.execute(p.plan, ScriptedModel(gullible, identity=spec), store))
        run_ids.append(p.plan.name)
    return store, run_ids


@pytest.fixture(scope="module")
def probe_store(tmp_path_factory):
    return build_probe_store(tmp_path_factory.mktemp("probes") / "results")


def test_panel_rows_are_the_probe_commands_statistics(probe_store):
    store, run_ids = probe_store
    assert run_ids == ["base", "base.shuffle", "base.hint", "base.bias"]
    data = collect(store, run_ids)
    probes = probe_panels(store, data["runs"])
    assert probes["orphans"] == [] and [p["base"] for p in probes["panels"]] == ["base"]
    rows = {r["probe"]: r for r in probes["panels"][0]["rows"]}
    assert set(rows) == set(PROBES)
    shuffle, hint, bias = rows["shuffle"], rows["hint"], rows["bias"]
    assert (shuffle["n"], shuffle["n_sources"], shuffle["n_skipped"], shuffle["n_source"]) == (16, 8, 1, 9)
    assert shuffle["skipped"] == {"no options": 1} and shuffle["change"] == 0.0 and shuffle["flip_rate"] == 0.0
    assert hint["accuracy"] == 0.5 and hint["change"] == -0.5 and hint["took_target"] == 0.5 and hint["flip_rate"] == 0.5
    assert hint["p_value"] == 0.125 and hint["ci95"][0] < -0.5 < hint["ci95"][1]  # 4 of 8 flipped: a paired interval
    assert bias["n"] == 56 and len(bias["variants"]) == 7  # seven bias sentences, one row each
    # the labels tell a probe run from its base; the per-benchmark leaderboard leaves probe runs out
    labels = {r["run_id"]: r["label"] for r in data["runs"]}
    assert len(set(labels.values())) == 4 and labels["base.hint"].endswith("· hint")
    groups = build_groups([r for r in data["runs"] if not r["probe_of"]], data["items"])
    assert [row["run_id"] for g in groups for row in g["rows"]] == ["base"]


def test_panel_in_the_html_and_hidden_without_probes(probe_store, tmp_path):
    store, run_ids = probe_store
    html = build_report(store, run_ids)
    section = re.search(r'<section id="probes">(.*?)</section>', html, re.S).group(1)
    assert section.count('class="probe-row"') == 3 and section.count('class="probe-variant"') == 7
    assert "-50.0%" in section and "+0.0%" in section
    chart = re.search(r'<figure class="probe-chart">(.*?)</figure>', section, re.S).group(1)
    assert chart.count('class="probe-bar"') == 3 and chart.count('class="ci"') == 3
    assert 'href="#probes"' in html
    # the payload in the model's name is escaped text everywhere, in the table and the chart
    assert "<script>window.__xss" not in html and "&lt;script&gt;window.__xss=1&lt;/script&gt;" in section
    assert html.count("<script") == 2
    # only probe runs whose base is absent: named, no panel
    alone = build_report(store, ["base.hint"])
    assert 'id="probe-orphans"' in alone and 'class="probe-panel"' not in alone
    # no probe runs: no section, no link
    other, ids = build_store(tmp_path / "plain")
    plain = build_report(other, ids)
    assert 'id="probes"' not in plain and 'href="#probes"' not in plain


# --- in a real browser --------------------------------------------------------------------------




@pytest.mark.timeout(180)
def test_probe_panel_in_chromium(browser, probe_store, tmp_path):
    from selenium.webdriver.common.by import By

    store, run_ids = probe_store
    path = write_report(store, run_ids, tmp_path / "report.html")
    browser.get(path.as_uri())
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    panel = browser.find_element(By.CSS_SELECTOR, "#probes .probe-panel")
    rows = panel.find_elements(By.CSS_SELECTOR, "tr.probe-row")
    assert [r.get_attribute("data-run") for r in rows] == ["base.bias", "base.hint", "base.shuffle"]
    hint = rows[1].text
    assert "hint" in hint and "50.0%" in hint and "-50.0%" in hint and "1 of 9" in hint
    assert len(panel.find_elements(By.CSS_SELECTOR, "figure.probe-chart svg rect.probe-bar")) == 3
    assert XSS.split("<img")[0] in panel.find_element(By.TAG_NAME, "h3").text  # the name, shown as text
    assert browser.execute_script("return window.__xss === undefined")
    browser.execute_script("document.getElementById('probes').scrollIntoView()")
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / "report-probes.png"))
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


@pytest.mark.timeout(240)
def test_probe_panel_grouped_leaderboard_and_compare_on_fifty_runs(browser, tmp_path):
    """The issue's browser check: a report of 50 runs plus a probed base run renders the grouped
    leaderboard, the compare view and the probe panel with no console errors."""
    from selenium.webdriver.common.by import By

    from report_many_fixtures import build_many

    _, many_ids = build_many(tmp_path / "results")
    store, probe_ids = build_probe_store(tmp_path / "results")  # the same store: 54 runs in all
    path = write_report(store, many_ids + probe_ids, tmp_path / "report.html")
    browser.get(path.as_uri())
    assert len(browser.find_elements(By.CSS_SELECTOR, "#benchmarks .bench-group")) >= 3
    assert len(browser.find_elements(By.CSS_SELECTOR, "#probes .probe-panel tr.probe-row")) == 3
    assert browser.find_element(By.ID, "compare-a") and browser.find_element(By.ID, "compare-result").text
    assert browser.execute_script("return window.__xss === undefined")
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
