"""The report's side of images (issue 19): thumbnails re-encoded from the store, bounded in total size,
and the image-blind comparison panel (with image vs --blind, paired by source item)."""

from __future__ import annotations

import asyncio
import base64
import io
import re
import shutil
from pathlib import Path

import pytest

from clinreason import engine
from clinreason.methods import build_method
from clinreason.models.protocol import Capabilities
from clinreason.models.scripted import ScriptedModel
from clinreason.probes.blind import blind_items
from clinreason.report import build_report, write_report
from clinreason.report.blind import blind_stats
from clinreason.report.images import DATA_URL_PREFIX, embed_thumbnails, thumbnail
from clinreason.store import Store

from conftest import make_item

Image = pytest.importorskip("PIL.Image")

SHOT = Path("/tmp/report_images.png")


def picture(w: int, h: int, colour, fmt: str = "PNG", noise: bool = False) -> bytes:
    img = Image.new("RGB", (w, h), colour)
    if noise:  # incompressible pixels: a thumbnail of some kilobytes
        import random

        rnd = random.Random(w * h)
        img.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(w * h)])
    for x in range(0, w, 7):  # a visible diagonal, so a screenshot shows a picture
        img.putpixel((x, min(h - 1, x * h // w)), (255, 255, 255))
    out = io.BytesIO()
    img.save(out, fmt)
    return out.getvalue()


class FakeImages:
    """What embed_thumbnails needs of a store: get_image(sha256) -> (media_type, bytes) | None."""

    def __init__(self, images: dict[str, bytes]):
        self.images = images

    def get_image(self, sha256):
        return ("image/png", self.images[sha256]) if sha256 in self.images else None


# ---- thumbnails --------------------------------------------------------------------------------

def test_thumbnail_is_small_jpeg_we_encoded():
    small = thumbnail(picture(1200, 600, (40, 80, 120)))
    img = Image.open(io.BytesIO(small))
    assert img.format == "JPEG" and max(img.size) == 160 and img.size == (160, 80)
    rgba = Image.new("RGBA", (50, 300), (255, 0, 0, 0))  # transparency flattened, small sides kept
    out = io.BytesIO()
    rgba.save(out, "PNG")
    assert Image.open(io.BytesIO(thumbnail(out.getvalue()))).size == (27, 160)
    assert thumbnail(b"<script>alert(1)</script>") is None  # not an image: no thumbnail at all


def test_thumbnail_budget_leaves_the_rest_out_with_a_note():
    blobs = {f"{i:064x}": picture(200, 200, (i, 0, 0), noise=True) for i in range(30)}
    items = [{"images": [{"sha256": sha, "media_type": "image/png"}]} for sha in blobs]
    items.append({"images": [{"sha256": next(iter(blobs)), "media_type": "image/png"}]})  # shared: counted once
    items.insert(0, {"images": [{"sha256": "f" * 64, "media_type": "image/png"}]})  # not in the store
    one = len(DATA_URL_PREFIX) + len(base64.b64encode(thumbnail(next(iter(blobs.values())))))
    budget = int(one * 5.5)
    out = embed_thumbnails(FakeImages(blobs), items, budget=budget)
    assert out["n_images"] == 31 and out["n_missing"] == 1
    assert 3 <= out["n_embedded"] <= 6 and out["bytes"] <= budget
    assert out["n_over_budget"] == 30 - out["n_embedded"]
    assert f"{out['n_over_budget']} of 31 images left out" in out["note"] and "capped" in out["note"]
    assert "1 images not in the store" in out["note"]
    assert all(url.startswith(DATA_URL_PREFIX) for url in out["thumbs"].values())
    # no images at all: no note
    assert embed_thumbnails(FakeImages({}), [{"images": []}])["note"] is None


# ---- blind statistics --------------------------------------------------------------------------

def test_blind_stats_pairs_by_source_item():
    image = {"a": 1.0, "b": 1.0, "c": 1.0, "d": 0.0, "e": 1.0, "f": None, "g": 1.0}
    blind = {"a": 1.0, "b": 0.0, "c": 0.0, "d": 1.0, "e": 0.0, "f": 1.0, "z": 1.0}
    s = blind_stats(image, blind, n_resamples=2000)
    assert s["n"] == 5  # a..e: f is ungraded with the image, g has no blind twin, z no image twin
    assert s["acc_image"] == pytest.approx(4 / 5) and s["acc_blind"] == pytest.approx(2 / 5)
    assert s["diff"] == pytest.approx(0.4)
    lo, hi = s["ci95"]
    assert lo <= 0.4 <= hi and -1 <= lo and hi <= 1
    assert s["blind_right_share"] == pytest.approx(2 / 5)
    assert s["both_right"] == 1 and s["blind_right_of_image_right"] == pytest.approx(1 / 4)
    assert s["image_only"] == 3 and s["blind_only"] == 1
    assert 0 < s["p_value"] <= 1
    empty = blind_stats({"a": 1.0}, {"b": 1.0})
    assert empty["n"] == 0 and empty["diff"] is None and empty["blind_right_of_image_right"] is None


# ---- a store with an image run and its blind run -------------------------------------------------

def _n(messages) -> int:
    return int(re.search(r"Toy question (\d+)", messages[-1].content).group(1))


def sees(messages, params, i):  # right on every item
    return f"ANSWER: {'ABCD'[_n(messages) % 4]}"


def guesses(messages, params, i):  # right on items 0 and 2 only (4 items, golds A B C D)
    n = _n(messages)
    return f"ANSWER: {'ABCD'[n % 4] if n in (0, 2) else 'A' if n % 4 else 'B'}"


def image_store(tmp_path: Path) -> tuple[Store, list[str]]:
    from clinreason.images import read_image

    files = []
    for k, (size, colour) in enumerate((((640, 480), (30, 60, 200)), ((300, 500), (200, 80, 20)))):
        path = tmp_path / "images" / f"scan{k}.png"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(picture(*size, colour))
        files.append(read_image(path))
    base = [make_item(i, answer="ABCD"[i % 4], images=(files[i % 2],), metadata={"subject": "chest"}) for i in range(4)]
    blind, left_out = blind_items(base + [make_item(9)])  # `run --blind`'s items (an item with no image is left out)
    assert left_out == 1 and all(b.transform == "blind" and not b.images for b in blind)
    store = Store(tmp_path / "results")
    run_ids = []
    for its, script, extra in ((base, sees, {}), (blind, guesses, {"transform": "blind"})):
        plan = engine.RunPlan(benchmark="toy", subset="test", model_spec="eye", method=build_method("direct"), items=its,
                              extra=extra)
        model = ScriptedModel(script, identity="eye", capabilities=Capabilities(n=False, tools="text", vision=True))
        asyncio.run(engine.execute(plan, model, store))
        run_ids.append(plan.run_id(model))
    return store, run_ids


def test_report_embeds_thumbnails_and_blind_panel(tmp_path):
    store, run_ids = image_store(tmp_path)
    html = build_report(store, run_ids)
    assert html.count(DATA_URL_PREFIX + "/9j/") == 2  # JPEG data; two images, each once, though four items show them
    assert "2 of 2 item images shown as thumbnails" in html
    section = html[html.index('<section id="blind">'):html.index("</section>", html.index('<section id="blind">'))]
    assert run_ids[0] in section and run_ids[1] in section
    assert "100.0%" in section and "50.0%" in section and "+50.0%" in section
    assert "eye · direct · toy/test · blind" in html  # the blind run's label says so (selects, charts)
    assert "2/4" in section  # blind already right: 2 of the 4 items right with the image
    assert str(tmp_path / "images") not in html  # the report needs no data dir (and names none)


# ---- in a browser ------------------------------------------------------------------------------

def test_thumbnails_render_and_blind_panel_in_chromium(browser, tmp_path):
    from selenium.webdriver.common.by import By

    store, run_ids = image_store(tmp_path)
    shutil.rmtree(tmp_path / "images")  # the report reads images from the store, not from the files
    path = write_report(store, run_ids, tmp_path / "report.html")
    browser.get(path.as_uri())
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    row = browser.find_element(By.CSS_SELECTOR, "#blind-table tr.blind-row")
    assert row.find_element(By.CSS_SELECTOR, ".acc-image").text.startswith("100.0%")
    assert row.find_element(By.CSS_SELECTOR, ".acc-blind").text.startswith("50.0%")
    assert row.find_element(By.CSS_SELECTOR, ".diff").text == "+50.0%"
    assert row.find_element(By.CSS_SELECTOR, ".blind-share").text == "50.0%"
    small = browser.find_elements(By.CSS_SELECTOR, "#item-list img.thumb")
    assert len(small) == 4  # the four items with images (blind items show none)
    browser.find_element(By.CSS_SELECTOR, '#item-list li[data-key="toy/q0"]').click()
    big = browser.find_element(By.CSS_SELECTOR, "#item-detail img.thumb")
    assert big.get_attribute("alt") == "image 1 of toy item q0"
    widths = browser.execute_script(
        "return Array.from(document.querySelectorAll('img.thumb')).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert widths and all(done and 0 < w <= 160 and 0 < h <= 160 for done, w, h in widths)
    browser.execute_script("document.getElementById('blind').scrollIntoView()")
    SHOT.unlink(missing_ok=True)
    browser.save_screenshot(str(tmp_path / "blind.png"))
    browser.execute_script("document.getElementById('browser').scrollIntoView()")
    browser.save_screenshot(str(SHOT))
    shutil.copy(tmp_path / "blind.png", SHOT.with_name("report_images_blind.png"))
    assert SHOT.stat().st_size > 0
