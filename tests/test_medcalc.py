"""MedCalc-Bench: loader, the benchmark's scoring rules, the 55 calculator tools (errors, units),
the error-kind scorer, and the tools / one_shot methods with a scripted model."""

from __future__ import annotations

import asyncio
import json

import pytest

from clinreason import engine
from clinreason.data import load_items
from clinreason.errors import DataError
from clinreason.grading.scorers import AnswerScorer
from clinreason.items import AnswerFormat
from clinreason.methods import build_method
from clinreason.models.scripted import ScriptedModel
from clinreason.results import Prediction
from clinreason.store import Store
from clinreason.tools import TOOLS, ToolError


@pytest.fixture(scope="module")
def medcalc(shared_data):
    if not (shared_data / "medcalc_bench" / "test_data.csv").is_file():
        pytest.skip("MedCalc-Bench data not found")
    return load_items("medcalc_bench", data_dir=shared_data)


def by_calc(items, calc_id):
    return next(i for i in items if i.metadata["calculator_id"] == calc_id)


def test_loader_fields(medcalc):
    assert len(medcalc) == 1047
    assert len({i.metadata["calculator_id"] for i in medcalc}) == 55
    first = medcalc[0]
    assert first.metadata["calculator"].startswith("Creatinine Clearance") and first.metadata["category"] == "lab"
    assert first.metadata["relevant_entities"]["age"] == [87, "years"]
    assert first.tolerance.lower == pytest.approx(23.9761) and first.explanation
    assert by_calc(medcalc, 13).format == AnswerFormat.date and by_calc(medcalc, 13).answer == "2014-09-23"
    assert by_calc(medcalc, 69).answer == "(0 weeks, 6 days)"
    assert by_calc(medcalc, 4).tolerance.rule == "rounded"


def test_broken_row_names_file_line_and_field(shared_data, tmp_path):
    text = (shared_data / "medcalc_bench" / "test_data.csv").read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    bad = tmp_path / "medcalc_bench" / "test_data.csv"
    bad.parent.mkdir()
    bad.write_text(header + "\n" + rest.replace("{'sex': 'Male', 'age': [87,", "{'sex': 'Male', 'age': [87 oops,", 1),
                   encoding="utf-8")
    with pytest.raises(DataError) as e:
        load_items("medcalc_bench", data_dir=tmp_path)
    assert "test_data.csv:2" in str(e.value) and "Relevant Entities" in str(e.value)


def score(item, text):
    return AnswerScorer().score(item, Prediction(output=text)).value


def test_scoring_follows_check_correctness(medcalc):
    integer = by_calc(medcalc, 4)  # gold 4: the model's number is rounded first (Python round)
    assert score(integer, "ANSWER: 4.4") == 1 and score(integer, "ANSWER: 4.6") == 0
    decimal = medcalc[0]  # within [Lower, Upper] inclusive
    assert score(decimal, f"ANSWER: {decimal.tolerance.upper}") == 1
    assert score(decimal, f"ANSWER: {decimal.tolerance.upper + 0.01}") == 0
    assert score(by_calc(medcalc, 13), "ANSWER: 09/23/2014") == 1 and score(by_calc(medcalc, 13), "ANSWER: 09/24/2014") == 0
    assert score(by_calc(medcalc, 69), "ANSWER: (0 weeks, 6 days)") == 1 and score(by_calc(medcalc, 69), "ANSWER: (0, 5)") == 0


def test_tool_errors_are_clear_and_units_go_through_pint():
    crcl = TOOLS.get("medcalc_2")()
    good = {"sex": "Male", "age": [87, "years"], "weight": [48.0, "kg"], "height": [163.0, "cm"], "creatinine": [1.4, "mg/dL"]}
    assert float(crcl.run(good)) == pytest.approx(25.238)
    # pint: pounds, inches and a lower-case mg/dl are the same patient
    same = {**good, "weight": [48.0 / 0.45359237, "lb"], "height": [163.0 / 2.54, "inch"], "creatinine": [1.4, "mg/dl"]}
    assert float(crcl.run(same)) == pytest.approx(25.238, rel=1e-3)
    for bad, words in [({k: v for k, v in good.items() if k != "creatinine"}, "missing"),
                       ({**good, "age": "eighty"}, r"expected \[value, unit\]"),
                       ({**good, "weight": [-3, "kg"]}, "out of range"),
                       ({**good, "weight": [48, "parsecs"]}, "unit"),
                       ({**good, "sex": "Robot"}, "not one of"),
                       ({**good, "shoe size": 9}, "unknown input")]:
        with pytest.raises(ToolError, match=words):
            crcl.run(bad)
    assert len([n for n in TOOLS if n.startswith("medcalc_")]) == 55


