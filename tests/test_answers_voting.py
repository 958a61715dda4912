"""Voting reads like grading: a voted answer carries rule "vote" and is strict only when every
counted sample was read by the strict `format` rule, so `cot` and `cot_sc` report the same strict
share for the same text; the reading is stored and a regrade rebuilds it."""

from __future__ import annotations

import asyncio
import random

import pytest
from conftest import make_item

from clinreason import engine
from clinreason.grading.extractor import stored_prediction
from clinreason.grading.scorers import AnswerScorer
from clinreason.methods import Context, build_method
from clinreason.methods._common import Read, answer_of, vote_strictness, voted_prediction
from clinreason.models.gateway import Gateway
from clinreason.models.scripted import ScriptedModel
from clinreason.store import Store


def _run(tmp_path, method, params, script, items, name):
    plan = engine.RunPlan(benchmark="toy", subset="test", model_spec="scripted", method=build_method(method, params),
                          items=items, name=name)
    store = Store(tmp_path)
    summary = asyncio.run(engine.execute(plan, ScriptedModel(script), store))
    return store, summary


@pytest.mark.parametrize("reply", ["ANSWER: B", "The answer is B.", "B"])
def test_cot_and_cot_sc_report_the_same_strict_share(tmp_path, reply):
    items = [make_item(i, answer="AB"[i % 2]) for i in range(4)]
    _, cot = _run(tmp_path, "cot", {}, [reply], items, "cot")
    _, sc = _run(tmp_path, "cot_sc", {"n": 3, "adaptive": False}, [reply], items, "sc")
    assert cot["accuracy"] == sc["accuracy"] == 0.5
    assert cot["accuracy_strict_format"] == sc["accuracy_strict_format"] == (0.5 if reply == "ANSWER: B" else 0.0)
    assert sum(sc["answer_rules"].values()) == 4 and set(sc["answer_rules"]) == {"vote"}


def test_a_vote_is_strict_only_when_every_counted_sample_was(tmp_path):
    item = make_item(0, answer="B")
    replies = ["ANSWER: B", "The answer is B.", "ANSWER: B"]
    store, summary = _run(tmp_path, "cot_sc", {"n": 3, "adaptive": False}, replies, [item], "mixed")
    pred = store.predictions(summary["run_id"])[0]
    assert pred["answer"] == "B"
    assert pred["info"]["answer_rule"] == "vote" and pred["info"]["answer_strict"] is False
    assert pred["info"]["sample_rules"] == ["format", "answer_phrase", "format"]
    score = store.scores(summary["run_id"], "answer")[0]
    assert score["detail"]["rule"] == "vote" and score["detail"]["strict"] is False
    # An unparsed sample does not count in the vote, so it does not make the vote loose.
    store2, summary2 = _run(tmp_path / "2", "cot_sc", {"n": 3, "adaptive": False},
                            ["ANSWER: B", "no idea", "ANSWER: B"], [item], "unparsed-sample")
    assert store2.predictions(summary2["run_id"])[0]["info"]["answer_strict"] is True
    assert summary2["accuracy_strict_format"] == 1.0


def test_vote_strictness_and_plain_answers():
    item = make_item(0)
    strict, loose = answer_of("ANSWER: B", item), answer_of("The answer is B.", item)
    assert isinstance(strict, Read) and (strict.rule, strict.strict) == ("format", True)
    assert (loose.rule, loose.strict) == ("answer_phrase", False)
    assert vote_strictness([strict, None, strict]) is True
    assert vote_strictness([strict, loose]) is False
    assert vote_strictness(["B", "B"]) is None  # answers not read by answer_of: unknown, as before
    pred = voted_prediction(["x", "y"], [strict, loose], answers_by_round=[[strict, None], [strict, loose]])
    assert (pred.answer, pred.rule, pred.strict) == ("B", "vote", False)
    assert type(pred.answer) is str and all(type(a) is str for a in pred.info["answers"])
    assert pred.info["answers_by_round"] == [["B", None], ["B", "B"]]
    assert voted_prediction(["?"], [None]).rule is None  # no vote: the scorer reads the output


