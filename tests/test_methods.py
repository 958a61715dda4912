"""Reasoning methods: control flow driven by a deterministic scripted model (votes, early stop,
rounds, triage branches, choice-shuffle mapping), then each method end to end on the embedded model."""

from __future__ import annotations

import asyncio
import json
import random
import re

import pytest

from clinreason import engine
from clinreason.exemplars import ExemplarSelector, exemplar_pool, without_items
from clinreason.methods import Context, build_method
from clinreason.methods._common import leader, shuffle_options, vote_is_settled
from clinreason.models.gateway import Gateway
from clinreason.models.scripted import ScriptedModel
from clinreason.store import Store

from conftest import make_item


def run_method(method, item, script, tmp_path, store=None):
    """One item through a method; -> (prediction, trace, scripted model)."""
    model = ScriptedModel(script)
    gateway = Gateway(model, store or Store(tmp_path))
    lm = gateway.for_item(item.id)
    prediction = asyncio.run(method(item, Context(item=item, lms={"model": lm}, trace=lm.trace)))
    return prediction, lm.trace, model


def last_user(messages) -> str:
    return [m for m in messages if m.role == "user"][-1].content


# --- voting helpers -----------------------------------------------------------------------

def test_vote_is_settled_only_when_the_leader_cannot_be_caught():
    assert vote_is_settled(["A", "A", "A"], remaining=2)
    assert not vote_is_settled(["A", "A"], remaining=2)  # 2-0 with 2 left could end 2-2
    assert not vote_is_settled(["A", "B", "A"], remaining=1)
    assert vote_is_settled(["A", None, "A", "B", "A"], remaining=1)
    assert not vote_is_settled([None, None], remaining=1)


def test_leader_breaks_ties_by_who_reached_the_top_count_first():
    assert leader(["B", "A", "A", "B"]) == "A"
    assert leader([None, "C"]) == "C"
    assert leader([None, None]) is None


# --- self-consistency ---------------------------------------------------------------------

SC_ANSWERS = ["A", "A", "A", "B", "B"]


def by_seed(messages, params, i):
    """Sample i (seed i) answers SC_ANSWERS[i]: the reply depends on the request, not call order."""
    return f"thinking {params.seed}... ANSWER: {SC_ANSWERS[params.seed]}"


def test_cot_sc_adaptive_stops_when_the_vote_is_settled(tmp_path):
    item = make_item(0, answer="A")
    method = build_method("cot_sc", {"n": 5, "temperature": 0.7})
    pred, trace, model = run_method(method, item, by_seed, tmp_path)
    assert pred.answer == "A"
    assert pred.info["samples_used"] == 3 and pred.info["n"] == 5
    assert pred.info["votes"] == {"A": 3}
    assert pred.info["est_tokens_saved"] > 0
    assert [p.seed for _, p in model.calls] == [0, 1, 2]
    assert all(p.temperature == 0.7 for _, p in model.calls)
    assert len(trace) == 3


def test_cot_sc_fixed_n_votes_all_samples_and_reuses_the_adaptive_runs_calls(tmp_path):
    item = make_item(0, answer="A")
    store = Store(tmp_path)
    run_method(build_method("cot_sc", {"n": 5}), item, by_seed, tmp_path, store)
    pred, trace, model = run_method(build_method("cot_sc", {"n": 5, "adaptive": False}), item, by_seed, tmp_path, store)
    assert pred.answer == "A" and pred.info["votes"] == {"A": 3, "B": 2}
    assert pred.info["samples_used"] == 5
    # Samples 0-2 are identical requests (same sample index and seed): served from the cache.
    assert len(model.calls) == 2 and sum(t.cached for t in trace) == 3


def test_cot_sc_confidence_rule_stops_earlier(tmp_path):
    answers = ["A", "B", "A", "B", "A", "A", "A", "A", "A"]
    script = lambda messages, params, i: f"ANSWER: {answers[params.seed]}"  # noqa: E731
    method = build_method("cot_sc", {"n": 9, "stop_share": 0.6, "min_samples": 3})
    pred, _, _ = run_method(method, make_item(0), script, tmp_path)
    # After 3 samples A has 2/3 >= 0.6: stop (the settled rule alone would need 7 samples here).
    assert pred.info["samples_used"] == 3 and pred.answer == "A"