def test_calculators_reproduce_ground_truth(medcalc, capsys):
    """Each row's Relevant Entities through its calculator tool; >= 95% must match the gold."""
    misses = []
    for item in medcalc:
        tool = TOOLS.get(item.metadata["tools"][0])()
        try:
            out = tool.run(item.metadata["relevant_entities"])
        except ToolError as e:
            misses.append((item.id, item.metadata["calculator_id"], f"ToolError: {e}"[:60], item.answer))
            continue
        if score(item, f"ANSWER: {out}") != 1:
            misses.append((item.id, item.metadata["calculator_id"], out, item.answer))
    rate = 1 - len(misses) / len(medcalc)
    with capsys.disabled():
        print(f"\nMedCalc calculators reproduce {len(medcalc) - len(misses)}/{len(medcalc)} = {rate:.1%} of ground truths")
        print(f"{'row':>5} {'calc':>4}  {'tool':<28} gold")
        for row in misses:
            print(f"{row[0]:>5} {row[1]:>4}  {str(row[2]):<28} {row[3]}")
    assert rate >= 0.95


def tool_call(name, arguments):
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def run_tools(items, script, tmp_path, **params):
    plan = engine.RunPlan(benchmark="medcalc_bench", subset="test", model_spec="scripted",
                          method=build_method("tools", params), items=items, scorers=("answer", "medcalc_errors"))
    model, store = ScriptedModel(script), Store(tmp_path)
    summary = asyncio.run(engine.execute(plan, model, store, concurrency=1))
    return summary, store, plan.run_id(model), model


def test_tools_method_records_inputs_and_classifies_errors(medcalc, tmp_path):
    item = medcalc[0]
    own = item.metadata["tools"][0]
    entities = item.metadata["relevant_entities"]
    wrong_age = {**entities, "age": [40, "years"]}
    scripts = {
        "correct": [tool_call(own, entities), "ANSWER: 25.238"],
        "arithmetic_error": [tool_call(own, entities), "ANSWER: 99"],
        "extraction_error": [tool_call(own, wrong_age), "ANSWER: 50"],
        "no_tool_call": ["ANSWER: 7"],
    }
    for kind, script in scripts.items():
        summary, store, run_id, model = run_tools([item], list(script), tmp_path / kind)
        assert summary["n_done"] == 1 and summary["errors"] == 0
        scores = {s["scorer"]: s for s in store.scores(run_id)}
        assert scores["medcalc_errors"]["label"] == kind, kind
        offered = {t.name for t in model.calls[0][1].tools}
        assert offered == {own, "calculator"}
    pred = store.predictions(run_id)[0]
    assert pred["info"]["tool_uses"] == []


def test_bad_calls_are_recorded_not_crashes_and_all_55_can_be_offered(medcalc, tmp_path):
    item = medcalc[0]
    script = [tool_call("medcalc_no_such_thing", {}), tool_call(item.metadata["tools"][0], {"age": "old"}),
              '<tool_call>{"name": "calculator", "arguments": "not json</tool_call>', "ANSWER: 3"]
    summary, store, run_id, model = run_tools([item], script, tmp_path, tools=["calculator", "medcalc_*"])
    assert summary["errors"] == 0
    uses = store.predictions(run_id)[0]["info"]["tool_uses"]
    assert len(uses) >= 2 and all(u["error"] for u in uses)
    assert len(model.calls[0][1].tools) == 56


def test_one_shot_uses_the_exemplar_of_the_same_calculator(shared_data, medcalc, tmp_path):
    from clinreason.exemplars import exemplar_pool

    pool = exemplar_pool("medcalc_bench", "test", medcalc[:20], shared_data).items  # as `clinreason run` builds it
    assert len(pool) == 55 and {p.metadata["calculator_id"] for p in pool} == {i.metadata["calculator_id"] for i in medcalc}
    method = build_method("one_shot")
    method.prepare(pool)
    for item in (medcalc[0], by_calc(medcalc, 69)):
        shot = method.exemplar(item)
        assert shot.metadata["calculator_id"] == item.metadata["calculator_id"] and shot.context != item.context
    model = ScriptedModel(["ANSWER: 20"])
    plan = engine.RunPlan(benchmark="medcalc_bench", subset="test", model_spec="scripted", method=method,
                          items=medcalc[:1])
    asyncio.run(engine.execute(plan, model, Store(tmp_path), concurrency=1))
    sent = model.calls[0][0]  # system, exemplar question, exemplar explanation + answer, the item
    shot = method.exemplar(medcalc[0])
    assert len(sent) == 4 and shot.explanation[:40] in sent[2].content and medcalc[0].question in sent[1].content
