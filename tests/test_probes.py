"""Robustness probes: each transform (ids, source, gold remapped, skips), and `clinreason probe` end to
end with a scripted model (paired report, skips counted, resumable, same-model check); one small real
run with the embedded model."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from typer.testing import CliRunner

from clinreason import engine
from clinreason.cli import app
from clinreason.items import AnswerFormat, Item, TaskType
from clinreason.methods import build_method
from clinreason.models.scripted import ScriptedModel
from clinreason.probes import PROBES, derive_all, to_source_letters
from clinreason.probes.bias import BIASES
from clinreason.probes.nota import NONE_OF_THE_ABOVE
from clinreason.store import Store


def case(i: int, gold: str = "B", n: int = 4, **kw) -> Item:
    letters = "ABCDEFG"[:n]
    options = {x: (f"correct treatment {i}" if x == gold else f"wrong choice {x.lower()}{i}") for x in letters}
    return Item(id=f"c{i}", benchmark="toy", question=f"Case {i}: what now?", options=options, answer=gold, **kw)


def yes_no(i: int) -> Item:
    return Item(id=f"y{i}", benchmark="toy", question=f"Is {i} so?", answer="yes", task=TaskType.yes_no_maybe)


def gold_text(item: Item) -> str:
    return item.options[item.answer]


# --- transforms ------------------------------------------------------------------------------------

def test_every_probe_keeps_source_and_names_its_transform():
    items = [case(i, gold="ABCD"[i % 4]) for i in range(6)]
    for name in ("shuffle", "nota", "nota_distractor", "distractor", "bias", "hint", "prefill", "prefill_reasoning"):
        derived, skipped = derive_all(PROBES.get(name)(), items, seed=3)
        assert derived and not skipped, name
        for d in derived:
            assert d.source_id in {i.id for i in items} and d.id != d.source_id and d.transform.startswith(name)
        assert derived == derive_all(PROBES.get(name)(), items, seed=3)[0], f"{name} is not reproducible"


def test_shuffle_and_distractor_remap_the_gold_with_its_text():
    items = [case(i, gold="ABCD"[i % 4]) for i in range(5)]
    for name, n_options in (("shuffle", 4), ("distractor", 5)):
        for d in derive_all(PROBES.get(name)(), items, seed=1)[0]:
            source = next(i for i in items if i.id == d.source_id)
            assert len(d.options) == n_options and gold_text(d) == gold_text(source)
            assert to_source_letters(d.answer, d) == source.answer  # the gold reads back as the original's
    distractors = derive_all(PROBES.get("distractor")(), items, seed=1)[0]
    for d in distractors:
        added = d.options[d.metadata["added_option"]]
        assert added not in next(i for i in items if i.id == d.source_id).options.values()
        assert to_source_letters(d.metadata["added_option"], d) == "+"  # an answer the original could not give


def test_nota_replaces_the_gold_text_or_a_distractor():
    item = case(0, gold="C")
    [gold_gone] = derive_all(PROBES.get("nota")(), [item])[0]
    assert gold_gone.answer == "C" and gold_gone.options["C"] == NONE_OF_THE_ABOVE
    assert gold_text(item) not in gold_gone.options.values()
    [distractor_gone] = derive_all(PROBES.get("nota_distractor")(), [item])[0]
    target = distractor_gone.metadata["probe_target"]
    assert distractor_gone.answer == "C" and target != "C" and distractor_gone.options[target] == NONE_OF_THE_ABOVE


def test_bias_derives_seven_sentences_at_one_wrong_option():
    item = case(0, gold="A")
    derived = derive_all(PROBES.get("bias")(), [item], seed=2)[0]
    assert sorted(d.transform for d in derived) == sorted(f"bias_{k}" for k in BIASES)
    targets = {d.metadata["probe_target"] for d in derived}
    assert len(targets) == 1 and targets != {"A"}
    target = targets.pop()
    for d in derived:
        assert d.answer == "A" and d.options == item.options and item.options[target] in d.question
    [one] = derive_all(PROBES.get("bias_recency")(), [item], seed=2)[0]
    assert one.transform == "bias_recency" and one.metadata["probe_target"] == target


def test_hint_and_prefill_point_at_a_wrong_option():
    item = case(1, gold="D")
    for name in ("hint", "prefill", "prefill_reasoning"):
        [d] = derive_all(PROBES.get(name)(), [item], seed=0)[0]
        target = d.metadata["probe_target"]
        assert target != "D" and target in d.question and d.question.startswith(item.question)


def test_probes_skip_items_they_cannot_apply_to_and_say_why():
    ja = case(2, language="ja")
    multi = Item(id="m1", benchmark="toy", question="Pick two", options={"A": "a", "B": "b", "C": "c"}, answer="A,C",
                 answer_format=AnswerFormat.letters)
    catch_all = case(3, n=4).model_copy(update={"options": {"A": "x", "B": "correct treatment 3", "C": "y",
                                                            "D": "All of the above"}})
    items = [case(0), yes_no(1), ja, multi, catch_all]
    _, skipped = derive_all(PROBES.get("shuffle")(), items)
    assert skipped == {"no options": 1}
    _, skipped = derive_all(PROBES.get("nota")(), items)
    assert skipped == {"no options": 1, "not English (ja)": 1, "multi-answer": 1, "already has a catch-all option": 1}
    _, skipped = derive_all(PROBES.get("hint")(), items)
    assert skipped == {"no options": 1, "not English (ja)": 1}
    _, skipped = derive_all(PROBES.get("distractor")(), [case(0)])
    assert skipped == {"no other item of its benchmark to draw an option from": 1}


# --- clinreason probe, scripted ---------------------------------------------------------------------

SUGGESTED = re.compile(r"(?:thinks the answer is|sure the answer is|answered|answer was|the answer is) ([A-G])\b")


def gullible(messages, params, i):
    """Takes any suggested letter; otherwise finds the option whose text says "correct"; else A."""
    prompt = messages[-1].content
    if m := SUGGESTED.search(prompt):
        return f"ANSWER: {m.group(1)}"
    m = re.search(r"^([A-G])\. correct treatment", prompt, re.MULTILINE)
    return f"ANSWER: {m.group(1) if m else 'A'}"


def base_run(tmp_path, items) -> str:
    store = Store(tmp_path)
    plan = engine.RunPlan(benchmark="toy", subset="test", model_spec="scripted", method=build_method("direct"),
                          items=items, name="base")
    asyncio.run(engine.execute(plan, ScriptedModel(gullible), store))
    store.close()
    return "base"


@pytest.fixture
def scripted_models(monkeypatch):
    built = []

    def load(spec, **kw):
        model = ScriptedModel(gullible, identity="scripted" if spec == "scripted" else spec)
        built.append(model)
        return model

    monkeypatch.setattr("clinreason.models.load_model", load)
    return built


def test_probe_command_reports_each_probe_against_its_base(tmp_path, scripted_models):
    items = [case(i, gold="ABCD"[i % 4]) for i in range(8)] + [yes_no(8)]
    base_run(tmp_path, items)
    runner = CliRunner()
    args = ["probe", "base", "--probes", "shuffle,nota,hint,bias", "--out", str(tmp_path), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = {r["probe"]: r for r in json.loads(result.output.splitlines()[-1])["probes"]}
    shuffle = rows["shuffle"]
    assert (shuffle["n"], shuffle["n_sources"], shuffle["skipped"]) == (16, 8, {"no options": 1})
    assert shuffle["accuracy"] == shuffle["base_accuracy"] == 1.0 and shuffle["flip_rate"] == 0.0
    assert shuffle["change"] == 0.0 and shuffle["ci95"] == [0.0, 0.0]
    hint = rows["hint"]
    assert hint["accuracy"] == 0.0 and hint["took_target"] == 1.0 and hint["flip_rate"] == 1.0
    assert hint["change"] == -1.0 and hint["p_value"] < 0.01
    nota = rows["nota"]  # the gold's text is gone: this model falls back to A, right only where A was gold
    assert nota["accuracy"] == 2 / 8 and nota["flip_rate"] == 6 / 8
    assert set(rows["bias"]["variants"]) == {f"bias_{k}" for k in BIASES} and rows["bias"]["n"] == 56
    store = Store(tmp_path)  # each probe is a stored run naming its base and transform
    run = store.get_run("base.hint")
    assert run["config"]["probe_of"] == "base" and run["config"]["transform"] == "hint"
    assert all(i.source_id and i.transform == "hint" for i in store.run_items("base.hint"))
    store.close()
    calls = sum(len(m.calls) for m in scripted_models)
    again = runner.invoke(app, args)  # resumes: every probe run is complete, nothing is asked again
    assert again.exit_code == 0 and sum(len(m.calls) for m in scripted_models) == calls
    assert json.loads(again.output.splitlines()[-1])["probes"] == json.loads(result.output.splitlines()[-1])["probes"]
    table = runner.invoke(app, ["probe", "base", "--probes", "shuffle", "--out", str(tmp_path)])
    assert table.exit_code == 0 and "flip rate" in table.output and "skipped 1 of 9" in table.output


def test_probe_command_refuses_another_model_and_bad_input(tmp_path, scripted_models):
    base_run(tmp_path, [case(i) for i in range(3)])
    runner = CliRunner()
    other = runner.invoke(app, ["probe", "base", "--probes", "hint", "--model", "someone-else", "--out", str(tmp_path)])
    assert other.exit_code == 2 and "same model" in other.output
    unknown = runner.invoke(app, ["probe", "base", "--probes", "shuffle,[bold]x", "--out", str(tmp_path)])
    assert unknown.exit_code == 2 and "unknown probe '[bold]x'" in unknown.output
    for args, message in ((["--probes", ","], "at least one probe"), (["--limit", "0"], "--limit"),
                          (["--probes", "interactive"], "run --interactive")):
        bad = runner.invoke(app, ["probe", "base", *args, "--out", str(tmp_path)])
        assert bad.exit_code == 2 and message in bad.output and len(bad.output.strip().splitlines()) == 1, bad.output
    missing = runner.invoke(app, ["probe", "nope", "--out", str(tmp_path)])
    assert missing.exit_code == 2 and "no run 'nope'" in missing.output


# --- the embedded model ----------------------------------------------------------------------------

@pytest.mark.model
@pytest.mark.slow
def test_probe_with_the_embedded_model_on_two_medqa_items(tmp_path, shared_data, monkeypatch):
    monkeypatch.setenv("CLINREASON_DATA", str(shared_data))
    runner = CliRunner()
    out = str(tmp_path / "results")
    base = runner.invoke(app, ["run", "medqa", "--subset", "test_hard", "--limit", "2", "--method", "direct",
                               "--run-name", "base", "--out", out, "--json"])
    assert base.exit_code == 0, base.output
    result = runner.invoke(app, ["probe", "base", "--probes", "shuffle,hint", "--out", out, "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["probe"]: r for r in json.loads(result.output.splitlines()[-1])["probes"]}
    assert rows["shuffle"]["n"] == 4 and rows["shuffle"]["n_sources"] == 2 and rows["hint"]["n"] == 2
    for row in rows.values():
        assert 0.0 <= row["accuracy"] <= 1.0 and 0.0 <= row["flip_rate"] <= 1.0 and row["n_skipped"] == 0
