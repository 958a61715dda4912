"""Judges checked against controls: known-answer units stored apart (`@control`), control accuracy
beside the verdicts, a judge below the threshold marked unreliable (summary, `judge`, `show`,
report), and a verdict identical to the prompt's own example refused."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from clinreason.cli import app
from clinreason.items import Item, TaskType
from clinreason.judges import RUBRICS, Judge, judge_run, judge_summary, resolve_rubrics
from clinreason.judges.base import REPEATS_EXAMPLE, repeats_example
from clinreason.judges.controls import controls_for, pick_other, shuffled
from clinreason.judges.trust import control_accuracy
from clinreason.models.gateway import RetryPolicy
from clinreason.models.scripted import ScriptedModel
from clinreason.store import Store

FAST = RetryPolicy(max_attempts=2, base_delay_s=0.0, max_delay_s=0.0)
GOLDS = {"o1": "Sarcoidosis", "o2": "Tuberculosis", "o3": "Lymphoma"}
EXPLANATION = "Hilar nodes are bilateral. Non-caseating granulomas were found. Calcium is raised."


def open_store(tmp_path) -> Store:
    store = Store(tmp_path)
    items = [Item(id=i, benchmark="toy", question=f"Diagnosis for case {i}?", answer=gold, task=TaskType.open_ended,
                  explanation=EXPLANATION) for i, gold in GOLDS.items()]
    store.start_run({"id": "r1", "benchmark": "toy", "subset": None, "model": "m", "model_identity": "m",
                     "method": "cot", "config": {}}, items)
    outputs = {"o1": "ANSWER: sarcoidosis", "o2": "ANSWER: sarcoidosis", "o3": "ANSWER: lymphoma"}
    for item in items:
        store.save_result("r1", item.id, {"status": "ok", "output": outputs[item.id]}, {})
    return store


def fair_judge(messages, params, i) -> str:
    """Equivalence by comparing the two answers; reasoning always sound."""
    prompt = messages[-1].content
    if "Answer 1:" in prompt:
        a = re.search(r"Answer 1: (.*)", prompt).group(1).strip().casefold()
        b = re.search(r"Answer 2: (.*)", prompt).group(1).strip().casefold()
        return json.dumps({"equivalent": a == b, "reason": "compared the names"})
    n = len(re.findall(r"^\d+\. ", prompt.split("The response's reasoning")[1].split("For every step")[0], re.M))
    return json.dumps({"steps": [{"step": k + 1, "relevant": True, "correct": True} for k in range(n)],
                       "sound": True, "reason": "follows"})


def echo_judge(messages, params, i) -> str:
    """Copies the JSON example its prompt shows: never judges anything."""
    return [line for line in messages[-1].content.splitlines() if line.startswith("{")][-1]


def judge_with(store, script, rubrics=("equivalence",), **kw):
    judge = Judge(ScriptedModel(script, identity="scripted-judge"), store, "r1", max_attempts=2, retry=FAST)
    return asyncio.run(judge_run(store, "r1", judge, resolve_rubrics(list(rubrics)), **kw))


# --- pure pieces --------------------------------------------------------------------------------
def test_controls_per_rubric_and_the_other_item():
    items = [Item(id=i, benchmark="t", question="?", answer=g, task=TaskType.open_ended) for i, g in
             (("a", "X"), ("b", "x"), ("c", "Y"))]
    assert pick_other(items, 0).id == "c"  # "x" is the same gold as "X": not a wrong answer
    assert pick_other(items[:2], 0) is None
    eq = controls_for(RUBRICS.get("equivalence")(), items[0], items[2])
    assert [(c.kind, c.expected, c.hard) for c in eq] == [("gold", ("match",), True), ("other_gold", ("no_match",), True)]
    item = Item(id="q", benchmark="t", question="?", answer="A", options={"A": "x", "B": "y"}, explanation=EXPLANATION)
    reasoning = controls_for(RUBRICS.get("reasoning")(), item, None)
    assert [(c.kind, c.hard) for c in reasoning] == [("reference", True), ("shuffled", False)]
    steps = ["one.", "two.", "three."]
    assert sorted(shuffled(steps, "q")) == sorted(steps) and shuffled(steps, "q") != steps
    assert shuffled(["a.", "b."], "any") == ["b.", "a."] or shuffled(["a.", "b."], "any") != ["a.", "b."]
    assert controls_for(RUBRICS.get("citations")(), item, None) == []  # no verdict known in advance


def test_control_accuracy_counts_soft_controls_apart():
    details = [{"controls": [{"kind": "gold", "correct": True, "hard": True},
                             {"kind": "other_gold", "correct": False, "hard": True},
                             {"kind": "shuffled", "correct": False, "hard": False}]}]
    c = control_accuracy(details)
    assert (c["n"], c["correct"], c["accuracy"], c["reliable"]) == (2, 1, 0.5, False)
    assert c["soft"] == {"shuffled": {"n": 1, "correct": 0}}
    assert control_accuracy([])["reliable"] is None


def test_every_prompt_example_is_neutral_and_refused_when_repeated():
    for name, cls in RUBRICS.items():
        module = __import__(cls.__module__, fromlist=["*"])
        for schema in [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, BaseModel)
                       and "example" in (v.model_config.get("json_schema_extra") or {})]:
            example = schema.model_config["json_schema_extra"]["example"]
            text = json.dumps(example)
            assert "<" in text, f"{schema.__name__}: a placeholder keeps a real verdict from equalling the example"
            assert not re.search(r"metformin|diabet|hypoglyc|advises", text, re.I), schema.__name__
            assert repeats_example(schema.model_validate(example), schema)


# --- judged runs ------------------------------------------------------------------------------
def test_fair_judge_passes_its_controls_stored_apart(tmp_path):
    store = open_store(tmp_path)
    progress = judge_with(store, fair_judge)
    assert progress.by_scorer == {"judge:equivalence": 3, "judge:equivalence@control": 3}
    main = {s["item_id"]: s["label"] for s in store.scores("r1", "judge:equivalence")}
    assert main == {"o1": "match", "o2": "no_match", "o3": "match"}  # controls never mix with verdicts
    s = judge_summary(store, "r1")
    assert s["judge:equivalence"]["n"] == 3
    controls = s["trust"]["judge:equivalence"]["controls"]
    assert (controls["n"], controls["correct"], controls["reliable"]) == (6, 6, True)
    assert controls["by_kind"] == {"gold": {"n": 3, "correct": 3}, "other_gold": {"n": 3, "correct": 3}}
    assert s["unreliable"] == []
    assert judge_with(store, fair_judge).total == 0  # resumable: controls already stored are skipped


def test_judge_fed_its_own_prompt_example_is_marked_unreliable(tmp_path):
    store = open_store(tmp_path)
    judge_with(store, echo_judge, rubrics=("equivalence", "reasoning"))
    verdicts = store.scores("r1", "judge:equivalence")
    assert {v["label"] for v in verdicts} == {"judge_invalid"}
    assert verdicts[0]["detail"]["error"] == REPEATS_EXAMPLE
    s = judge_summary(store, "r1")
    assert s["trust"]["judge:equivalence"]["controls"]["accuracy"] == 0.0
    assert s["unreliable"] == ["judge:equivalence", "judge:reasoning"]
    out = CliRunner().invoke(app, ["show", "r1", "--out", str(tmp_path)], env={"COLUMNS": "220"}).output
    assert "UNRELIABLE" in out and "judge:equivalence controls" in out and "0.0% right" in out


def test_always_yes_judge_fails_the_wrong_gold_control(tmp_path):
    store = open_store(tmp_path)
    judge_with(store, lambda m, p, i: json.dumps({"equivalent": True, "reason": "same"}))
    c = judge_summary(store, "r1")["trust"]["judge:equivalence"]["controls"]
    assert c["by_kind"]["other_gold"] == {"n": 3, "correct": 0} and c["accuracy"] == 0.5 and c["reliable"] is False


def test_reasoning_controls_keep_the_shuffle_soft(tmp_path):
    store = open_store(tmp_path)
    judge_with(store, fair_judge, rubrics=("reasoning",))
    c = judge_summary(store, "r1")["trust"]["judge:reasoning"]["controls"]
    # the fair judge calls everything sound: the reference control right, the shuffle "missed" but not counted
    assert c["by_kind"] == {"reference": {"n": 3, "correct": 3}} and c["soft"] == {"shuffled": {"n": 3, "correct": 0}}
    assert c["reliable"] is True


def test_judge_cli_prints_controls_and_no_controls_skips_them(tmp_path, monkeypatch):
    import clinreason.models as models

    store = open_store(tmp_path)
    monkeypatch.setattr(models, "load_model", lambda *a, **k: ScriptedModel(
        lambda m, p, i: json.dumps({"equivalent": True, "reason": "same"}), identity="yes-judge"))
    result = CliRunner().invoke(app, ["judge", "r1", "--judge", "scripted", "--rubric", "equivalence",
                                      "--out", str(tmp_path)], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    assert "UNRELIABLE" in result.output and "50.0% right (3 of 6" in result.output
    store.db.execute("DELETE FROM scores")
    result = CliRunner().invoke(app, ["judge", "r1", "--judge", "scripted", "--rubric", "equivalence",
                                      "--no-controls", "--out", str(tmp_path)], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    assert "judge:equivalence controls" not in result.output and not store.scores("r1", "judge:equivalence@control")


def test_report_marks_the_unreliable_judge(tmp_path):
    from clinreason.report import build_report

    store = open_store(tmp_path)
    judge_with(store, echo_judge)
    html = build_report(store, ["r1"])
    assert "unreliable judge" in html and "judge:equivalence@control" in html