def test_cot_sc_with_no_parseable_sample_leaves_the_answer_unset(tmp_path):
    item = make_item(0)
    pred, trace, _ = run_method(build_method("cot_sc", {"n": 3}), item, ["I cannot tell."], tmp_path)
    assert pred.answer is None and len(trace) == 3  # nothing settles the vote: all n are drawn
    summary = _engine_run(tmp_path / "e", [item], "cot_sc", {"n": 3}, ["I cannot tell."])
    assert summary["unparsed"] == 1


def _engine_run(out, items, method, params, script, pool=None):
    m = build_method(method, params)
    if pool is not None:
        m.prepare(pool)
    plan = engine.RunPlan(benchmark="toy", subset="test", model_spec="scripted", method=m, items=items)
    return asyncio.run(engine.execute(plan, ScriptedModel(script), Store(out)))


# --- medprompt: choice shuffle --------------------------------------------------------------

def test_shuffle_options_maps_every_shown_letter_back_to_its_original():
    options = {"A": "aspirin", "B": "heparin", "C": "warfarin", "D": "clopidogrel", "E": "alteplase"}
    seen_orders = set()
    for seed in range(20):
        shown, back = shuffle_options(options, random.Random(seed))
        assert list(shown) == list("ABCDE")
        assert all(shown[new] == options[back[new]] for new in shown)
        assert sorted(back.values()) == list("ABCDE")
        seen_orders.add(tuple(back.values()))
    assert len(seen_orders) > 5


def pick_gold_text(gold_text: str):
    """Always picks the option whose text is `gold_text`, under whatever letter it is shown."""
    def script(messages, params, i):
        prompt = last_user(messages)
        letter = re.search(rf"^([A-J])\. {re.escape(gold_text)}$", prompt, re.MULTILINE).group(1)
        return f"Reasoning. ANSWER: {letter}"
    return script


def toy_pool(n=6):
    return [make_item(100 + i, answer="ABCD"[i % 4], benchmark="toy") for i in range(n)]


def test_medprompt_votes_are_mapped_back_to_the_original_letter(tmp_path):
    item = make_item(7, answer="C")
    method = build_method("medprompt", {"n": 5, "adaptive": False})
    method.prepare(toy_pool())
    pred, _, model = run_method(method, item, pick_gold_text(item.options["C"]), tmp_path)
    orders = pred.info["orders"]
    assert len({tuple(o) for o in orders}) > 1  # the options really were shown in different orders
    # The shown letters vary, but every vote maps back to the gold letter.
    shown_letters = {re.search(r"ANSWER: (\w)", t).group(1) for t in
                     [pick_gold_text(item.options["C"])(m, p, 0) for m, p in model.calls]}
    assert len(shown_letters) > 1
    assert pred.answer == "C" and pred.info["votes"] == {"C": 5}


def test_medprompt_without_shuffle_shows_the_original_order(tmp_path):
    item = make_item(7, answer="C")
    method = build_method("medprompt", {"n": 3, "shuffle": False})
    method.prepare(toy_pool())
    pred, _, model = run_method(method, item, ["ANSWER: C"], tmp_path)
    assert pred.answer == "C" and pred.info["samples_used"] == 2  # 2-0 with one sample left is settled
    assert all(o == list("ABCD") for o in pred.info["orders"])


def test_medprompt_needs_a_pool(tmp_path):
    with pytest.raises(ValueError, match="exemplar pool"):
        run_method(build_method("medprompt"), make_item(0), ["ANSWER: A"], tmp_path)


# --- few-shot and exemplar pools -----------------------------------------------------------

