"""The report's consultation views (issue 15): the episode table with its bounds, the accuracy-vs-
questions curve, and the dialogue drawn as doctor / patient / measurement bubbles with the revealed
facts marked; then the same page in headless Chromium (skipped cleanly without a browser)."""

from __future__ import annotations


import pytest

from clinreason.report import build_report, collect, write_report
from clinreason.report.episodes import accuracy_vs_questions, bound_kind, episode_runs

from episode_fixtures import XSS, build_store

from headless import CHROMEDRIVER, CHROMIUM, SHOTS, have_browser

BROWSER_HEIGHT = 1400  # the dialogue and the fact list in one screenshot


def test_bounds_are_found_by_config_flag_or_name():
    assert bound_kind({"method": "consult_full", "config": {"method": {}}}) == "full"
    assert bound_kind({"method": "consult_x", "config": {"method": {"case": "first"}}}) == "first"
    assert bound_kind({"method": "consult_x", "config": {"method": {"bound": "upper"}}}) == "full"
    assert bound_kind({"method": "consult", "config": {"method": {"max_turns": 3}}}) is None
    assert bound_kind({"method": "cot", "config": {}}) is None


def test_episode_rows_curve_and_bounds(tmp_path):
    store = build_store(tmp_path)
    data = collect(store, ["episodes", "upper", "lower"])
    rows = episode_runs(store, data["runs"])
    assert [r["run_id"] for r in rows] == ["episodes"]  # the bound runs have no episodes
    r = rows[0]
    assert r["n"] == 3 and r["accuracy"] == pytest.approx(2 / 3)
    assert r["upper"]["run_id"] == "upper" and r["upper"]["accuracy"] == 1.0
    assert r["lower"]["run_id"] == "lower" and r["lower"]["accuracy"] == pytest.approx(1 / 3)
    assert r["info_gained"] == pytest.approx(1 / 3) and r["faithfulness"] == 0.75 and r["turns"] == 2.0
    assert [round(p["accuracy"], 3) for p in r["curve"]] == [0.333, 0.667, 0.667]
    svg = str(accuracy_vs_questions(rows))
    assert svg.count('class="point"') == 3 and 'class="bound upper"' in svg and 'class="bound lower"' in svg
    item = next(i for i in data["items"] if i["id"] == "c0")
    assert item["facts"][0] == "Chest pain for 3 days."
    assert item["results"]["episodes"]["episode"]["correct_after"] == [0.0, 1.0]


def test_report_html_has_the_consultation_section_only_for_episode_runs(tmp_path):
    store = build_store(tmp_path)
    html = build_report(store, ["episodes", "upper", "lower"])
    assert 'id="consultations"' in html and 'id="episode-table"' in html and 'id="chart-episode-curve"' in html
    assert "<script>window.__xss" not in html  # the payload only ever travels escaped
    plain = build_report(store, ["upper", "lower"])
    assert 'id="consultations"' not in plain


try:  # the browser test only: the tests above run without selenium
    import selenium.webdriver  # noqa: F401
    HAVE_SELENIUM = True
except ImportError:
    HAVE_SELENIUM = False
needs_browser = pytest.mark.skipif(
    not (HAVE_SELENIUM and have_browser()),
    reason=f"selenium, chromium or chromedriver not found ({CHROMIUM}, {CHROMEDRIVER}): "
           "pip install -e '.[dev]'; apt-get install chromium chromium-driver")


@needs_browser
@pytest.mark.slow
@pytest.mark.timeout(180)
def test_consultation_in_the_browser(browser, tmp_path):
    from selenium.webdriver.common.by import By

    store = build_store(tmp_path / "results")
    path = write_report(store, ["episodes", "upper", "lower"], tmp_path / "report.html")
    browser.get(path.as_uri())
    severe = lambda: [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]  # noqa: E731
    assert severe() == []
    cells = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#episode-table tbody tr td")]
    assert cells[1:5] == ["3", "66.7%", "100.0%", "33.3%"]  # items, accuracy, full case, first sentence
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chart-episode-curve svg polyline.curve")) == 1

    items = {li.get_attribute("data-key"): li for li in browser.find_elements(By.CSS_SELECTOR, "#item-list li")}
    items["consultoy/c0"].click()
    card = browser.find_element(By.CSS_SELECTOR, '#item-detail .run-card[data-run="episodes"]')
    bubbles = card.find_elements(By.CSS_SELECTOR, ".dialogue .bubble")
    assert [b.get_attribute("class").split()[1] for b in bubbles][:3] == ["doctor", "patient", "doctor"]
    assert "reveals fact #1" in bubbles[1].text
    revealed = [li.text for li in card.find_elements(By.CSS_SELECTOR, "ol.facts li.revealed")]
    assert [t.split("  ")[0].strip() for t in revealed] == ["Chest pain for 3 days.", "Smoker for 20 years."]
    assert "not in the facts: drink, whisky, night" in card.text
    assert "answer: B ✗" in card.text and card.text.count("answer: A ✓") == 2  # turn 2 and the final answer
    browser.execute_script("document.getElementById('consultations').scrollIntoView()")
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / "episode-table.png"))
    card.location_once_scrolled_into_view
    browser.save_screenshot(str(SHOTS / "episode-dialogue.png"))

    browser.find_element(By.CSS_SELECTOR, '#item-list li[data-key="consultoy/c1"]').click()
    card = browser.find_element(By.CSS_SELECTOR, '#item-detail .run-card[data-run="episodes"]')
    assert card.find_elements(By.CSS_SELECTOR, ".bubble.measurement")
    browser.find_element(By.CSS_SELECTOR, '#item-list li[data-key="consultoy/c2"]').click()
    assert XSS in browser.execute_script("return document.getElementById('item-detail').textContent")
    assert browser.execute_script("return window.__xss === undefined")
    assert browser.find_elements(By.CSS_SELECTOR, "img") == []
    assert severe() == []
