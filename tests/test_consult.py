"""Interactive consultation: loaders (MediQ, AgentClinic), simulated patients, the episode loop and
its strategies, the bounds, and the `interactive` transform; driven by scripted models."""

from __future__ import annotations

import asyncio
import json

import pytest

from clinreason.data import load_items
from clinreason.errors import DataError
from clinreason.items import Item
from clinreason.methods import Context, build_method
from clinreason.methods._abstention import read_decision
from clinreason.models.gateway import Gateway
from clinreason.models.scripted import ScriptedModel
from clinreason.probes.interactive import make_interactive
from clinreason.simulators import FactPatient, MeasurementAgent
from clinreason.store import Store
from clinreason.trace import Turn, parse_event

CASE = Item(id="c1", benchmark="toy", question="Which is the most likely diagnosis?",
            options={"A": "Gout", "B": "Septic arthritis", "C": "Lyme disease", "D": "Reactive arthritis"},
            answer="B", facts=("Patient is a 21-year-old male.", "Patient complains of fever.",
                               "Patient has pain and swelling in the right knee.",
                               "Joint fluid culture shows gram-negative diplococci."),
            metadata={"presentation": "A 21-year-old man has a painful knee."})


def run(method, item, script, patient=None, tmp_path=None):
    store = Store(tmp_path)
    models = {"model": ScriptedModel(script)}
    if patient:
        models["patient"] = ScriptedModel(patient)
    ctx = Context(item=item, lms={})
    ctx.lms = {r: Gateway(m, store, role=r).for_item(item.id, ctx.trace) for r, m in models.items()}
    return asyncio.run(method(item, ctx)), ctx.trace, models


def doctor(replies, intermediate="ANSWER: A"):
    """Reply i to the i-th doctor turn (counted from the dialogue in the prompt: the reply is a
    function of the request, as a cached replay needs)."""
    def script(messages, params, i):
        user = messages[-1].content
        if "most likely answer" in user:
            return intermediate
        return replies[min(user.count("\nDoctor:"), len(replies) - 1)]
    return script


# --- data ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("bench,subset,n", [("mediq", "imedqa", 1272), ("mediq", "craft_md", 140),
                                            ("agentclinic", "medqa", 107), ("agentclinic", "medqa_extended", 214),
                                            ("agentclinic", "nejm", 15), ("agentclinic", "nejm_extended", 120)])
def test_episode_benchmarks_load_with_facts(shared_data, bench, subset, n):
    items = load_items(bench, subset, shared_data, hub=False)
    assert len(items) == n
    cases = [i for i in items if not i.metadata.get("no_case")]
    assert all(i.facts and "presentation" in i.metadata for i in cases)
    assert len(items) - len(cases) == (3 if subset == "imedqa" else 0)  # three knowledge questions
    if bench == "agentclinic":
        assert all(0 < i.metadata["n_patient_facts"] < len(i.facts) for i in items)
    if subset.startswith("nejm"):
        assert all(i.metadata["image_unavailable"] and i.metadata["image_url"] for i in items)
        assert all("image_unavailable" in i.metadata["tags"] and i.options for i in items)
    if subset.startswith("medqa"):
        assert all(i.task.value == "open_ended" and not i.options for i in items)


def test_mediq_facts_lose_their_numbers(shared_data):
    item = load_items("mediq", "imedqa", shared_data, hub=False)[0]
    assert item.facts[0] == "Patient is a 21-year-old male." and item.answer == "C"
    assert item.metadata["presentation"].startswith("A 21-year-old sexually active male")


def test_a_case_without_facts_is_refused_with_its_id(tmp_path):
    from clinreason.data.base import BENCHMARKS

    bad = tmp_path / "mediq.jsonl"
    good = {"id": 7, "question": "Q?", "context": ["A man is ill."], "options": {"A": "x", "B": "y"},
            "answer": "x", "answer_idx": "A", "facts": ["1. A man is ill."]}
    bad.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": 8, "facts": []}) + "\n")
    with pytest.raises(DataError) as e:
        BENCHMARKS.get("mediq").load(bad, "imedqa")
    assert "mediq.jsonl:2" in str(e.value) and "facts" in str(e.value) and "case 8" in str(e.value)
    osce = tmp_path / "ac.jsonl"
    osce.write_text(json.dumps({"OSCE_Examination": {"Objective_for_Doctor": "x", "Patient_Actor": {},
                                                     "Correct_Diagnosis": "Flu"}}) + "\n")
    with pytest.raises(DataError) as e:
        BENCHMARKS.get("agentclinic").load(osce, "medqa")
    assert "ac.jsonl:1" in str(e.value) and "Patient_Actor" in str(e.value) and "case 0" in str(e.value)


# --- simulators ----------------------------------------------------------------------------------

def test_fact_patient_tells_matching_facts_and_nothing_else():
    patient = FactPatient(list(CASE.facts))
    fever = asyncio.run(patient.reply("Do you have a fever?"))
    assert fever.facts == [1] and "fever" in fever.text and not fever.unanswered
    assert asyncio.run(patient.reply("How old are you?")).facts == [0]
    unknown = asyncio.run(patient.reply("Do you have a cough?"))
    assert unknown.unanswered and unknown.facts == [] and "don't know" in unknown.text