def test_medprompt_keeps_strictness_through_the_choice_shuffle(tmp_path):
    item = make_item(0, answer="C", n_options=5)
    method = build_method("medprompt", {"n": 3, "adaptive": False})
    method.prepare([make_item(i, answer="A", id=f"pool{i}") for i in range(1, 6)])

    def pick(messages, params, i):  # the option text "option c of 0", whatever letter shows it
        prompt = messages[-1].content
        letter = next(line[0] for line in prompt.splitlines() if line.endswith("option c of 0"))
        return f"ANSWER: {letter}" if params.seed != 1 else f"The answer is {letter}."

    gateway = Gateway(ScriptedModel(pick), Store(tmp_path))
    lm = gateway.for_item(item.id)
    pred = asyncio.run(method(item, Context(item=item, lms={"model": lm}, trace=lm.trace)))
    assert (pred.answer, pred.rule, pred.strict) == ("C", "vote", False)
    assert pred.info["sample_rules"] == ["format", "answer_phrase", "format"]


def test_debate_votes_record_strictness(tmp_path):
    item = make_item(0, answer="B")
    gateway = Gateway(ScriptedModel(["ANSWER: B"]), Store(tmp_path))
    lm = gateway.for_item(item.id)
    method = build_method("debate", {"agents": 3, "rounds": 1})
    pred = asyncio.run(method(item, Context(item=item, lms={"model": lm}, trace=lm.trace)))
    assert (pred.answer, pred.rule, pred.strict) == ("B", "vote", True)
    assert AnswerScorer()(item, pred).detail == {"rule": "vote", "strict": True, "gold": "B"}


@pytest.mark.parametrize("method,params", [("self_refine", {"rounds": 1, "stop_on_correct": False}),
                                           ("mdagents", {"level": "basic"})])
def test_methods_that_return_text_are_read_like_cot(tmp_path, method, params):
    item = make_item(0, answer="B")
    for reply, strict in (("ANSWER: B", True), ("The answer is B.", False)):
        gateway = Gateway(ScriptedModel([reply]), Store(tmp_path / f"{method}{strict}"))
        lm = gateway.for_item(item.id)
        pred = asyncio.run(build_method(method, params)(item, Context(item=item, lms={"model": lm}, trace=lm.trace)))
        score = AnswerScorer()(item, pred)
        assert score.value == 1.0 and score.detail["strict"] is strict


def test_numeric_votes_keep_their_strictness(tmp_path):
    from clinreason.items import Item, TaskType, Tolerance

    item = Item(id="n1", benchmark="t", question="CrCl?", answer="97", task=TaskType.numeric,
                tolerance=Tolerance(lower=95, upper=99))
    replies = ["ANSWER: 97 mL/min", "ANSWER: 97.0", "so roughly 12"]
    store, summary = _run(tmp_path, "cot_sc", {"n": 3, "adaptive": False}, replies, [item], "num")
    pred = store.predictions(summary["run_id"])[0]
    assert pred["answer"] == "97" and pred["info"]["votes"] == {"97": 2, "12": 1}
    assert summary["accuracy"] == 1.0 and summary["accuracy_strict_format"] == 0.0  # "12" was read loosely


def test_stored_reading_rebuilds_the_prediction():
    item = make_item(0, answer="B")
    row = {"output": "The answer is B.", "answer": "B", "info": {"answer_rule": "vote", "answer_strict": False}}
    pred = stored_prediction(item, row)
    assert (pred.answer, pred.rule, pred.strict) == ("B", "vote", False)
    legacy = stored_prediction(item, {"output": "ANSWER: B", "answer": "B", "info": {}})  # stored before rules
    assert AnswerScorer()(item, legacy).detail["rule"] == "method"


def test_random_vote_order_does_not_change_strictness():
    item = make_item(0)
    reads = [answer_of(t, item) for t in ["ANSWER: B", "ANSWER: B", "ANSWER: C", "no idea"]]
    for seed in range(5):
        shuffled = reads[:]
        random.Random(seed).shuffle(shuffled)
        assert vote_strictness(shuffled) is True
