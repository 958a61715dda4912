"""Importing published MedAgentsBench outputs: records are matched on their question text and
options (never on `realidx`, which holds positions in some files), every match is verified, and
the imported grades equal the file's own; non-finite numbers never reach the store; bad records
are `FILE: record N` errors, not tracebacks."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from clinreason.importers import import_medagentsbench_file
from clinreason.items import DataError
from clinreason.store import Store

DATASETS = ("medqa", "pubmedqa")


def published_files(shared: Path) -> list[Path]:
    root = shared / "medagentsbench" / "published_outputs"
    return sorted(p for d in DATASETS for p in (root / d).glob("*.json"))


def _shared() -> Path:
    from conftest import shared_data_dir

    return shared_data_dir()


FILES = published_files(_shared()) if (_shared() / "medagentsbench").is_dir() else []


def file_letter(predicted, options: dict) -> str | None:
    """The option letter a published answer gives, read independently of the importer: a bare
    letter, or a letter the text opens with ("(D)", "A.", "**A**", "Answer: (A) ...",
    "The answer is: C"); None for NaN, empty or free text."""
    if not isinstance(predicted, str):
        return None
    text = predicted.strip().replace("*", "")
    text = re.sub(r"^(the\s+)?answer(\s+is)?\s*:?\s*", "", text, flags=re.I)
    m = re.match(r"^\(?([A-Z])\)?(?:$|[\s.:),])", text)
    return m.group(1) if m and m.group(1) in options else None


def strict_json(text: str):
    def refuse(constant):
        raise AssertionError(f"non-finite number {constant} in stored JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.skipif(not FILES, reason="shared published outputs not found")
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_published_file_imports_with_the_files_own_grades(tmp_path, shared_data, path):
    records = json.loads(path.read_text())  # Python's json reads the NaN some files hold
    store = Store(tmp_path)
    result = import_medagentsbench_file(path, store, shared_data)
    assert result.unmatched == [] and result.n_imported == len(records) == 100

    # the file's own verdicts, computed here from the raw JSON
    expected = {}
    for r in records:
        letter = file_letter(r.get("predicted_answer"), r["options"])
        expected[" ".join(r["question"].split())[:200]] = (letter, letter == r["answer_idx"], r)
    assert result.accuracy == pytest.approx(sum(ok for _, ok, _ in expected.values()) / len(records))

    items = {i.id: i for i in store.run_items(result.run_id)}
    assert len(items) == 100
    preds = {p["item_id"]: p for p in store.predictions(result.run_id)}
    scores = {s["item_id"]: s for s in store.scores(result.run_id, "answer")}
    matched = 0
    for item_id, item in items.items():
        # every imported item is the record's own question (whatever its realidx says)
        key = next(k for k in expected if " ".join(item.question.split())[:200].startswith(k[:150])
                   or k.startswith(" ".join(item.question.split())[:150]))
        letter, ok, record = expected[key]
        if item.task.value == "yes_no_maybe":
            assert item.answer == record["options"][record["answer_idx"]].lower()
            want = record["options"][letter].lower() if letter else None
        else:
            assert item.answer == record["answer_idx"]  # graded against its own gold
            want = letter
        assert preds[item_id]["answer"] == want, (item_id, record["predicted_answer"])
        assert scores[item_id]["value"] == float(ok), (item_id, record["predicted_answer"], record["answer_idx"])
        matched += 1
    assert matched == 100
    for row in store.db.execute("SELECT info, trace FROM predictions"):
        strict_json(row[0]), strict_json(row[1])
    assert all(math.isfinite(r[0]) for r in store.db.execute("SELECT wall_s FROM predictions"))
    strict_json(json.dumps(store.get_run(result.run_id)["summary"]))


def test_realidx_positions_do_not_move_records_onto_other_items(tmp_path, shared_data):
    path = shared_data / "medagentsbench" / "published_outputs" / "medqa" / "gpt-4o-medqa-test_hard-medagents.json"
    if not path.is_file():
        pytest.skip("shared published outputs not found")
    records = json.loads(path.read_text())
    assert [r["realidx"] for r in records[:3]] == [0, 1, 2]  # positions, not the benchmark's ids
    result = import_medagentsbench_file(path, Store(tmp_path), shared_data)
    assert result.n_imported == 100 and result.unmatched == []


# --- made-up files -----------------------------------------------------------------------------------
QUESTION = "Q one?"


def bench_dir(tmp_path: Path) -> Path:
    """A tiny medqa test_hard with three questions."""
    root = tmp_path / "data"
    path = root / "medagentsbench" / "medqa" / "test_hard.jsonl"
    path.parent.mkdir(parents=True)
    recs = [{"realidx": 10 + i, "question": f"Q {w}?", "options": {"A": "x", "B": "y", "C": "z"}, "answer_idx": "AB"[i % 2],
             "meta_info": "step1"} for i, w in enumerate(["one", "two", "three"])]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return root


def published(tmp_path: Path, records, name="m-medqa-test_hard-cot.json", raw: str | None = None) -> Path:
    path = tmp_path / name
    path.write_text(raw if raw is not None else json.dumps(records))
    return path


def rec(i=0, **over):
    r = {"realidx": i, "question": f"Q {['one', 'two', 'three'][i]}?", "options": {"A": "x", "B": "y", "C": "z"},
         "answer_idx": "AB"[i % 2], "predicted_answer": "A", "token_usage": {"prompt_tokens": 5, "completion_tokens": 7},
         "time_elapsed": 1.5}
    r.update(over)
    return r


def test_nan_and_infinity_never_reach_the_store(tmp_path):
    data = bench_dir(tmp_path)
    # pandas writes NaN for a missing float; json.dumps writes these bare words too
    records = [rec(0, cost=float("nan"), time_elapsed=float("nan")),
               rec(1, cost=float("inf"), token_usage={"prompt_tokens": float("nan"), "completion_tokens": 3}),
               rec(2, cost=0.25, time_elapsed="2.5")]
    path = published(tmp_path, records)
    store = Store(tmp_path / "res")
    result = import_medagentsbench_file(path, store, data)
    assert result.n_imported == 3
    preds = {p["item_id"]: p for p in store.predictions(result.run_id)}
    for row in store.db.execute("SELECT info, trace FROM predictions"):
        strict_json(row[0]), strict_json(row[1])
    for row in store.db.execute("SELECT detail FROM scores"):
        strict_json(row[0])
    strict_json(json.dumps(store.get_run(result.run_id)["summary"]))
    assert "cost_usd" not in preds["10"]["info"] and "cost" in preds["10"]["info"]["dropped"]
    assert "NaN" in preds["10"]["info"]["dropped"]["cost"]
    assert "time_elapsed" in preds["10"]["info"]["dropped"] and preds["10"]["wall_s"] == 0.0
    assert "Infinity" in preds["11"]["info"]["dropped"]["cost"]
    assert "token_usage.prompt_tokens" in preds["11"]["info"]["dropped"] and preds["11"]["prompt_tokens"] == 0
    assert preds["12"]["info"]["cost_usd"] == 0.25 and preds["12"]["wall_s"] == 2.5


@pytest.mark.parametrize("bad, record_no, field, words", [
    (["not an object"], 1, None, "expected an object"),
    ([{"realidx": 0, "options": {"A": "x"}, "predicted_answer": "A"}], 1, "question", "missing"),
    ([rec(0), rec(1, options=["x", "y"])], 2, "options", "expected a {letter: text} object"),
    ([rec(0), rec(1, options="not a dict")], 2, "options", "expected a {letter: text} object"),
    ([rec(0), rec(1, question=["Q two?"])], 2, "question", "expected text"),
    ([rec(0), rec(1, predicted_answer={"letter": "A"})], 2, "predicted_answer", "expected text"),
    ([rec(0), rec(1, token_usage="{'prompt_tokens': ")], 2, "token_usage", "not"),
    ([rec(0), rec(1, token_usage="__import__('os')")], 2, "token_usage", "not"),
])
def test_bad_records_are_file_record_errors(tmp_path, bad, record_no, field, words):
    data = bench_dir(tmp_path)
    path = published(tmp_path, bad)
    with pytest.raises(DataError) as err:
        import_medagentsbench_file(path, Store(tmp_path / "res"), data)
    text = str(err.value)
    assert str(path) in text and f"record {record_no}" in text and words in text, text
    if field:
        assert f"field '{field}'" in text, text


def test_not_a_list_and_not_json(tmp_path):
    data = bench_dir(tmp_path)
    with pytest.raises(DataError, match="expected a JSON list"):
        import_medagentsbench_file(published(tmp_path, {"a": 1}), Store(tmp_path / "res"), data)
    with pytest.raises(DataError, match="not JSON"):
        import_medagentsbench_file(published(tmp_path, None, raw="[{"), Store(tmp_path / "res"), data)


def test_unmatched_and_mismatched_records_are_reported(tmp_path):
    data = bench_dir(tmp_path)
    records = [
        rec(0),
        rec(1, options={"A": "x", "B": "DIFFERENT", "C": "z"}),  # same question, other options: not this item
        rec(2, question="A question nobody asked?"),
        rec(0, realidx=5),  # the same question again
        rec(2, answer_idx="C"),  # same question and options, another gold: not verified
    ]
    result = import_medagentsbench_file(published(tmp_path, records), Store(tmp_path / "res"), data)
    assert result.n_imported == 1 and result.n_records == 5
    assert len(result.unmatched) == 4
    joined = "\n".join(result.unmatched)
    assert "record 2" in joined and "options" in joined
    assert "record 3" in joined and "no item" in joined
    assert "record 4" in joined and "duplicate" in joined
    assert "record 5" in joined and "gold" in joined


def test_question_with_appended_options_and_trailing_marks_matches(tmp_path):
    data = bench_dir(tmp_path)
    records = [rec(0, question="Q   one?\n ?"),
               rec(1, question="Q two? Options: (C) z (B) y (A) x", realidx=0)]
    result = import_medagentsbench_file(published(tmp_path, records), Store(tmp_path / "res"), data)
    assert result.unmatched == [] and result.n_imported == 2