def test_measurement_agent_reads_results_or_normal_readings():
    tests = ["Test results, blood tests, acetylcholine receptor antibodies: Present (elevated)",
             "Test results, imaging, chest ct, findings: Normal, no thymoma."]
    agent = MeasurementAgent(tests, offset=10)
    assert asyncio.run(agent.reply("Acetylcholine receptor antibodies")).facts == [10]
    assert asyncio.run(agent.reply("Chest CT")).facts == [11]
    assert "normal readings" in asyncio.run(agent.reply("Complete blood count")).text


# --- episodes ------------------------------------------------------------------------------------

def test_implicit_episode_records_turns_per_the_contract(tmp_path):
    script = doctor(["QUESTION: Do you have a fever?", "QUESTION: Do you have a cough?",
                     "QUESTION: Do you have a fever?", "ANSWER: B"])
    prediction, trace, _ = run(build_method("consult"), CASE, script, tmp_path=tmp_path)
    ep = prediction.info["episode"]
    assert prediction.answer == "B"
    assert ep["turns"] == 4 and ep["questions"] == 3 and ep["stopped"] == "answered"
    assert ep["intermediate_answers"] == ["A", "A", "A", "B"] and ep["facts_revealed"] == [1]
    assert ep["repeated_questions"] == 1 and ep["unanswerable_questions"] == 1 and ep["patient"] == "fact_retrieval"
    turns = [e for e in trace if isinstance(e, Turn)]
    assert [(t.speaker, t.kind, t.turn) for t in turns[:3]] == [("doctor", "question", 1), ("patient", "reply", 1),
                                                             ("doctor", "intermediate", 1)]
    assert turns[1].facts == [1] and turns[1].role is None and turns[-1].kind == "answer"
    assert all(parse_event(t.model_dump()) == t for t in turns)  # stored and read back unchanged


def test_the_doctor_never_sees_the_hidden_facts(tmp_path):
    _, _, models = run(build_method("consult", {"max_turns": 2}), CASE, doctor(["QUESTION: How old are you?"]),
                       tmp_path=tmp_path)
    first = models["model"].calls[0][0][-1].content
    assert "painful knee" in first and "diplococci" not in first and "21-year-old male" not in first


def test_max_turns_forces_an_answer(tmp_path):
    prediction, trace, _ = run(build_method("consult", {"max_turns": 3, "intermediate": False}), CASE,
                               doctor(["QUESTION: Any fever?", "QUESTION: Any fever?", "ANSWER: D"]),
                               tmp_path=tmp_path)
    ep = prediction.info["episode"]
    assert ep["stopped"] == "max_turns" and ep["turns"] == 3 and prediction.answer == "D"
    assert ep["intermediate_answers"] == [None, None, "D"]


@pytest.mark.parametrize("strategy,yes,no", [("binary", "YES", "NO"), ("numerical", "0.9", "0.2"),
                                             ("scale", "5", "2")])
def test_abstention_strategies_ask_until_confident(tmp_path, strategy, yes, no):
    def script(messages, params, i):
        user = messages[-1].content
        if "confident" in user:
            return yes if user.count("\nPatient:") >= 2 else no
        if "most likely answer" in user:
            return "ANSWER: C"
        return "ANSWER: B" if "end of the consultation" in user else "QUESTION: Do you have a fever?"
    prediction, _, _ = run(build_method("consult", {"strategy": strategy}), CASE, script, tmp_path=tmp_path)
    ep = prediction.info["episode"]
    assert ep["questions"] == 2 and ep["stopped"] == "answered" and prediction.answer == "B"


def test_self_consistency_takes_the_majority_of_decisions(tmp_path):
    def script(messages, params, i):
        user = messages[-1].content
        if "confident" in user:
            return "YES" if params.seed in (1, 2) else "NO"  # 2 of 3 samples say yes
        return "ANSWER: B"
    prediction, _, _ = run(build_method("consult", {"strategy": "binary", "self_consistency": 3}), CASE, script,
                           tmp_path=tmp_path)
    assert prediction.info["episode"]["questions"] == 0 and prediction.info["episode"]["turns"] == 1
    assert read_decision("I'd say 85%", "numerical", None) is True and read_decision("??", "scale", None) is None


def test_agentclinic_doctor_tests_and_llm_patient(tmp_path, shared_data):
    item = load_items("agentclinic", "medqa", shared_data, hub=False)[0]
    script = doctor(["What brings you in?", "REQUEST TEST: Acetylcholine receptor antibodies",
                     "DIAGNOSIS READY: Myasthenia gravis"], intermediate="ANSWER: Lambert-Eaton")
    prediction, trace, models = run(build_method("agentclinic", {"patient_bias": "self_diagnosis"}), item, script,
                                    patient=["I have double vision."], tmp_path=tmp_path)
    ep = prediction.info["episode"]
    assert prediction.answer == "Myasthenia gravis" and ep["tests"] == 1 and ep["patient"] == "llm"
    measured = [t for t in trace if isinstance(t, Turn) and t.speaker == "measurement"]
    assert measured[0].facts == [item.facts.index(
        "Test results, blood tests, acetylcholine receptor antibodies: Present (elevated)")]
    patient_prompt = models["patient"].calls[0][0][0].content
    assert "double vision" in patient_prompt.lower() and "acetylcholine" not in patient_prompt.lower()
    assert "online" in patient_prompt  # the bias sentence
    assert [t.role for t in trace if isinstance(t, Turn) and t.speaker == "patient"] == ["patient"]


