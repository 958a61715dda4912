"""Training exports (SFT, DPO, GRPO) from stores built here with a scripted model: which traces qualify,
how samples pair, the gold fields, the split guard, n-gram overlap, and nothing written on bad input."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from clinreason import engine
from clinreason.items import Item, TaskType
from clinreason.methods import build_method
from clinreason.models.scripted import ScriptedModel
from clinreason.rewards import correct, grade, item_from_gold
from clinreason.store import Store
from clinreason.training import (ContaminationError, ExportOptions, NoRecordsError, export_training, find_overlaps,
                                 manifest_path)
from clinreason.training.guard import EvalSet
from clinreason.training.records import item_split, shown_item

from conftest import make_item


def _n(messages) -> int:
    return int(re.search(r"Toy question (\d+)", messages[-1].content).group(1))


def _gold(n: int) -> str:
    return "ABCD"[n % 4]


def _wrong(n: int) -> str:
    return "ABCD"[(n + 1) % 4]


def _run(store, items, method, script, identity, subset="train", params=None) -> str:
    plan = engine.RunPlan(benchmark="toy", subset=subset, model_spec=identity,
                          method=build_method(method, params), items=items)
    model = ScriptedModel(script, identity=identity)
    asyncio.run(engine.execute(plan, model, store))
    return plan.run_id(model)


def _items(k=4, **kw):
    return [make_item(i, answer=_gold(i), **kw) for i in range(k)]


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _verdict(store, run_id, item_id, value, scorer="judge:reasoning"):
    store.save_score(run_id, item_id, scorer, {"value": value, "label": "sound" if value else "unsound"})


# --- SFT -------------------------------------------------------------------------------------------


@pytest.fixture
def sft_store(tmp_path):
    """cot run: q0, q1, q2 right, q3 wrong; q1 judged unsound (its control says sound: ignored);
    q2 judged sound; q0 unjudged but has a control score (still unjudged)."""
    store = Store(tmp_path / "results")
    script = lambda m, p, i: f"Reasoning about {_n(m)}.\nANSWER: {_gold(_n(m)) if _n(m) < 3 else _wrong(_n(m))}"  # noqa: E731
    run_id = _run(store, _items(), "cot", script, "oracle")
    _verdict(store, run_id, "q1", 0.0)
    _verdict(store, run_id, "q1", 1.0, "judge:reasoning@control")
    _verdict(store, run_id, "q2", 1.0)
    _verdict(store, run_id, "q0", 0.0, "judge:reasoning@control")
    return store, run_id


def test_sft_keeps_correct_sound_traces_with_their_prompt_and_provenance(tmp_path, sft_store):
    store, run_id = sft_store
    result = export_training(store, [run_id], "sft", tmp_path / "sft.jsonl")
    rows = _rows(tmp_path / "sft.jsonl")
    assert sorted(r["item_id"] for r in rows) == ["q0", "q2"]  # q1 unsound, q3 incorrect
    assert result.manifest["counts"]["dropped"] == {"incorrect": 1, "judged unsound": 1}
    by_id = {r["item_id"]: r for r in rows}
    q2 = by_id["q2"]
    assert [m["role"] for m in q2["messages"]] == ["system", "user", "assistant"]
    assert q2["messages"][-1]["content"].endswith("ANSWER: C")
    call = store.get_calls([q2["call_id"]])[q2["call_id"]]
    assert json.loads(call["messages"]) == q2["messages"][:-1] and q2["prompt_source"] == "call"
    assert q2["judge"] == [{"name": "judge:reasoning", "value": 1.0, "label": "sound"}]
    assert by_id["q0"]["judge"] == []  # a control score is no verdict on the trace
    assert (q2["run_id"], q2["model"], q2["method"], q2["split"]) == (run_id, "oracle", "cot", "train")
    assert q2["answer"] == q2["gold"] == "C" and q2["answer_rule"]


def test_sft_thresholds_and_require_judge(tmp_path, sft_store):
    store, run_id = sft_store
    export_training(store, [run_id], "sft", tmp_path / "a.jsonl", options=ExportOptions(require_judge=True))
    assert [r["item_id"] for r in _rows(tmp_path / "a.jsonl")] == ["q2"]
    export_training(store, [run_id], "sft", tmp_path / "b.jsonl", options=ExportOptions(min_reasoning=0.0))
    assert [r["item_id"] for r in _rows(tmp_path / "b.jsonl")] == ["q0", "q1", "q2"]


def test_sft_multi_call_output_uses_rendered_prompt(tmp_path):
    store = Store(tmp_path / "results")
    run_id = _run(store, _items(2), "cot", lambda m, p, i: f"ANSWER: {_gold(_n(m))}", "oracle")
    # As a debate's synthesis would: the output is no single call's response.
    store.db.execute("UPDATE predictions SET output = 'We agree.\nANSWER: A' WHERE run_id = ? AND item_id = 'q0'", (run_id,))
    rows = {r["item_id"]: r for r in _rows(export_training(store, [run_id], "sft", tmp_path / "s.jsonl").path)}
    assert rows["q0"]["prompt_source"] == "rendered" and rows["q0"]["call_id"] is None
    assert rows["q0"]["messages"][-1]["content"] == "We agree.\nANSWER: A"
    assert rows["q1"]["prompt_source"] == "call"


def test_no_qualifying_traces_says_why_and_writes_nothing(tmp_path):
    store = Store(tmp_path / "results")
    run_id = _run(store, _items(), "cot", lambda m, p, i: f"ANSWER: {_wrong(_n(m))}", "guesser")
    out = tmp_path / "sft.jsonl"
    with pytest.raises(NoRecordsError, match="0 of 4 traces were correct"):
        export_training(store, [run_id], "sft", out)
    assert not out.exists() and not manifest_path(out).exists() and list(tmp_path.iterdir()) == [tmp_path / "results"]

    right = _run(store, _items(), "cot", lambda m, p, i: f"ANSWER: {_gold(_n(m))}", "oracle")
    for i in range(4):
        _verdict(store, right, f"q{i}", 0.0)
    with pytest.raises(NoRecordsError, match="none of the 4 correct traces was judged sound"):
        export_training(store, [right], "sft", out)
    with pytest.raises(NoRecordsError, match=r"0 of 4 prompts qualified: 4 had one distinct sample"):
        export_training(store, [run_id], "dpo", out)
    assert not out.exists() and not manifest_path(out).exists()


# --- DPO -------------------------------------------------------------------------------------------


def _sc_script(m, p, i):
    """Sample s (seed s) of item n: q0 right on even samples only; q1 always right; q2 always wrong."""
    n, s = _n(m), p.seed
    right = {0: s % 2 == 0, 1: True, 2: False}[n]
    return f"Chain {s} for {n}.\nANSWER: {_gold(n) if right else _wrong(n)}"


def test_dpo_pairs_correct_with_incorrect_samples_of_one_prompt(tmp_path):
    store = Store(tmp_path / "results")
    run_id = _run(store, _items(3), "cot_sc", _sc_script, "sampler", params={"n": 4, "adaptive": False})
    result = export_training(store, [run_id], "dpo", tmp_path / "dpo.jsonl")
    rows = _rows(tmp_path / "dpo.jsonl")
    assert {r["item_id"] for r in rows} == {"q0"} and len(rows) == 4  # 2 right x 2 wrong, under the bound of 4
    assert result.manifest["counts"]["dropped"] == {"had no incorrect sample": 1, "had no correct sample": 1}
    item = _items(3)[0]
    for r in rows:
        assert grade(r["chosen"][0]["content"], item) == 1.0 and grade(r["rejected"][0]["content"], item) == 0.0
        assert r["chosen_answer"] == "A" and r["rejected_answer"] == "B" and r["gold"] == "A"
        call = store.get_calls([r["chosen_call_id"]])[r["chosen_call_id"]]
        assert json.loads(call["messages"]) == r["prompt"]
    assert len({(r["chosen_call_id"], r["rejected_call_id"]) for r in rows}) == 4
    assert len({r["chosen_call_id"] for r in rows}) == 2  # every correct sample is used
    again = export_training(store, [run_id], "dpo", tmp_path / "again.jsonl")
    assert _rows(again.path) == rows  # deterministic
    export_training(store, [run_id], "dpo", tmp_path / "one.jsonl", options=ExportOptions(max_pairs=1))
    assert len(_rows(tmp_path / "one.jsonl")) == 1


def test_dpo_pools_the_same_prompt_across_runs(tmp_path):
    store = Store(tmp_path / "results")
    good = _run(store, _items(2), "cot", lambda m, p, i: f"ANSWER: {_gold(_n(m))}", "oracle")
    bad = _run(store, _items(2), "cot", lambda m, p, i: f"ANSWER: {_wrong(_n(m))}", "guesser")
    rows = _rows(export_training(store, [bad, good], "dpo", tmp_path / "d.jsonl").path)
    assert len(rows) == 2
    assert all(r["run_id"] == good and r["rejected_run_id"] == bad and r["rejected_model"] == "guesser" for r in rows)


def test_shuffled_sample_is_graded_against_the_options_it_showed():
    item = make_item(0, answer="A")
    shown = shown_item(item, {"info": {"orders": [["A", "B", "C", "D"], ["C", "A", "D", "B"]]}}, 1)
    assert shown.answer == "B" and shown.options["B"] == item.options["A"]
    assert shown_item(item, {"info": {}}, 1) is item


# --- GRPO ------------------------------------------------------------------------------------------


def _planned_store(tmp_path, items, subset="train"):
    store = Store(tmp_path / "results")
    run = {"id": f"plan-{subset}", "benchmark": "toy", "subset": subset, "model": "m", "model_identity": "m",
           "method": "cot", "config": {}}
    store.start_run(run, items)
    return store, run["id"]


def test_grpo_gold_round_trips_and_text_items_are_skipped(tmp_path):
    items = _items(2) + [
        Item(id="calc", benchmark="toy", question="Compute the dose.", answer="5.0", task=TaskType.numeric,
             lower=4.5, upper=5.5),
        Item(id="free", benchmark="toy", question="Explain the finding.", answer="It is benign.",
             task=TaskType.open_ended),
    ]
    store, run_id = _planned_store(tmp_path, items)  # planned only: grpo needs no trace
    result = export_training(store, [run_id], "grpo", tmp_path / "g.jsonl")
    rows = _rows(result.path)
    assert [r["item_id"] for r in rows] == ["q0", "q1", "calc"]
    assert result.manifest["counts"]["dropped"] == {"answer format no rule grades": 1}
    for r in rows:
        gold = item_from_gold(r["gold"])
        assert gold.answer == r["answer"] and gold.format.value == r["answer_format"]
        assert correct(f"Thinking.\nANSWER: {r['answer']}", gold) == 1.0
        assert [m["role"] for m in r["prompt"]] == ["system", "user"] and r["template"] == "cot"
    calc = item_from_gold(rows[2]["gold"])
    assert correct("ANSWER: 5.4", calc) == 1.0 and correct("ANSWER: 6", calc) == 0.0


def test_grpo_counts_an_item_once_across_runs(tmp_path):
    store = Store(tmp_path / "results")
    a = _run(store, _items(3), "direct", lambda m, p, i: "ANSWER: A", "m1")
    b = _run(store, _items(3), "direct", lambda m, p, i: "ANSWER: B", "m2")
    result = export_training(store, [a, b], "grpo", tmp_path / "g.jsonl")
    assert len(_rows(result.path)) == 3 and result.manifest["counts"]["dropped"] == {"same item in an earlier run": 3}


# --- the guard, overlap, files ---------------------------------------------------------------------


def test_guard_refuses_test_split_unless_allowed(tmp_path):
    store, run_id = _planned_store(tmp_path, _items(3), subset="test")
    out = tmp_path / "g.jsonl"
    with pytest.raises(ContaminationError, match=r"3 items from test splits \(toy test: 3\).*--allow-test"):
        export_training(store, [run_id], "grpo", out)
    assert not out.exists() and not manifest_path(out).exists()
    result = export_training(store, [run_id], "grpo", out, options=ExportOptions(allow_test=True))
    manifest = json.loads(manifest_path(out).read_text())
    assert len(_rows(out)) == 3 and manifest["allow_test"] is True
    assert manifest["splits"] == [{"benchmark": "toy", "subset": "test", "split": "test", "records": 3}]
    assert manifest["test_items"] == [{"benchmark": "toy", "split": "test", "items": 3}]
    assert result.manifest["format"] == "grpo" and manifest["clinreason_version"] and manifest["created"]


def test_item_metadata_split_wins_over_the_subset(tmp_path):
    item = make_item(0, answer="A", metadata={"split": "test_hard"})
    assert item_split(item, {"subset": "all"}) == "test_hard"
    assert item_split(make_item(1), {"subset": "dev"}) == "dev"
    store, run_id = _planned_store(tmp_path, [item, make_item(1, answer="B")], subset="all")
    with pytest.raises(ContaminationError, match="toy test_hard: 1"):
        export_training(store, [run_id], "grpo", tmp_path / "g.jsonl")


def test_ngram_overlap_finds_reworded_and_embedded_questions():
    base = ("A 45 year old man presents with crushing chest pain radiating to the left arm and diaphoresis "
            "for two hours before arrival")
    exported = {("toy", "x1"): make_item(1, question=base + ". What is the next step?"),
                ("toy", "x2"): make_item(2, question="An infant with a barking cough and stridor at night.")}
    evaluation = EvalSet("bench:test", [
        make_item(7, id="e7", question="Case: " + base + ". Which drug first?"),
        make_item(8, id="e8", question="A child with wheezing after a viral infection, worse at night."),
    ])
    found = find_overlaps(exported, [evaluation], n=8, threshold=0.5)
    assert [(m["item_id"], m["eval_item_id"]) for m in found] == [("x1", "e7")]
    assert found[0]["containment"] >= 0.5 and 0 < found[0]["jaccard"] <= found[0]["containment"]
    assert find_overlaps(exported, [evaluation], n=8, threshold=1.0) == []


def test_eval_set_overlap_is_reported_and_dropped(tmp_path, monkeypatch):
    from clinreason.training import pipeline

    store, run_id = _planned_store(tmp_path, _items(3))
    twin = EvalSet("bench:test", [make_item(1, id="e1", question="Toy question 1?")])
    monkeypatch.setattr(pipeline, "load_eval_set", lambda spec, data_dir=None: twin)
    options = ExportOptions(eval_sets=["bench:test"], ngram=2, overlap_threshold=0.9)
    reported = export_training(store, [run_id], "grpo", tmp_path / "r.jsonl", options=options)
    assert [m["item_id"] for m in reported.manifest["overlap"]["matches"]] == ["q1"] and len(_rows(reported.path)) == 3
    options.drop_overlap = True
    dropped = export_training(store, [run_id], "grpo", tmp_path / "d.jsonl", options=options)
    assert [r["item_id"] for r in _rows(dropped.path)] == ["q0", "q2"]
    assert dropped.manifest["counts"]["dropped"] == {"near-duplicate of an evaluation item (--drop-overlap)": 1}


@pytest.mark.parametrize("kind", ["sft", "dpo", "grpo"])
def test_parquet_holds_the_same_records_as_jsonl(tmp_path, kind):
    pq = pytest.importorskip("pyarrow.parquet")
    store = Store(tmp_path / "results")
    run_id = _run(store, _items(3), "cot_sc", _sc_script, "sampler", params={"n": 4, "adaptive": False})
    _verdict(store, run_id, "q1", 1.0)
    export_training(store, [run_id], kind, tmp_path / "x.jsonl")
    export_training(store, [run_id], kind, tmp_path / "x.data", as_="parquet")
    table = pq.read_table(tmp_path / "x.data")
    assert table.to_pylist() == _rows(tmp_path / "x.jsonl") and table.num_rows > 0
    field = table.schema.field("messages" if kind == "sft" else "prompt")
    assert str(field.type) == "list<element: struct<role: string, content: string>>"


def _cli(*args):
    from typer.testing import CliRunner

    from clinreason.cli import app

    return CliRunner().invoke(app, ["export-training", *map(str, args)])


def test_cli_summary_and_bad_input(tmp_path, sft_store):
    store, run_id = sft_store
    results = tmp_path / "results"
    ok = _cli(run_id[:10], "--format", "sft", "-o", tmp_path / "t.parquet", "-r", results)
    assert ok.exit_code == 0, ok.output
    assert "wrote 2 sft records" in ok.output and "judged unsound" in ok.output
    assert manifest_path(tmp_path / "t.parquet").is_file()
    for args, message in [
        ((run_id, "--format", "ppo", "-o", tmp_path / "a.jsonl"), "expected one of sft, dpo, grpo"),
        (("nope", "--format", "sft", "-o", tmp_path / "a.jsonl"), "no run 'nope'"),
        ((run_id, "--format", "sft", "-o", tmp_path / "t.parquet" / "a.jsonl"), "not a directory"),
        ((run_id, "--format", "sft", "-o", tmp_path / "a.txt"), "name a .jsonl or .parquet file"),
        ((run_id, "--format", "sft", "-o", tmp_path), "is a directory"),
    ]:
        bad = _cli(*args, "-r", results)
        assert bad.exit_code == 2 and message in bad.output, (args, bad.output)
    assert not (tmp_path / "a.jsonl").exists()
    nested = _cli(run_id, "--format", "sft", "-o", tmp_path / "new" / "dir" / "s.jsonl", "-r", results)
    assert nested.exit_code == 0 and (tmp_path / "new" / "dir" / "s.jsonl").is_file(), nested.output
