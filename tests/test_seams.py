"""The seams that agents stand on: several model roles per run, tools in a loop, typed traces,
Item v2, per-format parsers shared by votes and scorers, benchmark-chosen scorers."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from clinreason import engine
from clinreason.chat import Message, ToolCall
from clinreason.grading.parsers import parse_answer
from clinreason.grading.scorers import SCORERS, AnswerScorer
from clinreason.items import AnswerFormat, Item, TaskType, Tolerance
from clinreason.methods import build_method
from clinreason.models.scripted import ScriptedModel
from clinreason.prompts import item_messages
from clinreason.results import Prediction
from clinreason.store import Store
from clinreason.tools.calculator import evaluate
from clinreason.tools.base import ToolError
from clinreason.trace import parse_trace

from conftest import make_item


def _run(plan, models, out):
    store = Store(out)
    return store, asyncio.run(engine.execute(plan, models, store))


# --- two roles --------------------------------------------------------------------------------

def doctor(messages, params, i):
    prompt = messages[-1].content
    if "ask the patient ONE question" in prompt:
        return "Do you have chest pain?"
    said = re.search(r"The patient answered: (.*)", prompt).group(1)
    return "ANSWER: B" if "chest pain" in said else "ANSWER: A"


def patient(messages, params, i):
    facts = messages[0].content
    asked = messages[-1].content
    return "Yes, crushing chest pain since this morning." if "chest pain" in facts and "chest pain" in asked else "I don't know."


def test_two_role_method_doctor_asks_patient_answers_from_hidden_facts(tmp_path):
    items = [make_item(0, answer="B", facts=("I have chest pain radiating to the left arm.",)),
             make_item(1, answer="B", facts=("I have a rash on my hands.",))]
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec="doc", method=build_method("ask_patient"),
                          items=items, roles={"patient": "pat"})
    store, summary = _run(plan, {"model": ScriptedModel(doctor, "doc"), "patient": ScriptedModel(patient, "pat")},
                          tmp_path)
    assert summary["n_done"] == 2 and summary["accuracy"] == 0.5  # only item 0's facts answer the question
    pred = {p["item_id"]: p for p in store.predictions(summary["run_id"])}
    events = parse_trace(pred["q0"]["trace"])
    kinds = [(e.type, e.speaker if e.type == "turn" else e.role) for e in events]
    assert kinds == [("model_call", "model"), ("turn", "doctor"), ("model_call", "patient"), ("turn", "patient"),
                     ("model_call", "model")]
    assert events[3].text.startswith("Yes, crushing chest pain")
    roles = dict(store.db.execute("SELECT role, COUNT(*) FROM calls GROUP BY role").fetchall())
    assert roles == {"model": 4, "patient": 2}
    run = store.get_run(summary["run_id"])
    assert run["config"]["roles"]["patient"]["identity"] == "pat"
    assert summary["roles"]["patient"]["calls"] == 2


def test_a_method_that_needs_a_role_refuses_to_plan_without_it(tmp_path):
    with pytest.raises(ValueError, match="--patient"):
        engine.RunPlan(benchmark="toy", subset=None, model_spec="doc", method=build_method("ask_patient"),
                       items=[make_item(0)])


def test_roles_enter_the_run_id_and_a_plain_run_keeps_its_old_id():
    items = [make_item(0)]
    plain = engine.RunPlan(benchmark="toy", subset=None, model_spec="m", method=build_method("direct"), items=items)
    m = ScriptedModel(["ANSWER: A"], "m")
    # The id a run had before roles existed: config without any new key.
    assert set(plain.config(m)) == {"method", "seed", "n_items", "model_identity"}
    a = engine.RunPlan(benchmark="toy", subset=None, model_spec="m", method=build_method("ask_patient"), items=items,
                       roles={"patient": "p1"})
    b = engine.RunPlan(benchmark="toy", subset=None, model_spec="m", method=build_method("ask_patient"), items=items,
                       roles={"patient": "p2"})
    ids = {plan.run_id({"model": m, "patient": ScriptedModel(["x"], plan.roles["patient"])}) for plan in (a, b)}
    assert len(ids) == 2


# --- tools ------------------------------------------------------------------------------------

def tool_user(messages, params, i):
    """Calls the calculator first; answers with the letter of the option holding its result."""
    last = messages[-1]
    if params.tools and "<tool_response" not in last.content and last.role != "tool":
        return 'Let me compute. <tool_call>{"name": "calculator", "arguments": {"expression": "(140 - 40) * 70 / (72 * 1.0)"}}</tool_call>'
    result = re.search(r"([-\d.]+)", last.content.split("tool_response")[-1] if "tool_response" in last.content else last.content)
    return f"The calculator says {result.group(1)}.\nANSWER: C"


def test_one_tool_method_runs_the_calculator_and_traces_it(tmp_path):
    item = make_item(0, answer="C", question="Creatinine clearance of a 40-year-old, 70 kg, creatinine 1.0?")
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec="s", method=build_method("tools"), items=[item])
    store, summary = _run(plan, ScriptedModel(tool_user, "s"), tmp_path)
    assert summary["accuracy"] == 1.0
    pred = store.predictions(summary["run_id"])[0]
    events = parse_trace(pred["trace"])
    assert [e.type for e in events] == ["model_call", "tool", "model_call"]
    assert events[0].tool_calls == ["calculator"]
    assert events[1].result == "97.22222222" and events[1].error is None
    assert pred["info"]["tool_calls"] == 1
    # The tool spec travels in the request (and so in the cache key).
    params = json.loads(store.db.execute("SELECT params FROM calls ORDER BY created_at LIMIT 1").fetchone()[0])
    assert params["tools"][0]["name"] == "calculator"


@pytest.mark.parametrize("call,expected", [
    ('{"name": "calculator", "arguments": {"expression": "__import__(\'os\')"}}', "unsupported element"),
    ('{"name": "calculator", "arguments": {"expr": "1+1"}}', "unknown argument"),
    ('{"name": "calculator", "arguments": {}}', "missing required argument"),
    ('{"name": "calculator", "arguments": {"expression": "9**9**9"}}', "exponents above"),
    ('{"name": "calculator", "arguments": {"expression": "1/0"}}', "division by zero"),
    ('{"name": "lab_lookup", "arguments": {}}', "no tool named 'lab_lookup'"),
])
def test_bad_tool_calls_come_back_to_the_model_as_errors(tmp_path, call, expected):
    def script(messages, params, i):
        if i == 0:
            return f"<tool_call>{call}</tool_call>"
        return "ANSWER: A"

    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec="s", method=build_method("tools"),
                          items=[make_item(0, answer="A")])
    model = ScriptedModel(script, "s")
    store, summary = _run(plan, model, tmp_path)
    assert summary["n_done"] == 1 and summary["errors"] == 0
    tool = [e for e in parse_trace(store.predictions(summary["run_id"])[0]["trace"]) if e.type == "tool"][0]
    assert expected in tool.error
    told = model.calls[1][0][-1].content  # what the model read next
    assert "error:" in told and expected in told


def test_tool_rounds_are_bounded(tmp_path):
    always_calls = ['<tool_call>{"name": "calculator", "arguments": {"expression": "1+1"}}</tool_call>']
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec="s",
                          method=build_method("tools", {"max_rounds": 2}), items=[make_item(0)])
    model = ScriptedModel(always_calls, "s")
    store, summary = _run(plan, model, tmp_path)
    assert len(model.calls) == 3 and not model.calls[-1][1].tools  # the last round withholds the tools


def test_calculator_is_arithmetic_only():
    assert evaluate("(140 - 40) * 70 / 72") == pytest.approx(97.2222222)
    assert evaluate("sqrt(16) + 2^3") == 12
    for bad in ["open('x')", "x + 1", "().__class__", "[1,2]", "1 if 1 else 2", "lambda: 1", "a" * 600]:
        with pytest.raises(ToolError):
            evaluate(bad)


# --- items v2 and parsers ------------------------------------------------------------------------

def test_item_v2_fields_leave_old_hashes_alone():
    item = make_item(3)
    legacy = item.model_dump(mode="json")
    for name in ("messages", "facts", "answer_format", "tolerance", "source_id", "transform", "rubric", "images"):
        legacy.pop(name)
    import hashlib

    old = hashlib.sha256(json.dumps(legacy, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    assert item.content_hash() == old
    assert make_item(3, facts=("fever",)).content_hash() != old


def test_item_v2_validation():
    with pytest.raises(ValueError, match="either as `tolerance` or as lower/upper"):
        Item(id="n", benchmark="t", question="q", answer="5", task=TaskType.numeric, lower=4,
             tolerance=Tolerance(lower=4, upper=6))
    with pytest.raises(ValueError, match="id of its own"):
        make_item(0, source_id="q0")
    derived = make_item(0, id="q0~shuffle1", source_id="q0", transform="shuffle")
    assert derived.original_id == "q0"


def test_conversation_items_are_answered_as_conversations():
    item = Item(id="h1", benchmark="t", question="And now?", answer="", task=TaskType.open_ended,
                messages=(Message(role="user", content="I have a cough."), Message(role="assistant", content="Since when?"),
                          Message(role="user", content="And now?")))
    sent = item_messages("cot", item)
    assert [m.role for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[-1].content.startswith("And now?\n") and "Question:" not in sent[-1].content
    assert sent[1].content == "I have a cough." and sent[2].content == "Since when?"


def numeric(answer="97.2", lower=95.0, upper=99.0, **kw):
    return Item(id="n1", benchmark="t", question="CrCl?", answer=answer, task=TaskType.numeric,
                tolerance=Tolerance(lower=lower, upper=upper), **kw)


def test_parsers_per_format():
    assert parse_answer("so about 97\nANSWER: 97.5 mL/min", numeric()).answer == "97.5"
    assert parse_answer("ANSWER: 1,234", numeric()).answer == "1234"
    date_item = Item(id="d", benchmark="t", question="Due date?", answer="2021-10-07", task=TaskType.numeric,
                     answer_format=AnswerFormat.date)
    assert parse_answer("LMP 01/01/2021 ... ANSWER: 10/07/2021", date_item).answer == "2021-10-07"
    assert parse_answer("ANSWER: 2021-02-30", date_item).answer is None  # not a date
    multi = make_item(0, answer="A", answer_format=AnswerFormat.letters)
    assert parse_answer("ANSWER: C, a", multi).answer == "A,C"
    assert parse_answer("ANSWER: Z", multi).answer is None


def test_numeric_scorer_uses_tolerance_and_votes_read_numbers():
    s = AnswerScorer()
    assert s(numeric(), Prediction(output="ANSWER: 96")).value == 1.0
    assert s(numeric(), Prediction(output="ANSWER: 120")).value == 0.0
    assert s(numeric(), Prediction(output="no idea")).label == "unparsed"
    assert s(numeric(), Prediction(output="x")).version == AnswerScorer.version


def test_self_consistency_votes_on_numeric_items(tmp_path):
    replies = ["ANSWER: 97", "ANSWER: 97.0", "ANSWER: 12", "ANSWER: 97", "ANSWER: 12"]
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec="s", method=build_method("cot_sc", {"adaptive": False}),
                          items=[numeric()])
    store, summary = _run(plan, ScriptedModel(replies, "s"), tmp_path)
    pred = store.predictions(summary["run_id"])[0]
    assert pred["answer"] == "97" and pred["info"]["votes"] == {"97": 3, "12": 2}
    assert summary["accuracy"] == 1.0


def test_benchmarks_name_their_scorers_and_medec_scores_inline(tmp_path):
    from clinreason.data import BENCHMARKS

    assert BENCHMARKS.get("medec").default_scorers == ("medec",)
    assert BENCHMARKS.get("medqa").default_scorers == ("answer",)
    assert {"answer", "medec", "judge", "rubric"} <= set(SCORERS)
    item = Item(id="m1", benchmark="medec", question="Error?", answer="fixed", task=TaskType.open_ended,
                metadata={"answer_format": "medec", "error_flag": 1, "error_sentence_id": 2,
                          "corrected_sentence": "It is fixed now."})
    plan = engine.RunPlan(benchmark="medec", subset=None, model_spec="s", method=build_method("direct"), items=[item],
                          scorers=("medec",))
    store, summary = _run(plan, ScriptedModel(["ERROR: yes\nSENTENCE: 2\nCORRECTION: It is fixed now."], "s"), tmp_path)
    assert summary["accuracy"] == 1.0
    assert summary["scores"]["medec"]["rouge_l"]["mean"] == 1.0
    assert store.scores(summary["run_id"], "medec")[0]["version"] == "1"


def test_unknown_scorer_fails_before_anything_is_written(tmp_path):
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec="s", method=build_method("direct"),
                          items=[make_item(0)], scorers=("nope",))
    store = Store(tmp_path)
    with pytest.raises(KeyError, match="unknown scorer 'nope'"):
        asyncio.run(engine.execute(plan, ScriptedModel(["ANSWER: A"]), store))
    assert store.list_runs() == []


def test_tool_call_arguments_that_are_not_json_are_reported():
    with pytest.raises(ValueError, match="not valid JSON"):
        ToolCall(id="1", name="calculator", arguments="{expression: 1+1").parsed_arguments()


def test_probes_derive_items_that_name_their_source():
    from clinreason.probes import PROBES, apply_probes

    assert "shuffle" in PROBES
    item = make_item(0, answer="B")
    derived = apply_probes([item], ["shuffle"], seed=1)
    assert len(derived) == 2 and len({d.id for d in derived}) == 2
    for d in derived:
        assert d.source_id == "q0" and d.transform.startswith("shuffle") and d.id != item.id
        assert d.options[d.answer] == item.options["B"]  # the gold follows its text
        assert list(d.options.values()) != list(item.options.values())
    assert derived == apply_probes([item], ["shuffle"], seed=1)  # reproducible
    again = apply_probes(derived[:1], ["shuffle"])
    assert again[0].source_id == "q0"  # a probe of a probe still names the original