def test_bad_parameters_are_refused():
    for params in ({"strategy": "guess"}, {"doctor_bias": "optimism"}, {"strategy": "implicit", "threshold": 0.5},
                   {"strategy": "scale", "threshold": 9}, {"self_consistency": 3}):
        with pytest.raises(ValueError):
            build_method("consult", params)


def test_bounds_show_all_facts_or_none(tmp_path):
    for name, shown in (("consult_full", True), ("consult_first", False)):
        _, _, models = run(build_method(name), CASE, ["ANSWER: B"], tmp_path=tmp_path / name)
        prompt = models["model"].calls[0][0][-1].content
        assert ("diplococci" in prompt) == shown and "painful knee" in prompt


# --- any case as an episode ----------------------------------------------------------------------

def test_interactive_transform_splits_the_vignette(shared_data):
    items = load_items("medqa", "test_hard", shared_data, hub=False)[:3]
    episodes, skipped = make_interactive(items)
    assert len(episodes) == 3 and not skipped
    for original, ep in zip(items, episodes):
        assert ep.source_id == original.id and ep.transform == "interactive" and ep.answer == original.answer
        assert ep.question.endswith("?") and ep.question in original.question
        assert ep.facts and original.question.startswith(ep.metadata["presentation"])
        assert all(f in original.question for f in ep.facts[:1])


def test_interactive_refuses_a_one_shot_method_and_defaults_to_consult(shared_data):
    from clinreason.cli.run import _default_method, _interactive_items

    items = load_items("medqa", "test_hard", shared_data, hub=False)[:2]
    with pytest.raises(ValueError, match="episode method"):
        _interactive_items(items, {}, "cot")
    episodes, extra = _interactive_items(items, {}, "consult")
    assert len(episodes) == 2 and extra["transform"] == "interactive"
    assert _default_method("medqa", True) == "consult" and _default_method("medqa", False) == "cot"
    assert _default_method("mediq", False) == "consult" and _default_method("agentclinic", False) == "agentclinic"


def test_implicit_reply_that_names_an_option_without_asking_is_an_answer(tmp_path):
    prediction, _, _ = run(build_method("consult"), CASE, doctor(["B. Septic arthritis"]), tmp_path=tmp_path)
    assert prediction.answer == "B" and prediction.info["episode"]["stopped"] == "answered"
    asked, _, _ = run(build_method("consult", {"max_turns": 2}), CASE, doctor(["Is it B?", "ANSWER: B"]),
                      tmp_path=tmp_path / "q")
    assert asked.info["episode"]["questions"] == 1


def test_a_failing_patient_model_is_recorded_per_item_and_retried(tmp_path):
    """The LLM patient's server fails for good on one item: that item is stored as an error naming
    the failure, the others finish, and `retry_errors` redoes just the failed one."""
    from clinreason.engine import RunPlan, execute
    from clinreason.errors import ModelError
    from clinreason.models.gateway import RetryPolicy

    items = [CASE.model_copy(update={"id": f"c{i}"}) for i in range(3)]
    broken = {"on": True}

    store = Store(tmp_path)
    script = doctor(["QUESTION: Do you have a fever?", "ANSWER: B"])
    plan = RunPlan(benchmark="toy", subset=None, model_spec="scripted", method=build_method("consult"),
                   items=items, roles={"patient": "scripted-patient"})
    doctor_model = ScriptedModel(script)

    def patient_script(messages, params, i):  # the first patient call (item c0, concurrency 1) fails
        if broken["on"] and i == 0:
            raise ModelError("patient server: 503 Service Unavailable")
        return "I have had a fever."

    fast = RetryPolicy(max_attempts=1, base_delay_s=0.0, max_delay_s=0.0)
    summary = asyncio.run(execute(plan, {"model": doctor_model, "patient": ScriptedModel(patient_script)}, store,
                                  concurrency=1, retry=fast))
    preds = {p["item_id"]: p for p in store.predictions(summary["run_id"])}
    assert len(preds) == 3
    failed = [p for p in preds.values() if p["status"] == "error"]
    assert len(failed) == 1 and "503" in failed[0]["error"]
    assert sum(p["status"] == "ok" for p in preds.values()) == 2
    broken["on"] = False
    asyncio.run(execute(plan, {"model": doctor_model, "patient": ScriptedModel(patient_script)}, store,
                        concurrency=1, retry=fast, retry_errors=True))
    preds = {p["item_id"]: p for p in store.predictions(summary["run_id"])}
    assert len(preds) == 3 and all(p["status"] == "ok" for p in preds.values())
