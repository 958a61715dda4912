"""The report as a person uses it: opened from file:// in headless Chromium (Debian's package,
driven by Selenium), filters, search, a trace, a screenshot, and injected HTML/JS proven inert."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clinreason.report import write_report

from report_fixtures import XSS, build_store

from headless import CHROMEDRIVER, CHROMIUM, SHOTS, have_browser

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install -e '.[dev]')")
if not have_browser():
    pytest.skip(f"chromium/chromedriver not found ({CHROMIUM}, {CHROMEDRIVER}): "
                "apt-get install chromium chromium-driver", allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

pytestmark = pytest.mark.timeout(180)


def severe_logs(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def visible_items(driver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, "#item-list li")


def shot(driver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    driver.save_screenshot(str(path))
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / name)  # kept outside the tmp dir for a person to look at
    return path


@pytest.fixture
def report_file(tmp_path) -> tuple[Path, list[str]]:
    store, run_ids = build_store(tmp_path / "results")
    return write_report(store, run_ids, tmp_path / "report.html"), run_ids


def test_report_opens_offline_and_browses(browser, report_file, tmp_path):
    path, run_ids = report_file
    browser.get(path.as_uri())
    assert browser.title == "clinreason report"
    assert severe_logs(browser) == []

    # leaderboard: two runs, sortable by accuracy (the oracle is 100%, the guesser less)
    rows = lambda: [r.get_attribute("data-run") for r in browser.find_elements(By.CSS_SELECTOR, "#leaderboard-table tbody tr")]  # noqa: E731
    accuracy_header = browser.find_elements(By.CSS_SELECTOR, "#leaderboard-table th")[4]
    accuracy_header.click()
    assert rows() == [run_ids[1], run_ids[0]]  # ascending
    accuracy_header.click()
    assert rows() == [run_ids[0], run_ids[1]]
    # charts are drawn (inline SVG, with real marks in them)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chart-accuracy svg rect.bar")) == 2
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-pareto svg circle.front")
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure.heatmap svg rect.cell")) == 2 * 3
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-reliability svg circle")

    # filters: all 6 items; disagreements; the guesser's wrong answers; its unparsed one; a subject; search
    assert len(visible_items(browser)) == 6
    Select(browser.find_element(By.ID, "filter-status")).select_by_value("disagree")
    assert [li.get_attribute("data-key") for li in visible_items(browser)] == ["toy/q1", "toy/q2", "toy/q3", "toy/q5"]
    Select(browser.find_element(By.ID, "filter-run")).select_by_value(run_ids[1])
    Select(browser.find_element(By.ID, "filter-status")).select_by_value("unparsed")
    assert [li.get_attribute("data-key") for li in visible_items(browser)] == ["toy/q2"]
    Select(browser.find_element(By.ID, "filter-status")).select_by_value("wrong")
    wrong = {li.get_attribute("data-key") for li in visible_items(browser)}
    assert wrong == {"toy/q1", "toy/q3", "toy/q5"}
    Select(browser.find_element(By.ID, "filter-status")).select_by_value("")
    Select(browser.find_element(By.ID, "filter-subject")).select_by_value("renal")
    assert {li.get_attribute("data-key") for li in visible_items(browser)} == {"toy/q1", "toy/q4"}
    Select(browser.find_element(By.ID, "filter-subject")).select_by_value("")
    search = browser.find_element(By.ID, "search")
    search.send_keys("toy question 5")
    assert [li.get_attribute("data-key") for li in visible_items(browser)] == ["toy/q5"]
    search.clear()
    search.send_keys("cannot decide")  # search reaches model outputs too
    assert [li.get_attribute("data-key") for li in visible_items(browser)] == ["toy/q2"]

    # open the item and its trace: the prompt and the response of the call are there, as text
    visible_items(browser)[0].click()
    detail = browser.find_element(By.ID, "item-detail")
    assert "Toy question 2?" in detail.text
    cards = detail.find_elements(By.CSS_SELECTOR, ".run-card")
    assert len(cards) == 2 and cards[0].get_attribute("data-run") == run_ids[1]  # filtered run first
    trace = cards[0].find_element(By.CSS_SELECTOR, "details.trace")
    trace.find_element(By.TAG_NAME, "summary").click()
    call_text = trace.find_element(By.CSS_SELECTOR, ".call").text
    assert "Toy question 2?" in call_text and "I cannot decide." in call_text and "system" in call_text
    assert detail.find_element(By.CSS_SELECTOR, ".disagreement")  # the oracle said C, the guesser nothing
    shot(browser, tmp_path, "report-trace.png")
    assert severe_logs(browser) == []


def test_injected_html_and_script_do_not_run(browser, report_file, tmp_path):
    path, run_ids = report_file
    browser.get(path.as_uri())
    browser.find_element(By.ID, "search").send_keys("window.__xss")
    items = visible_items(browser)
    assert [li.get_attribute("data-key") for li in items] == ["toy/q1"]
    items[0].click()
    detail = browser.find_element(By.ID, "item-detail")
    for box in detail.find_elements(By.CSS_SELECTOR, "details"):
        box.find_element(By.TAG_NAME, "summary").click()  # open traces and judge verdicts too
    # the payload is on screen, character for character, as text ...
    assert XSS in browser.execute_script("return document.getElementById('item-detail').textContent")
    assert "<script>window.__xss=1</script>" in detail.text
    # ... and nothing of it became markup or ran
    assert browser.execute_script("return window.__xss === undefined")
    assert browser.find_elements(By.CSS_SELECTOR, "img") == []
    assert len(browser.find_elements(By.TAG_NAME, "script")) == 2  # our data block + our code
    shot(browser, tmp_path, "report-xss.png")
    assert severe_logs(browser) == []
