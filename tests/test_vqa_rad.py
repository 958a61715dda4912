"""VQA-RAD: the loader (official split counts, published quirks, bad image files), the `vqa` scorer,
the image-blind baseline (`--blind`), and the paired with-image vs blind comparison."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import pytest

from clinreason import engine
from clinreason.data import BENCHMARKS, load_items
from clinreason.data.vqa_rad import FILE, IMAGE_FOLDER
from clinreason.items import AnswerFormat, DataError, Item, TaskType
from clinreason.methods import build_method
from clinreason.models.protocol import Capabilities
from clinreason.models.scripted import ScriptedModel
from clinreason.probes import PROBES
from clinreason.probes.blind import BLIND_NOTE, blind_items
from clinreason.results import Prediction
from clinreason.store import Store


@pytest.fixture(scope="module")
def vqa_dir(shared_data) -> Path:
    if not (shared_data / FILE).is_file():
        pytest.skip("VQA-RAD is not in the shared data")
    return shared_data


@pytest.fixture(scope="module")
def test_items(vqa_dir) -> list[Item]:
    return load_items("vqa_rad", "test", vqa_dir, hub=False)


# --- the loader ------------------------------------------------------------------------------
def test_official_test_split_counts(test_items):
    assert len(test_items) == 451
    assert Counter(i.metadata["answer_type"] for i in test_items) == {"CLOSED": 272, "OPEN": 179}
    assert Counter(i.metadata["phrase_type"] for i in test_items) == {"test_freeform": 308, "test_para": 143}
    assert BENCHMARKS.get("vqa_rad").subsets[0] == "test"
    assert BENCHMARKS.get("vqa_rad").default_scorers == ("vqa",)


@pytest.mark.slow
def test_train_split_counts_and_quirks(vqa_dir):
    items = load_items("vqa_rad", "train", vqa_dir, hub=False)
    assert len(items) == 1797
    by_id = {i.id: i for i in items}
    assert by_id["0"].answer == "yes" and by_id["0"].task == TaskType.yes_no_maybe  # qid "0" is a string, "Yes"
    assert by_id["2156"].metadata["answer_type"] == "CLOSED"  # published "CLOSED " (trailing space)
    raw = json.loads((vqa_dir / FILE).read_text())
    numeric = [str(r["qid"]) for r in raw if isinstance(r["answer"], (int, float)) and str(r["qid"]) in by_id]
    assert numeric and all(by_id[q].answer.isdigit() for q in numeric)  # 2 -> "2", not an error
    assert all(v is not None and v != "NULL" for i in items for v in i.metadata.values())


def test_items_carry_their_image_and_metadata(test_items):
    item = test_items[0]
    assert len(item.images) == 1 and item.images[0].media_type == "image/jpeg"
    assert Path(item.images[0].path).name == item.metadata["image_name"]
    assert set(item.metadata) >= {"organ", "question_type", "answer_type", "phrase_type", "qid"}
    assert {i.metadata["organ"] for i in test_items} == {"HEAD", "CHEST", "ABD"}
    # one ImagePart per image file (203 test images), shared by its questions
    assert len({i.images[0].sha256 for i in test_items}) == 203


def test_yes_no_items_and_text_items(test_items):
    yes_no = [i for i in test_items if i.format == AnswerFormat.yes_no_maybe]
    assert yes_no and all(i.metadata["answer_type"] == "CLOSED" and i.answer in ("yes", "no") for i in yes_no)
    assert all(i.metadata["answer_choices"] == ["yes", "no"] for i in yes_no)
    text = [i for i in test_items if i.format == AnswerFormat.text]
    assert len(yes_no) + len(text) == 451
    assert any(i.metadata["answer_type"] == "CLOSED" for i in text)  # closed but not yes/no ("left", "flair")


def _bad_copy(vqa_dir: Path, tmp_path: Path, qid: int, change: dict) -> Path:
    """A data dir holding a copy of the JSON with one record changed (the images linked, not copied)."""
    raw = json.loads((vqa_dir / FILE).read_text())
    for rec in raw:
        if rec["qid"] == qid:
            rec.update(change)
    dest = tmp_path / "data" / "vqa_rad"
    dest.mkdir(parents=True)
    (dest / Path(FILE).name).write_text(json.dumps(raw, indent=3))
    (dest / IMAGE_FOLDER).symlink_to(vqa_dir / "vqa_rad" / IMAGE_FOLDER)
    return tmp_path / "data"


def _first_test_qid(vqa_dir: Path) -> int:
    raw = json.loads((vqa_dir / FILE).read_text())
    return next(r["qid"] for r in raw if r["phrase_type"] == "test_freeform")


def test_a_missing_image_names_the_file_and_the_item(vqa_dir, tmp_path):
    qid = _first_test_qid(vqa_dir)
    data = _bad_copy(vqa_dir, tmp_path, qid, {"image_name": "synpic_missing.jpg"})
    with pytest.raises(DataError) as e:
        load_items("vqa_rad", "test", data, hub=False)
    msg = str(e.value)
    assert "VQA_RAD Dataset Public.json:" in msg and "image_name" in msg
    assert f"item {qid}" in msg and "synpic_missing.jpg" in msg


def test_an_unreadable_image_and_null_fields(vqa_dir, tmp_path):
    qid = _first_test_qid(vqa_dir)
    data = _bad_copy(vqa_dir, tmp_path, qid, {"answer": "NULL"})
    with pytest.raises(DataError, match=rf"field 'answer': item {qid}: missing, empty or NULL"):
        load_items("vqa_rad", "test", data, hub=False)


def test_cli_bad_image_stops_before_anything_is_written(vqa_dir, tmp_path):
    from typer.testing import CliRunner

    from clinreason.cli import app

    qid = _first_test_qid(vqa_dir)
    data = _bad_copy(vqa_dir, tmp_path, qid, {"image_name": "synpic_missing.jpg"})
    out = tmp_path / "out"
    args = ["run", "vqa_rad", "-n", "2", "--blind", "--data-dir", str(data), "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert "synpic_missing.jpg" in result.output and f"item {qid}" in result.output
    assert not out.exists() or not any(out.rglob("*.db"))


def test_skip_invalid_leaves_the_bad_record_out_and_lists_it(vqa_dir, tmp_path):
    from clinreason.cli._common import load_benchmark_items

    qid = _first_test_qid(vqa_dir)
    data = _bad_copy(vqa_dir, tmp_path, qid, {"image_name": "synpic_missing.jpg"})
    name, subset, items, extra = load_benchmark_items("vqa_rad", "test", data, None, skip_invalid=True)
    assert (name, subset, len(items)) == ("vqa_rad", "test", 450)
    assert str(qid) not in {it.id for it in items}
    [skipped] = extra["skipped"]
    assert skipped["field"] == "image_name" and "synpic_missing.jpg" in skipped["error"]
    with pytest.raises(DataError):  # without the flag: stop at the bad record
        load_benchmark_items("vqa_rad", "test", data, None)


# --- the vqa scorer --------------------------------------------------------------------------
def _text_item(answer: str, **kw) -> Item:
    return Item(id="v1", benchmark="vqa_rad", question="Where is the lesion?", answer=answer,
                task=TaskType.open_ended, answer_format=AnswerFormat.text, **kw)


@pytest.mark.parametrize("output, gold, exact, f1", [
    ("ANSWER: The left lung.", "left lung", True, 1.0),
    ("ANSWER: two", "2", True, 1.0),
    ("ANSWER: 2", "Two", True, 1.0),
    ("ANSWER: Posterior-anterior", "posterior-anterior", True, 1.0),
    ("ANSWER: right lower lobe", "right lung", False, 0.4),
    ("ANSWER: MRI", "CT", False, 0.0),
    ("", "CT", False, 0.0),
])  # fmt: skip
def test_vqa_scorer_exact_and_token_f1(output, gold, exact, f1):
    from clinreason.grading.scorers import SCORERS

    score = SCORERS.get("vqa")()(_text_item(gold), Prediction(output=output))
    assert score.value == float(exact)
    assert score.detail["f1"] == pytest.approx(f1)
    assert score.label == ("unparsed" if not output else score.label)


def test_vqa_scorer_grades_yes_no_as_the_answer_scorer():
    from clinreason.grading.parsers import parse_answer
    from clinreason.grading.scorers import SCORERS

    item = Item(id="v2", benchmark="vqa_rad", question="Is there a fracture?", answer="no",
                task=TaskType.yes_no_maybe, metadata={"answer_choices": ["yes", "no"]})
    for output, right in (("No, the bones are intact.", True), ("ANSWER: yes", False), ("I cannot tell.", False)):
        vqa = SCORERS.get("vqa")()(item, Prediction(output=output))
        answer = SCORERS.get("answer")()(item, Prediction(output=output))
        assert vqa.value == answer.value == float(right)
        assert vqa.label == answer.label == (parse_answer(output, item).answer or "unparsed")


# --- the blind baseline ----------------------------------------------------------------------
def test_blind_keeps_source_ids_and_removes_images(test_items):
    derived, left_out = blind_items(test_items[:20])
    assert left_out == 0 and len(derived) == 20
    for src, d in zip(test_items[:20], derived):
        assert d.images == () and d.source_id == src.id and d.transform == "blind" and d.id != src.id
        assert d.question.endswith(BLIND_NOTE) and d.question.startswith(src.question)
        assert d.answer == src.answer and d.metadata == src.metadata
    assert "blind" in PROBES
    plain = Item(id="t", benchmark="toy", question="q?", answer="yes", task=TaskType.yes_no_maybe)
    assert blind_items([plain]) == ([], 1)


def test_blind_vs_with_image_paired_by_source_item(test_items, tmp_path):
    from clinreason.grading.blind import blind_comparison

    items = test_items[:12]
    gold = {i.question: i.answer for i in items}

    def eye(messages, params, i):  # right when it sees the image; "yes" when blind
        last = messages[-1]
        if last.images:
            return "ANSWER: " + next(a for q, a in gold.items() if q in last.content)
        return "ANSWER: yes"

    store = Store(tmp_path)
    vision = ScriptedModel(eye, identity="eye", capabilities=Capabilities(n=False, tools="text", vision=True))

    def plan(its):
        return engine.RunPlan(benchmark="vqa_rad", subset="test", model_spec="eye", method=build_method("direct"),
                              items=its, scorers=("vqa",))

    with_image = asyncio.run(engine.execute(plan(items), vision, store))["run_id"]
    blind = asyncio.run(engine.execute(plan(blind_items(items)[0]), vision, store))["run_id"]
    assert with_image != blind
    r = blind_comparison(store, with_image, blind)
    n_yes = sum(i.answer == "yes" for i in items)
    assert r["n"] == 12 and r["accuracy_with_image"] == 1.0
    assert r["accuracy_blind"] == pytest.approx(n_yes / 12) == r["blind_right_share"]
    assert r["diff"] == pytest.approx(1 - n_yes / 12) and len(r["ci95"]) == 2
    assert r["image_only_right"] == 12 - n_yes and r["blind_only_right"] == 0
    store.close()
    # `clinreason compare` pairs them by source item with the base run's own scorer (vqa), unasked.
    from typer.testing import CliRunner

    from clinreason.cli import app

    result = CliRunner().invoke(app, ["compare", with_image, blind, "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    compared = json.loads(result.output)
    assert compared["scorer"] == "vqa" and compared["n"] == 12


# --- end to end on the embedded (text-only) model ----------------------------------------------
@pytest.mark.model
@pytest.mark.slow
def test_run_vqa_rad_blind_on_the_embedded_model(vqa_dir, tmp_path):
    from typer.testing import CliRunner

    from clinreason.cli import app

    out = tmp_path / "out"
    args = ["run", "vqa_rad", "-n", "5", "--blind", "-p", "max_tokens=48", "--data-dir", str(vqa_dir),
            "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    store = Store(out)
    (run,) = store.list_runs()
    assert run["config"]["transform"] == "blind"
    items = store.run_items(run["id"])
    assert len(items) == 5 and all(i.transform == "blind" and i.images == () and i.source_id for i in items)
    assert len(store.predictions(run["id"])) == 5 and len(store.scores(run["id"], "vqa")) == 5

    # Without --blind the text-only model is refused before anything is written.
    refused = CliRunner().invoke(app, [a for a in args if a != "--blind"])
    assert refused.exit_code != 0 and "cannot see images" in refused.output and "--blind" in refused.output
    assert len(Store(out).list_runs()) == 1
