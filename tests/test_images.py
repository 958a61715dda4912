"""Images (VQA-RAD): reading and checking image files, images in messages, items, cache keys and the
store, the OpenAI content-part shape on the wire, and the vision preflight."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import make_item

from clinreason import engine
from clinreason.chat import ImagePart, Message
from clinreason.engine.plan import check_vision
from clinreason.images import ImageError, data_url, image_bytes, read_image
from clinreason.methods import build_method
from clinreason.models.gateway import cache_key
from clinreason.models.openai_compat import OpenAICompatModel
from clinreason.models.protocol import Capabilities, SamplingParams
from clinreason.models.scripted import ScriptedModel
from clinreason.prompts import item_messages
from clinreason.store import DB_NAME, MIGRATIONS, Store
from clinreason.store.schema import statements
from clinreason.testing.fault_server import FaultServer

VQA_IMAGES = Path("/work/shared/data/vqa_rad/VQA_RAD Image Folder")
# A minimal valid PNG (1x1), written by hand so the tests need no data set.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
                       "AAAABJRU5ErkJggg==")


def _png(path: Path) -> Path:
    path.write_bytes(PNG)
    return path


@pytest.fixture
def jpg() -> Path:
    files = sorted(VQA_IMAGES.glob("*.jpg")) if VQA_IMAGES.is_dir() else []
    if not files:
        pytest.skip("VQA-RAD images not found under /work/shared/data/vqa_rad")
    return files[0]


# --- reading -------------------------------------------------------------------------------
def test_read_image_on_a_real_vqa_rad_jpeg(jpg):
    part = read_image(jpg)
    data = jpg.read_bytes()
    assert part.sha256 == hashlib.sha256(data).hexdigest()
    assert part.media_type == "image/jpeg" and part.path == str(jpg)
    assert image_bytes(part) == data
    url = data_url(part, data)
    assert url.startswith("data:image/jpeg;base64,") and base64.b64decode(url.split(",", 1)[1]) == data


def test_read_image_on_png(tmp_path):
    assert read_image(_png(tmp_path / "x.png")).media_type == "image/png"


@pytest.mark.parametrize("case", ["missing", "not_image", "truncated", "empty", "directory"])
def test_bad_image_files_are_errors_naming_the_file(tmp_path, jpg, case):
    path = tmp_path / f"bad_{case}.jpg"
    if case == "not_image":
        path.write_text("this is a text file, not an image\n")
    elif case == "truncated":
        path.write_bytes(jpg.read_bytes()[:2000])
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "directory":
        path.mkdir()
    with pytest.raises(ImageError) as e:
        read_image(path)
    assert str(path) in str(e.value)
    assert isinstance(e.value, ValueError)


def test_image_bytes_verifies_the_file_and_falls_back_to_the_store(tmp_path, jpg):
    copy = tmp_path / "copy.jpg"
    shutil.copy(jpg, copy)
    part = read_image(copy)
    copy.write_bytes(b"\xff\xd8\xff changed \xff\xd9")
    with pytest.raises(ImageError, match="changed"):
        image_bytes(part)
    store = Store(tmp_path / "store")
    store.start_run(_run("r0"), [make_item(0, images=(read_image(jpg),))])
    assert image_bytes(part, store) == jpg.read_bytes()


# --- messages, items, prompts -------------------------------------------------------------
def test_wire_is_unchanged_without_images_and_names_images_by_content(tmp_path):
    plain = Message(role="user", content="hi")
    assert plain.wire() == {"role": "user", "content": "hi"}
    a = read_image(_png(tmp_path / "a.png"))
    moved = a.model_copy(update={"path": "/elsewhere/a.png"})
    with_image = Message(role="user", content="hi", images=(a,))
    assert with_image.wire() == {"role": "user", "content": "hi",
                                 "images": [{"sha256": a.sha256, "media_type": "image/png"}]}
    params = SamplingParams()
    elsewhere = Message(role="user", content="hi", images=(moved,))
    assert cache_key("m", [with_image], params, 0) == cache_key("m", [elsewhere], params, 0)
    assert cache_key("m", [with_image], params, 0) != cache_key("m", [plain], params, 0)


def test_item_hash_unchanged_without_images_and_independent_of_the_path(tmp_path):
    plain = make_item(0)
    # The hash of an item without images is what it was before images existed (pinned).
    assert plain.content_hash() == _hash_without_images(plain)
    conversation = make_item(1, messages=(Message(role="user", content="earlier"),
                                          Message(role="assistant", content="x")))
    assert conversation.content_hash() == _hash_without_images(conversation)
    # Pinned: what the release before images computed for these two items.
    assert (make_item(3).content_hash(), conversation.content_hash()) == ("6e306974d5f540b7", "d808e60da8279b52")
    a = read_image(_png(tmp_path / "a.png"))
    shown = make_item(0, images=(a,))
    moved = make_item(0, images=(a.model_copy(update={"path": "/other/machine/a.png"}),))
    assert shown.content_hash() != plain.content_hash()
    assert shown.content_hash() == moved.content_hash()
    assert read_image(_png(tmp_path / "b.png")).sha256 == a.sha256  # same bytes elsewhere: same image
    assert type(shown).model_validate_json(shown.model_dump_json()) == shown  # stored items round-trip


def _hash_without_images(item) -> str:
    """The content hash as the release before images computed it."""
    import json

    data = item.model_dump(mode="json")
    data.pop("images", None)
    for m in data.get("messages") or ():
        m.pop("images", None)
    for name in ("messages", "facts", "answer_format", "tolerance", "source_id", "transform", "rubric"):
        if data[name] in (None, [], ()):
            del data[name]
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def test_item_messages_attach_images_to_the_last_user_message(tmp_path):
    a = read_image(_png(tmp_path / "a.png"))
    messages = item_messages("direct", make_item(0, images=(a,)))
    assert [m.images for m in messages] == [(), (a,)]
    conversation = make_item(1, images=(a,), messages=(Message(role="user", content="first"),
                                                      Message(role="assistant", content="ok"),
                                                      Message(role="user", content="last")))
    messages = item_messages("direct", conversation)
    assert messages[-1].role == "user" and messages[-1].images == (a,)
    assert all(not m.images for m in messages[:-1])
    assert all(not m.images for m in item_messages("direct", make_item(2)))


# --- the OpenAI shape, through a real HTTP request ------------------------------------------
def test_fault_server_receives_openai_image_parts(jpg):
    part = read_image(jpg)
    assert OpenAICompatModel.capabilities.vision is True

    async def go(url):
        model = OpenAICompatModel(url, "vision-model")
        try:
            return await model.complete([Message(role="system", content="be brief"),
                                         Message(role="user", content="What organ is shown?", images=(part,))],
                                        SamplingParams())
        finally:
            await model.aclose()

    server = FaultServer()
    with server as url:
        completion = asyncio.run(go(url))
    assert "ANSWER" in completion.text
    (body,) = server.bodies
    system, user = body["messages"]
    assert system == {"role": "system", "content": "be brief"}  # plain messages keep their shape
    content = user["content"]
    assert isinstance(content, list) and len(content) == 2
    assert content[0] == {"type": "text", "text": "What organ is shown?"}
    assert content[1]["type"] == "image_url"
    url = content[1]["image_url"]["url"]
    prefix = "data:image/jpeg;base64,"
    assert url.startswith(prefix)
    assert base64.b64decode(url[len(prefix):]) == jpg.read_bytes()


def test_a_vanished_image_fails_the_item_not_the_run(tmp_path):
    from clinreason.models.protocol import ModelError
    from clinreason.models.vision import openai_content

    path = _png(tmp_path / "gone.png")
    part = read_image(path)
    path.unlink()
    with pytest.raises(ModelError, match="gone.png"):
        openai_content(Message(role="user", content="x", images=(part,)))


# --- the store ------------------------------------------------------------------------------
def _run(run_id: str) -> dict:
    return {"id": run_id, "benchmark": "toy", "subset": None, "model": "scripted", "model_identity": "scripted",
            "method": "direct", "config": {"method": {}, "seed": 0}}


def test_store_saves_each_image_once_and_returns_it(tmp_path, jpg):
    part = read_image(jpg)
    png = read_image(_png(tmp_path / "a.png"))
    items = [make_item(0, images=(part,)), make_item(1, images=(part,)), make_item(2, images=(png,)), make_item(3)]
    store = Store(tmp_path / "store")
    store.start_run(_run("r1"), items)
    store.start_run(_run("r1"), items)  # a resume
    store.start_run(_run("r2"), items[:2])  # another run showing the same image
    assert store.db.execute("SELECT COUNT(*) FROM images").fetchone()[0] == 2
    assert store.get_image(part.sha256) == ("image/jpeg", jpg.read_bytes())
    assert store.get_image(png.sha256) == ("image/png", PNG)
    assert store.get_image("0" * 64) is None
    assert [i.images for i in store.run_items("r1")] == [(part,), (part,), (png,), ()]


def test_an_unreadable_image_at_start_run_writes_nothing(tmp_path):
    path = _png(tmp_path / "a.png")
    part = read_image(path)
    path.unlink()
    store = Store(tmp_path / "store")
    with pytest.raises(ImageError, match="a.png"):
        store.start_run(_run("r1"), [make_item(0, images=(part,))])
    assert store.get_run("r1") is None
    assert store.db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0


def test_images_migration_applies_on_an_existing_store(tmp_path, jpg):
    """A store written before images (every migration but 0005) opens, gains the table once, and
    its runs and items are as they were."""
    before = [(name, step) for name, step in MIGRATIONS if name != "0005_images"]
    assert len(before) == len(MIGRATIONS) - 1 and MIGRATIONS[-1][0] == "0005_images"
    (tmp_path / "old").mkdir()
    db = sqlite3.connect(tmp_path / "old" / DB_NAME, isolation_level=None)
    db.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at REAL)")
    for name, step in before:
        if callable(step):
            continue  # 0002 rewrites an existing calls table: a new store gets its result from 0001 below
        for statement in statements(step):
            db.execute(statement)
        db.execute("INSERT INTO schema_migrations VALUES (?, 1.0)", (name,))
    # 0002's end state: calls with content ids (as a store made by the previous release has).
    db.execute("DROP TABLE calls")
    from clinreason.store.schema import CALLS_V2

    db.execute(CALLS_V2)
    db.execute("INSERT INTO schema_migrations VALUES ('0002_content_addressed_calls', 1.0)")
    db.execute(f"PRAGMA user_version={len(before)}")
    item = make_item(0)
    db.execute("INSERT INTO items VALUES (?,?,?,?)", (item.content_hash(), "toy", item.id, item.model_dump_json()))
    db.close()

    store = Store(tmp_path / "old")
    assert store.migrated == ["0005_images"]
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    row = store.db.execute("SELECT data FROM items WHERE hash = ?", (item.content_hash(),)).fetchone()
    assert type(item).model_validate_json(row[0]) == item  # an item stored before images still reads
    part = read_image(jpg)
    store.start_run(_run("r1"), [make_item(1, images=(part,))])
    assert store.get_image(part.sha256)[1] == jpg.read_bytes()
    store.close()
    assert Store(tmp_path / "old").migrated == []


# --- the vision preflight -------------------------------------------------------------------
def _plan(items):
    return engine.RunPlan(benchmark="toy", subset=None, model_spec="scripted", method=build_method("direct"),
                          items=items)


def test_a_model_without_vision_refuses_image_items_before_anything_is_written(tmp_path, jpg):
    part = read_image(jpg)
    items = [make_item(0), make_item(1, images=(part,))]
    blind_model = ScriptedModel(["ANSWER: B"])  # default capabilities: as the embedded model, no vision
    assert blind_model.capabilities.vision is False
    with pytest.raises(ValueError, match="cannot see images.*--blind"):
        check_vision(_plan(items), blind_model)
    store = Store(tmp_path / "store")
    with pytest.raises(ValueError, match=r"scripted cannot see images: 1 of the 2 items.*q1"):
        asyncio.run(engine.execute(_plan(items), blind_model, store))
    assert store.list_runs() == []
    assert store.db.execute("SELECT COUNT(*) FROM images").fetchone()[0] == 0
    assert store.db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0
    assert blind_model.calls == []


def test_blind_items_run_on_a_text_model_and_image_items_on_a_vision_model(tmp_path, jpg):
    part = read_image(jpg)
    blind = ScriptedModel(["ANSWER: B"])
    summary = asyncio.run(engine.execute(_plan([make_item(0), make_item(1)]), blind, Store(tmp_path / "a")))
    assert summary["n_done"] == 2
    seen = []

    def eye(messages, params, i):
        seen.append(messages[-1].images)
        return "ANSWER: B"

    vision = ScriptedModel(eye, identity="eye", capabilities=Capabilities(n=False, tools="text", vision=True))
    store = Store(tmp_path / "b")
    summary = asyncio.run(engine.execute(_plan([make_item(0, images=(part,))]), vision, store))
    assert summary["n_done"] == 1 and seen == [(part,)]
    assert store.get_image(part.sha256)[1] == jpg.read_bytes()
    stored = store.db.execute("SELECT messages FROM calls").fetchone()[0]
    assert part.sha256 in stored and "base64" not in stored and str(jpg) not in stored
