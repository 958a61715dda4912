"""Judges driven by a scripted judge model: every grader's arithmetic and the error paths
(invalid JSON, missing keys, refusals, bounded re-asks), the runner, trust stats and summary."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from clinreason.grading.claims import claim_shares, pool_claims
from clinreason.grading.medec import parse_medec, rouge_1, rouge_l, score_medec
from clinreason.grading.reasoning import completeness, efficiency, factuality, right_answer_wrong_reasoning, split_steps
from clinreason.grading.rubric import aggregate_tags, rubric_score, tag_scores
from clinreason.items import Item, TaskType
from clinreason.judges import Judge, judge_run, judge_summary, parse_json_reply, resolve_rubrics
from clinreason.judges.base import InvalidJudgement
from clinreason.judges.reasoning import ReasoningJudgement
from clinreason.judges.trust import cohen_kappa, position_bias
from clinreason.models.gateway import RetryPolicy
from clinreason.models.scripted import ScriptedModel
from clinreason.store import Store
from conftest import make_item

FAST = RetryPolicy(max_attempts=2, base_delay_s=0.0, max_delay_s=0.0)


# --- pure arithmetic -------------------------------------------------------------------------
def test_reasoning_arithmetic():
    assert efficiency([True, False, True, True]) == 0.75
    assert factuality([True, False]) == 0.5
    assert efficiency([]) is None
    # out-of-range and repeated key points from a judge never inflate recall
    assert completeness([1, 1, 3, 9, 0], 4) == 0.5
    assert completeness([1], 0) is None
    r = right_answer_wrong_reasoning([(True, False), (True, True), (True, False), (False, False)])
    assert r["n_correct"] == 3 and r["share"] == pytest.approx(2 / 3)
    lo, hi = r["ci95"]
    assert 0 <= lo <= 2 / 3 <= hi <= 1
    assert right_answer_wrong_reasoning([(False, True)])["share"] is None


def test_split_steps_drops_answer_line_and_caps():
    text = "1. Fever and rash suggest infection.\n2. The travel history points to schistosomiasis.\nANSWER: B"
    assert split_steps(text) == ["Fever and rash suggest infection.", "The travel history points to schistosomiasis."]
    many = "\n".join(f"Step number {i} of the reasoning." for i in range(20))
    steps = split_steps(many, max_steps=5)
    assert len(steps) == 5 and "Step number 19" in steps[-1]


def test_claim_shares():
    s = claim_shares(["supported", "supported", "contradicted", "unverifiable"])
    assert s == {"n_claims": 4, "supported": 0.5, "contradicted": 0.25, "unverifiable": 0.25}
    assert claim_shares([])["supported"] is None
    with pytest.raises(ValueError):
        claim_shares(["maybe"])
    pooled = pool_claims([["supported"], ["contradicted", "contradicted", "supported"], []])
    assert pooled["micro"]["supported"] == 0.5
    assert pooled["macro"]["supported"] == pytest.approx((1 + 1 / 3) / 2)
    assert pooled["n_items_without_claims"] == 1


def test_rubric_score_clips_like_healthbench():
    assert rubric_score([5, 3, -4], [True, False, False]) == pytest.approx(5 / 8)
    assert rubric_score([5, 3, -4], [False, False, True]) == 0.0  # negative total clipped to 0
    assert rubric_score([5, -2], [True, False]) == 1.0
    assert rubric_score([-3], [True]) is None  # nothing positive to achieve
    with pytest.raises(ValueError):
        rubric_score([1, 2], [True])
    criteria = [{"points": 4, "tags": ["axis:accuracy"]}, {"points": 6, "tags": ["axis:completeness"]},
                {"points": -5, "tags": ["axis:accuracy"]}, {"points": 2, "tags": ["axis:accuracy"]}]
    tags = tag_scores(criteria, [True, False, True, None])
    assert tags == {"axis:accuracy": 0.0, "axis:completeness": 0.0}
    tags = tag_scores(criteria, [True, True, False, False])
    assert tags["axis:accuracy"] == pytest.approx(4 / 6) and tags["axis:completeness"] == 1.0
    agg = aggregate_tags([{"a": 1.0}, {"a": 0.0, "b": 0.5}])
    assert agg["a"]["mean"] == 0.5 and agg["a"]["n"] == 2 and agg["b"]["n"] == 1


def test_rouge_and_medec_scoring():
    assert rouge_l("the cat sat", "the cat sat") == 1.0
    assert rouge_l("a b c d", "a c") == pytest.approx(2 * (2 / 4) * 1 / (2 / 4 + 1))
    assert rouge_l("", "x") == 0.0 and rouge_1("x y", "y x") == 1.0
    out = "Reasoning...\nERROR: yes\nSENTENCE: 10\nCORRECTION: Symptoms are due to Schistosoma mansoni."
    assert parse_medec(out) == {"flag": 1, "sentence_id": 10, "correction": "Symptoms are due to Schistosoma mansoni.",
                                "parsed": True}
    s = score_medec(out, 1, 10, "Symptoms are due to Schistosoma mansoni.")
    assert s["flag_correct"] == s["sentence_correct"] == s["rouge_l"] == 1.0
    wrong_sentence = score_medec(out.replace("10", "3"), 1, 10, "Symptoms are due to Schistosoma mansoni.")
    assert wrong_sentence["flag_correct"] == 1.0 and wrong_sentence["sentence_correct"] == 0.0
    clean = score_medec("ERROR: no\nSENTENCE: -1\nCORRECTION: NA", 0, -1, None)
    assert clean["flag_correct"] == clean["sentence_correct"] == clean["rouge_l"] == 1.0
    false_alarm = score_medec(out, 0, -1, None)
    assert false_alarm["flag_correct"] == false_alarm["sentence_correct"] == false_alarm["rouge_l"] == 0.0
    assert parse_medec("no idea")["parsed"] is False


def test_trust_statistics():
    assert cohen_kappa(list("aabb"), list("aabb")) == 1.0
    assert cohen_kappa(list("aaaa"), list("aaaa")) is None  # undefined: chance agreement is 1
    # po = 0.5, pe = 0.5 -> kappa 0
    assert cohen_kappa(list("abab"), list("aabb")) == pytest.approx(0.0)
    assert cohen_kappa(list("aab"), list("abb")) == pytest.approx((2 / 3 - 4 / 9) / (1 - 4 / 9))
    pb = position_bias({"1": 1.0, "2": 0.0, "3": 0.0}, {"1": 1.0, "2": 1.0, "3": None})
    assert pb == {"n": 2, "consistency": 0.5, "shift": 0.5}


# --- JSON parsing and the bounded re-ask ------------------------------------------------------
def test_parse_json_reply_paths():
    ok = '```json\n{"steps": [{"step": 1, "relevant": true, "correct": false}], "sound": false}\n```'
    assert parse_json_reply(ok, ReasoningJudgement).sound is False
    assert parse_json_reply('Sure! {"steps": [], "sound": true} done', ReasoningJudgement).sound is True
    with pytest.raises(InvalidJudgement, match="no JSON object"):
        parse_json_reply("The reasoning is fine.", ReasoningJudgement)
    with pytest.raises(InvalidJudgement, match="invalid JSON"):
        parse_json_reply('{"sound": tru', ReasoningJudgement)
    with pytest.raises(InvalidJudgement, match="steps"):
        parse_json_reply('{"sound": true}', ReasoningJudgement)  # missing key
    with pytest.raises(InvalidJudgement) as refusal:
        parse_json_reply("I'm sorry, I cannot evaluate medical content.", ReasoningJudgement)
    assert refusal.value.refused


def _ask(store, model, max_attempts=3):
    judge = Judge(model, store, "r1", max_attempts=max_attempts, retry=FAST)
    return asyncio.run(judge.ask("judge_equivalence", _EQ, item_id="q0", tag="t",
                                 item=make_item(0), first="a", second="b"))


from clinreason.judges.equivalence import EquivalenceJudgement as _EQ  # noqa: E402


def test_reask_until_valid_then_cached(tmp_path):
    store = Store(tmp_path)
    model = ScriptedModel(["not json", '{"wrong": 1}', '{"equivalent": true}'])
    verdict = _ask(store, model)
    assert verdict.ok and verdict.value.equivalent and verdict.attempts == 3
    # the re-ask shows the judge its error
    assert "could not be used" in model.calls[1][0][-1].content
    assert len(verdict.call_ids) == 3 and verdict.prompt_tokens > 0
    rows = store.get_calls(verdict.call_ids)
    assert all(r["run_id"] == "r1" and r["item_id"] == "q0" for r in rows.values())
    again = _ask(store, ScriptedModel(["never called"]))
    assert again.ok and again.cached_calls == 3


def test_reask_is_bounded_and_refusal_recorded(tmp_path):
    model = ScriptedModel(["I'm sorry, I can't help with that."])
    verdict = _ask(Store(tmp_path), model, max_attempts=2)
    assert not verdict.ok and verdict.refused and verdict.attempts == 2 and len(model.calls) == 2


# --- the runner, every rubric, summary ---------------------------------------------------------
def scripted_judge(messages, params, i):
    """A deterministic judge that reads its own prompt: answers that it can check for real."""
    prompt = messages[1].content
    if "numbered steps" in prompt:
        n = len(re.findall(r"^\d+\. ", prompt.split("The response's reasoning")[1].split("For every step")[0], re.M))
        # Step text containing "wrong" is judged incorrect; reasoning with any wrong step is unsound.
        body = prompt.split("numbered steps:")[1].split("For every step")[0]
        lines = [ln for ln in body.strip().splitlines() if ln.strip()]
        steps = [{"step": k + 1, "relevant": "irrelevant" not in ln, "correct": "wrong" not in ln}
                 for k, ln in enumerate(lines[:n])]
        return json.dumps({"steps": steps, "covered_key_points": [1], "sound": all(s["correct"] for s in steps)})
    if "atomic medical claims" in prompt:
        return json.dumps({"claims": [{"claim": "x", "verdict": "supported"}, {"claim": "y", "verdict": "contradicted"}]})
    if "ranked differential" in prompt:
        entries = re.findall(r"^(\d+)\. (.+)$", prompt.split("follows:")[1], re.M)
        return json.dumps({"match": next((int(k) for k, text in entries if "sarcoid" in text.lower()), 0)})
    if "Answer 1:" in prompt:
        a1 = re.search(r"Answer 1: (.*)", prompt).group(1).lower()
        a2 = re.search(r"Answer 2: (.*)", prompt).group(1).lower()
        # position-biased on purpose: never "same" when the more specific text is shown first
        return json.dumps({"equivalent": "sarcoid" in a1 and "sarcoid" in a2 and not a1.startswith("pulmonary")})
    if "Criterion (" in prompt:
        if "refuse-me" in prompt:
            return "I cannot grade this."
        return json.dumps({"explanation": "ok", "met": "Recommends" in prompt})
    raise AssertionError(prompt[:200])


def seeded_store(tmp_path):
    store = Store(tmp_path)
    items = [
        make_item(0, answer="A", explanation="Fever and rash suggest infection. Travel points to schistosomiasis."),
        make_item(1, answer="B"),
        Item(id="open1", benchmark="toy", question="Diagnosis?", answer="Sarcoidosis", task=TaskType.open_ended),
        Item(id="ddx1", benchmark="toy", question="Differential?", answer="Sarcoidosis", task=TaskType.ranked_list),
        Item(id="hb1", benchmark="toy", question="Cream?", answer="", task=TaskType.open_ended,
             metadata={"answer_format": "conversation", "example_tags": ["theme:communication"], "rubrics": [
                 {"criterion": "Recommends calling the pharmacist.", "points": 6, "tags": ["axis:accuracy"]},
                 {"criterion": "Gives a dose without asking.", "points": -3, "tags": ["axis:accuracy"]},
                 {"criterion": "refuse-me", "points": 2, "tags": ["axis:completeness"]}]}),
        Item(id="medec1", benchmark="toy", question="Error?", answer="fixed", task=TaskType.open_ended,
             metadata={"answer_format": "medec", "error_flag": 1, "error_sentence_id": 2, "corrected_sentence": "It is fixed now."}),
    ]
    outputs = {
        "q0": "Fever and rash suggest infection here.\nTravel history suggests schistosomiasis.\nANSWER: A",
        "q1": "This step is wrong about the anatomy.\nANOTHER irrelevant remark about weather.\nANSWER: B",
        "open1": "Bilateral hilar nodes.\nANSWER: Pulmonary sarcoidosis",
        "ddx1": "DIFFERENTIAL:\n1. Tuberculosis\n2. Lymphoma\n3. Sarcoidosis",
        "hb1": "Please call your pharmacist to check how often to apply it.",
        "medec1": "ERROR: yes\nSENTENCE: 2\nCORRECTION: It is fixed.",
    }
    store.start_run({"id": "r1", "benchmark": "toy", "subset": None, "model": "m", "model_identity": "m",
                     "method": "cot", "config": {}}, items)
    answer_values = {"q0": 1.0, "q1": 1.0}
    for item in items:
        scores = {"answer": {"value": answer_values.get(item.id), "label": "x", "detail": {}}}
        store.save_result("r1", item.id, {"status": "ok", "output": outputs[item.id]}, scores)
    return store


def test_judge_run_all_rubrics_and_summary(tmp_path):
    store = seeded_store(tmp_path)
    model = ScriptedModel(scripted_judge, identity="scripted-judge")
    judge = Judge(model, store, "r1", max_attempts=2, retry=FAST)
    progress = asyncio.run(judge_run(store, "r1", judge, resolve_rubrics(["auto"]), trust=True))
    assert progress.done == progress.total > 0
    s = judge_summary(store, "r1")
    assert s["judges"] == ["scripted-judge"]

    r = s["judge:reasoning"]
    assert r["n"] == 6 and r["n_invalid"] == 0
    # right answers: q0 (sound), q1 (a "wrong" step -> unsound), open1 (judged equivalent, sound)
    rawr = r["right_answer_wrong_reasoning"]
    assert rawr["share"] == pytest.approx(1 / 3) and rawr["n_correct"] == 3
    q1 = store.scores("r1", "judge:reasoning")
    q1 = next(x for x in q1 if x["item_id"] == "q1")["detail"]
    assert q1["efficiency"] == 0.5 and q1["factuality"] == 0.5 and q1["completeness"] is None
    q0 = next(x for x in store.scores("r1", "judge:reasoning") if x["item_id"] == "q0")["detail"]
    assert q0["n_key_points"] == 2 and q0["completeness"] == 0.5

    assert s["judge:claims"]["micro"]["supported"] == 0.5

    eq = s["judge:equivalence"]
    assert eq["n"] == 2 and eq["top1"]["mean"] == 0.5 and eq["top3"]["mean"] == 1.0
    ranks = {x["item_id"]: x["detail"]["match_rank"] for x in store.scores("r1", "judge:equivalence")}
    assert ranks == {"open1": 1, "ddx1": 3}
    swapped = {x["item_id"]: x["detail"]["match_rank"] for x in store.scores("r1", "judge:equivalence@swap")}
    assert swapped["ddx1"] == 3  # reversed list, mapped back to the model's own ranking

    hb = s["judge:rubric"]
    # criterion 3 refused twice -> left out; met: c0 (6 pts), not c1 -> 6/6
    assert hb["score"]["mean"] == 1.0 and hb["criteria_invalid"] == 1
    assert hb["by_tag"]["theme:communication"]["mean"] == 1.0 and "axis:completeness" not in hb["by_tag"]

    m = s["medec"]
    assert m["flag_accuracy"]["mean"] == 1.0 and m["sentence_accuracy"]["mean"] == 1.0
    assert m["correction_rouge_l"]["mean"] == pytest.approx(2 * 1 * 0.75 / 1.75)

    trust = s["trust"]
    assert trust["judge:reasoning"]["self_agreement"]["agreement"] == 1.0
    assert trust["judge:equivalence"]["position_bias"] == {"n": 2, "consistency": 0.5, "shift": -0.5}

    cost = s["cost"]
    assert cost["items"] == 6 and cost["tokens_per_item"] > 0 and "medec" not in cost["by_scorer"]
    # judge calls are stored with the judged run
    assert store.count_calls("r1") == len(model.calls)

    # resumable: a second pass judges nothing new and calls no model
    again = ScriptedModel(scripted_judge)
    p2 = asyncio.run(judge_run(store, "r1", Judge(again, store, "r1"), resolve_rubrics(["auto"]), trust=True))
    assert p2.total == 0 and again.calls == []


def test_invalid_judge_is_recorded_not_guessed(tmp_path):
    store = seeded_store(tmp_path)
    judge = Judge(ScriptedModel(['{"steps": "nope"}']), store, "r1", max_attempts=2, retry=FAST)
    asyncio.run(judge_run(store, "r1", judge, resolve_rubrics(["reasoning"])))
    rows = store.scores("r1", "judge:reasoning")
    assert rows and all(r["value"] is None and r["label"] == "judge_invalid" for r in rows)
    s = judge_summary(store, "r1")["judge:reasoning"]
    assert s["n_invalid"] == 6 and s["sound"]["mean"] is None
    assert s["right_answer_wrong_reasoning"]["share"] is None


def test_step_count_mismatch_is_reasked(tmp_path):
    store = seeded_store(tmp_path)
    one_step = json.dumps({"steps": [{"step": 1, "relevant": True, "correct": True}], "sound": True})
    model = ScriptedModel([one_step])
    judge = Judge(model, store, "r1", max_attempts=3, retry=FAST)
    asyncio.run(judge_run(store, "r1", judge, resolve_rubrics(["reasoning"]), limit=1, controls=False))
    (row,) = store.scores("r1", "judge:reasoning")
    assert row["label"] == "judge_invalid" and "expected 2 step verdicts" in row["detail"]["error"]
    assert len(model.calls) == 3


def test_rubrics_needing_a_judge_refuse_without_one(tmp_path):
    store = seeded_store(tmp_path)
    with pytest.raises(ValueError, match="need a judge"):
        asyncio.run(judge_run(store, "r1", None, resolve_rubrics(["claims"])))
    asyncio.run(judge_run(store, "r1", None, resolve_rubrics(["medec"])))
    assert judge_summary(store, "r1")["medec"]["n"] == 1


def test_cli_judge_medec_updates_run_summary(tmp_path):
    from typer.testing import CliRunner

    from clinreason.cli import app
    from clinreason.summary import summarize_run

    store = seeded_store(tmp_path)
    result = CliRunner().invoke(app, ["judge", "r1", "--rubric", "medec", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "MEDEC sentence accuracy" in result.output
    assert summarize_run(store, "r1")["judges"]["medec"]["sentence_accuracy"]["mean"] == 1.0
    assert store.get_run("r1")["summary"]["judges"]["medec"]["n"] == 1
    assert (tmp_path / "runs" / "r1.json").is_file()
    missing = CliRunner().invoke(app, ["judge", "r1", "--rubric", "claims", "--out", str(tmp_path)])
    assert missing.exit_code == 2 and "need a judge" in missing.output


def test_medec_unparsed_output_earns_nothing_on_clean_notes():
    assert score_medec("I am not sure.", 0, -1, None)["rouge_l"] == 0.0
