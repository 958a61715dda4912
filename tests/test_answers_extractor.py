"""The optional model-based extractor: asked only when the parser reads nothing and the run has an
`extractor` role; its reply is read by the same parser; cached and traced like every call."""

from __future__ import annotations

import asyncio

from conftest import make_item

from clinreason import engine
from clinreason.grading.extractor import apply_extraction, extraction_messages, needs_extraction, stored_prediction
from clinreason.items import Item, TaskType, Tolerance
from clinreason.methods import build_method
from clinreason.models.protocol import ModelError
from clinreason.models.scripted import ScriptedModel
from clinreason.results import Prediction
from clinreason.store import Store

REPLIES = {"Toy question 0?": "ANSWER: A",  # the parser reads it: no extractor call
           "Toy question 1?": "After weighing them all, I lean towards the nitrate option.",  # unreadable
           "Toy question 2?": "Hard to say."}  # unreadable, and the extractor finds nothing either


def model(messages, params, i):
    prompt = messages[-1].content
    return next(reply for question, reply in REPLIES.items() if question in prompt)


def extractor(messages, params, i):
    prompt = messages[-1].content
    return "B" if "nitrate option" in prompt else "none"


def _run(tmp_path, items, name, extractor_model, store=None):
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec="scripted", method=build_method("cot"),
                          items=items, roles={"extractor": "scripted-extractor"}, name=name)
    store = store or Store(tmp_path)
    summary = asyncio.run(engine.execute(plan, {"model": ScriptedModel(model), "extractor": extractor_model}, store))
    return store, summary


def test_the_extractor_reads_what_the_parser_cannot(tmp_path):
    items = [make_item(i, answer="AB"[i % 2]) for i in range(3)]
    ext = ScriptedModel(extractor, identity="scripted-extractor")
    store, summary = _run(tmp_path, items, "x1", ext)
    assert len(ext.calls) == 2  # items 1 and 2 only
    prompt = ext.calls[0][0][-1].content
    assert "Toy question" in prompt and "option a of" in prompt and "Response:" in prompt
    preds = {p["item_id"]: p for p in store.predictions(summary["run_id"])}
    assert preds["q1"]["answer"] == "B"
    assert preds["q1"]["info"]["answer_rule"] == "extractor" and preds["q1"]["info"]["answer_strict"] is False
    assert preds["q1"]["info"]["extractor_reply"] == "B"
    assert preds["q2"]["answer"] is None and preds["q2"]["info"]["extractor_reply"] == "none"
    assert "answer_rule" not in preds["q0"]["info"]
    calls = [(e["role"], e["tag"]) for e in preds["q1"]["trace"] if e["type"] == "model_call"]
    assert calls[-1] == ("extractor", "extract") and {r for r, _ in calls[:-1]} == {"model"}
    assert {e["role"] for e in preds["q0"]["trace"]} == {"model"}
    scores = {s["item_id"]: s for s in store.scores(summary["run_id"], "answer")}
    assert (scores["q1"]["value"], scores["q1"]["detail"]["rule"], scores["q1"]["detail"]["strict"]) == \
        (1.0, "extractor", False)
    assert scores["q2"]["label"] == "unparsed"
    assert summary["accuracy"] == 2 / 3 and summary["accuracy_strict_format"] == 1 / 3
    assert summary["answer_rules"] == {"extractor": 1, "format": 1, "unparsed": 1}
    assert summary["roles"]["extractor"]["calls"] == 2

    # The same calls again (another run on the same store): the gateway's cache answers them.
    again = ScriptedModel(extractor, identity="scripted-extractor")
    _, summary2 = _run(tmp_path, items, "x2", again, store)
    assert again.calls == [] and summary2["accuracy"] == 2 / 3


def test_without_an_extractor_role_nothing_is_extracted(tmp_path):
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec="scripted", method=build_method("cot"),
                          items=[make_item(1, answer="B")])
    store = Store(tmp_path)
    summary = asyncio.run(engine.execute(plan, ScriptedModel(model), store))
    assert summary["unparsed"] == 1
    assert "extractor_reply" not in store.predictions(summary["run_id"])[0]["info"]


def test_a_failing_extractor_leaves_the_item_unparsed(tmp_path):
    def broken(messages, params, i):
        raise ModelError("extractor down")

    store, summary = _run(tmp_path, [make_item(1, answer="B")], "broken", ScriptedModel(broken))
    pred = store.predictions(summary["run_id"])[0]
    assert pred["status"] == "ok" and pred["answer"] is None and "extractor down" in pred["info"]["extractor_error"]
    assert summary["unparsed"] == 1 and summary["errors"] == 0


def test_numeric_items_ask_for_a_number():
    item = Item(id="n", benchmark="t", question="CrCl?", answer="97", task=TaskType.numeric,
                tolerance=Tolerance(lower=95, upper=99))
    pred = Prediction(output="Using Cockcroft-Gault gives us ninety-seven.")
    assert needs_extraction(item, pred)
    assert "number only" in extraction_messages(item, pred.output)[0].content
    done = apply_extraction(item, pred, "97")
    assert (done.answer, done.rule, done.strict) == ("97", "extractor", False)
    assert not needs_extraction(item, Prediction(output="ANSWER: 97"))
    assert not needs_extraction(item, Prediction(output="", answer=None))
    assert not needs_extraction(make_item(0), Prediction(output="x", answer="A", rule="vote"))


def test_regrade_reads_the_stored_reply_again_and_prefers_the_parser():
    item = make_item(0, answer="B")
    row = {"output": "I lean towards the nitrate option.", "answer": "B",
           "info": {"answer_rule": "extractor", "answer_strict": False, "extractor_reply": "B"}}
    assert stored_prediction(item, row).answer == "B"
    # The parser (say, a newer version) now reads the output itself: the extractor's answer gives way.
    row2 = {**row, "output": "ANSWER: C"}
    rebuilt = stored_prediction(item, row2)
    assert (rebuilt.answer, rebuilt.rule) == (None, None)