def test_fewshot_knn_picks_similar_exemplars_and_never_the_item(tmp_path):
    item = make_item(1, question="Warfarin overdose with INR 9 and bleeding: best reversal?")
    similar = make_item(50, question="A patient on warfarin has INR 9 and bleeding; reversal agent?")
    pool = [make_item(60 + i) for i in range(5)] + [similar, item]  # the item itself slipped into the pool
    method = build_method("fewshot", {"k": 2})
    method.prepare(pool)
    pred, _, model = run_method(method, item, ["ANSWER: B"], tmp_path)
    assert pred.info["exemplars"][0] == similar.id
    assert item.id not in pred.info["exemplars"]
    messages = model.calls[0][0]
    # system, 2 x (exemplar question, exemplar answer), the item
    assert [m.role for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert messages[2].content == f"ANSWER: {similar.answer}"
    assert item.question in messages[-1].content


def test_fewshot_random_is_seeded_per_item():
    pool = toy_pool(20)
    a = ExemplarSelector(pool, "random", seed=0)
    assert a.select(make_item(1), 3) == ExemplarSelector(pool, "random", seed=0).select(make_item(1), 3)
    assert len({tuple(p.id for p in a.select(make_item(i), 3)) for i in range(5)}) > 1


def test_without_items_drops_evaluated_items_by_id_and_by_question():
    evaluated = [make_item(1), make_item(2)]
    renamed_copy = make_item(99, question=evaluated[0].question)
    pool = without_items([make_item(1), renamed_copy, make_item(3)], evaluated)
    assert [p.id for p in pool] == ["q3"]


def test_exemplar_pools_on_real_data_exclude_the_evaluated_subset(shared_data):
    from clinreason.data import load_items

    hard = load_items("medqa", "test_hard", shared_data)
    pool = exemplar_pool("medqa", "test_hard", hard, shared_data)
    assert "test minus test_hard" in pool.source
    questions = {" ".join(i.question.lower().split()) for i in hard}
    assert pool.items and not any(" ".join(p.question.lower().split()) in questions for p in pool.items)
    assert not {p.id for p in pool.items} & {i.id for i in hard}
    pub = load_items("pubmedqa", "test_hard", shared_data)[:10]
    assert exemplar_pool("pubmedqa", "test_hard", pub, shared_data).source.startswith("pubmedqa/train")


# --- self-refine ---------------------------------------------------------------------------

def refine_script(verdicts):
    state = {"critiques": 0}

    def script(messages, params, i):
        prompt = last_user(messages)
        if "Review this answer critically" in prompt:
            v = verdicts[state["critiques"]]
            state["critiques"] += 1
            return f"Some remarks.\nVERDICT: {v}"
        if "Feedback on it" in prompt:
            return "Revised reasoning. ANSWER: C"
        return "First try. ANSWER: A"
    return script


def test_self_refine_revises_then_stops_when_the_critique_is_satisfied(tmp_path):
    pred, trace, _ = run_method(build_method("self_refine", {"rounds": 3}), make_item(0, answer="C"),
                                refine_script(["revise", "correct", "revise"]), tmp_path)
    assert [t.tag for t in trace] == ["draft", "critique0", "revise0", "critique1"]
    assert pred.info["answers_by_round"] == ["A", "C"] and pred.info["stopped_at_critique"] == 1
    assert "ANSWER: C" in pred.output


def test_self_refine_runs_all_rounds_without_early_stop(tmp_path):
    pred, trace, _ = run_method(build_method("self_refine", {"rounds": 2, "stop_on_correct": False}),
                                make_item(0), refine_script(["correct", "correct"]), tmp_path)
    assert len(trace) == 5 and pred.info["rounds_run"] == 2


# --- debate -------------------------------------------------------------------------------

def debate_script(first: dict[str, str], later: str):
    def script(messages, params, i):
        role = messages[0].content
        if "Answers from the other members" in last_user(messages):
            return f"I now agree. ANSWER: {later}"
        return next(f"ANSWER: {a}" for r, a in first.items() if r in role)
    return script


def test_debate_revises_until_agreement_then_votes(tmp_path):
    script = debate_script({"internist": "A", "surgeon": "B", "pharmacologist": "B"}, later="B")
    pred, trace, _ = run_method(build_method("debate", {"agents": 3, "rounds": 3}), make_item(0, answer="B"),
                                script, tmp_path)
    assert pred.info["answers_by_round"] == [["A", "B", "B"], ["B", "B", "B"]]
    assert pred.info["rounds_run"] == 1 and pred.info["unanimous"]  # round 2 skipped: already unanimous
    assert len(trace) == 6 and pred.answer == "B"


def test_debate_unanimous_first_answers_need_no_round(tmp_path):
    script = debate_script({"internist": "D", "surgeon": "D"}, later="A")
    pred, trace, _ = run_method(build_method("debate", {"agents": 2, "rounds": 2}), make_item(0), script, tmp_path)
    assert len(trace) == 2 and pred.answer == "D"


# --- MedAgents ------------------------------------------------------------------------------

def medagents_script(messages, params, i):
    prompt = last_user(messages)
    if "Name exactly" in prompt:
        return "1. Cardiology\n2. Nephrology"
    if "analyse the question" in prompt:
        return "An analysis."
    if "Synthesize these analyses" in prompt:
        return "Report v1: likely A."
    if "Revise the report" in prompt:
        return "Report v2: likely D."
    if "do you agree with this report" in prompt:
        if "Report v1" in prompt and "Nephrology" in prompt:
            return "no, the creatinine points elsewhere"
        return "yes"
    if "final report" in prompt:
        return "ANSWER: D" if "Report v2" in prompt else "ANSWER: A"
    raise AssertionError(prompt)


def test_medagents_recruits_analyses_reaches_consensus_after_a_revision(tmp_path):
    pred, trace, _ = run_method(build_method("medagents", {"experts": 3, "rounds": 2}), make_item(0, answer="D"),
                                medagents_script, tmp_path)
    assert pred.info["recruited"] == ["Cardiology", "Nephrology"]
    assert pred.info["domains"] == ["Cardiology", "Nephrology", "internal medicine"]  # topped up
    assert pred.info["consensus"] and pred.info["revisions"] == 1
    tags = [t.tag.split(":")[0] for t in trace]
    assert tags == ["recruit", "analysis", "analysis", "analysis", "report", "vote0", "vote0", "vote0", "revise0",
                    "vote1", "vote1", "vote1", "decision"]
    assert "ANSWER: D" in pred.output


def test_medagents_decides_on_the_last_report_when_rounds_run_out(tmp_path):
    pred, trace, _ = run_method(build_method("medagents", {"experts": 2, "rounds": 0}), make_item(0),
                                medagents_script, tmp_path)
    assert not pred.info["consensus"] and pred.info["revisions"] == 0
    assert "ANSWER: A" in pred.output


# --- MDAgents -----------------------------------------------------------------------------

def mdagents_script(level: str):
    def script(messages, params, i):
        prompt = last_user(messages)
        if "judge how complex" in prompt:
            return level
        if "Write your team's short report" in prompt:
            return "Team report."
        if "coordinating physician" in prompt:
            return "ANSWER: B"
        return "Reasoning. ANSWER: B"
    return script


@pytest.mark.parametrize("triage, level, tags", [
    ("Basic.", "basic", ["triage", "solo"]),
    ("This is intermediate", "intermediate", ["triage", "mdt", "mdt", "mdt", "decision"]),
    ("ADVANCED", "advanced", ["triage", "ict", "ict", "ict", "decision"]),
    ("no idea", "basic", ["triage", "solo"]),  # unparseable triage: the fallback branch
])
def test_mdagents_triage_picks_the_branch(tmp_path, triage, level, tags):
    pred, trace, _ = run_method(build_method("mdagents", {"agents": 3, "rounds": 1}), make_item(0, answer="B"),
                                mdagents_script(triage), tmp_path)
    assert pred.info["level"] == level
    assert pred.info["triage_parsed"] == (triage != "no idea")
    assert [t.tag.split(":")[0] for t in trace] == tags
    assert "ANSWER: B" in pred.output


def test_mdagents_forced_level_skips_triage(tmp_path):
    pred, trace, _ = run_method(build_method("mdagents", {"level": "advanced"}), make_item(0),
                                mdagents_script("basic"), tmp_path)
    assert pred.info["level"] == "advanced" and trace[0].tag.startswith("ict")


# --- budget forcing -----------------------------------------------------------------------

def budget_script(think_words: int, wait_words: int):
    def script(messages, params, i):
        prompt = last_user(messages)
        if "Time is up" in prompt:
            return "ANSWER: C"
        if "Continue your reasoning" in prompt:
            return " ".join(["more"] * min(wait_words, params.max_tokens))
        return "<think>" + " ".join(["step"] * min(think_words, params.max_tokens)) + "</think>"
    return script


def test_budget_extends_early_stops_with_wait_within_the_budget(tmp_path):
    method = build_method("budget", {"budget": 100, "waits": 2, "think_tags": True})
    pred, trace, model = run_method(method, make_item(0, answer="C"), budget_script(30, 50), tmp_path)
    assert [t.tag for t in trace] == ["think", "wait0", "wait1", "answer"]
    assert [p.max_tokens for _, p in model.calls] == [100, 70, 20, 24]
    assert pred.info["waits_used"] == 2 and pred.info["hit_budget"]
    assert "<think>" not in last_user(model.calls[-1][0]) and "Wait" in last_user(model.calls[-1][0])
    assert "</think>" in model.calls[0][1].stop


def test_budget_forces_the_answer_when_thinking_hits_the_cap(tmp_path):
    method = build_method("budget", {"budget": 40, "waits": 3})
    pred, trace, _ = run_method(method, make_item(0, answer="C"), budget_script(500, 5), tmp_path)
    assert [t.tag for t in trace] == ["think", "answer"] and pred.info["hit_budget"]


# --- end to end on the embedded model -------------------------------------------------------

ALL_METHODS = {
    "fewshot": {"k": 2, "max_tokens": 16},
    "cot_sc": {"n": 3, "max_tokens": 32},
    "medprompt": {"k": 1, "n": 2, "max_tokens": 32},
    "self_refine": {"rounds": 1, "max_tokens": 32},
    "debate": {"agents": 2, "rounds": 1, "max_tokens": 24},
    "medagents": {"experts": 2, "rounds": 1, "max_tokens": 24},
    "mdagents": {"agents": 2, "rounds": 1, "max_tokens": 24},
    "budget": {"budget": 32, "waits": 1, "answer_tokens": 12},
}


@pytest.mark.model
def test_every_method_end_to_end_on_the_embedded_model(shared_data, tmp_path):
    from clinreason.data import load_items
    from clinreason.models import load_model

    items = load_items("medqa", "test_hard", shared_data)[:1]
    pool = exemplar_pool("medqa", "test_hard", items, shared_data)
    model = load_model("smollm2")
    store = Store(tmp_path)

    async def go():
        out = {}
        try:
            for name, params in ALL_METHODS.items():
                method = build_method(name, params)
                if method.needs_pool:
                    method.prepare(pool.items)
                plan = engine.RunPlan(benchmark="medqa", subset="test_hard", model_spec="smollm2", method=method,
                                      items=items)
                out[name] = await engine.execute(plan, model, store)
        finally:
            await model.aclose()
        return out

    summaries = asyncio.run(go())
    for name, s in summaries.items():
        assert s["n_done"] == 1 and s["errors"] == 0, name
        assert s["calls_per_item"] >= 1 and s["completion_tokens_per_item"] > 0, name
    assert summaries["debate"]["calls_per_item"] >= 2
    assert summaries["medagents"]["calls_per_item"] >= 6  # recruit, 2 analyses, report, 2 votes, decision


@pytest.mark.model
@pytest.mark.server
def test_voting_and_agent_methods_through_the_openai_compat_backend(shared_data, tmp_path):
    """Sampled calls (distinct sample index and seed) and concurrent agent calls over real HTTP."""
    from _server import llama_server

    from clinreason.data import load_items
    from clinreason.models import load_model
    from clinreason.models.llamacpp import bundled_smollm2

    items = load_items("pubmedqa", "test_hard", shared_data)[:1]
    with llama_server(bundled_smollm2(), start_timeout_s=300) as url:  # shared CPUs: slow start
        spec = f"openai-compat:{url}#smollm2"
        model = load_model(spec, timeout_s=60)
        store = Store(tmp_path)

        async def go():
            out = {}
            try:
                for name, params in {"cot_sc": {"n": 3, "adaptive": False, "max_tokens": 16},
                                     "debate": {"agents": 2, "rounds": 1, "max_tokens": 16}}.items():
                    plan = engine.RunPlan(benchmark="pubmedqa", subset="test_hard", model_spec=spec,
                                          method=build_method(name, params), items=items)
                    out[name] = await engine.execute(plan, model, store)
            finally:
                await model.aclose()
            return out

        summaries = asyncio.run(go())
    assert summaries["cot_sc"]["errors"] == 0 and summaries["cot_sc"]["calls_per_item"] == 3
    assert summaries["debate"]["errors"] == 0 and summaries["debate"]["calls_per_item"] >= 2
    calls = store.db.execute("SELECT sample, params FROM calls WHERE run_id=? ORDER BY rowid",
                             (summaries["cot_sc"]["run_id"],)).fetchall()
    assert [c["sample"] for c in calls] == [0, 1, 2]
    assert [json.loads(c["params"])["seed"] for c in calls] == [0, 1, 2]
