"""Episode metrics (issue 15): the arithmetic, the `episode` scorer over hand-made predictions and
traces in THE TRACE CONTRACT's shape, the store summary and the CLI table, the engine and
`regrade` handing the trace to the scorer, and the `judge:faithfulness` rubric."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from clinreason import engine
from clinreason.cli import app
from clinreason.grading import episode as ep
from clinreason.grading.scorers import SCORERS
from clinreason.judges import Judge, judge_run, judge_summary, resolve_rubrics
from clinreason.judges.faithfulness import patient_exchanges
from clinreason.methods.base import Method
from clinreason.models.gateway import RetryPolicy
from clinreason.models.scripted import ScriptedModel
from clinreason.results import Prediction
from clinreason.store import Store
from clinreason.summary import summarize_run
from clinreason.trace import Turn

from episode_fixtures import FACTS, build_store, episodes, items

FAST = RetryPolicy(max_attempts=2, base_delay_s=0.0, max_delay_s=0.0)


def test_information_gained_and_tokens_per_turn():
    assert ep.info_gained({"facts_revealed": [0, 2, 2, 9], "n_facts": 4}) == 0.5  # duplicates, out of range ignored
    assert ep.info_gained({"facts_revealed": [], "n_facts": 0}) is None
    trace = [{"type": "model_call", "role": "model", "prompt_tokens": 10, "completion_tokens": 2},
             {"type": "turn", "speaker": "doctor", "text": "q"},
             {"role": "patient", "prompt_tokens": 4, "completion_tokens": 4}]  # stored before typed traces
    assert ep.tokens_per_turn(trace, 2) == (10.0, {"model": 6.0, "patient": 4.0})
    assert ep.tokens_per_turn(trace, 0) == (None, {})


def test_faithfulness_rule_flags_words_in_no_fact_and_not_in_the_question():
    assert ep.unsupported_words("For three days now.", FACTS) == []  # number words are their digits
    assert ep.unsupported_words("Yes, I smoke, and I drink whisky.", FACTS, "Do you smoke?") == ["drink", "whisky"]
    assert ep.unsupported_words("I don't know.", FACTS) == []
    # its documented limits: a paraphrase is flagged, a negation made of the facts' words is not
    assert ep.unsupported_words("My chest hurts.", FACTS) == ["hurts"]
    assert ep.unsupported_words("No chest pain at all.", FACTS) == []
    result = ep.faithfulness(episodes()[0][1], FACTS)
    assert (result["checked"], result["unfaithful"], result["faithfulness"]) == (2, 1, 0.5)
    assert result["replies"] == [{"turn": 2, "unsupported": ["drink", "whisky", "night"]}]
    # a rule-based patient (no model role) is not checked: None, not a perfect score
    assert ep.faithfulness(episodes()[1][1], FACTS)["faithfulness"] is None


def test_accuracy_curve_carries_a_finished_episode_s_final_answer():
    curve = ep.accuracy_curve([([0.0, 1.0], 1.0), ([0.0, 0.0, 0.0], 0.0), ([1.0], 1.0)])
    assert [(p["turns"], round(p["accuracy"], 3), p["n"]) for p in curve] == [(1, 0.333, 3), (2, 0.667, 3), (3, 0.667, 3)]
    assert ep.accuracy_curve([]) == []
    assert ep.accuracy_curve([([None], None)]) == [{"turns": 1, "accuracy": None, "n": 0}]


def test_episode_scorer_on_hand_made_predictions():
    scorer = SCORERS.get("episode")()
    its, rows = items(), episodes()
    s = [scorer(item, Prediction(output=out, info=info), trace=trace) for item, (out, trace, info) in zip(its, rows)]
    assert s[0].value == 0.5 and s[0].label == "answered" and s[0].version == scorer.version
    d = s[0].detail
    assert d["correct_after"] == [0.0, 1.0] and d["final_correct"] == 1.0
    assert (d["turns"], d["questions"], d["tests"], d["faithfulness"]) == (2, 2, 0, 0.5)
    assert d["tokens_per_turn"] == 472.5 and d["tokens_per_turn_by_role"] == {"model": 375.0, "patient": 97.5}
    d = s[1].detail
    assert d["correct_after"] == [0.0, 0.0, 0.0]  # an unread intermediate answer counts as wrong
    assert (d["repeated_questions"], d["unanswerable_questions"], d["tests"]) == (1, 1, 1)
    assert "faithfulness" not in d and d["replies_checked"] == 0
    # a bound run's plain prediction is not an episode: not graded here
    plain = scorer(its[0], Prediction(output="ANSWER: A"), trace=[])
    assert (plain.value, plain.label) == (None, "no_episode")
    assert scorer.uses_trace and not SCORERS.get("answer").uses_trace


def test_metrics_reach_the_run_summary_and_the_cli(tmp_path):
    store = build_store(tmp_path)
    summary = summarize_run(store, "episodes")
    m = summary["scores"]["episode"]
    assert m["info_gained"]["mean"] == pytest.approx(1 / 3) and m["info_gained"]["n"] == 3
    assert m["turns"]["mean"] == 2.0 and m["questions"]["mean"] == 2.0
    assert m["repeated_questions"]["mean"] == pytest.approx(1 / 3)
    assert m["unanswerable_questions"]["mean"] == pytest.approx(1 / 3)
    assert m["faithfulness"]["mean"] == 0.75 and m["faithfulness"]["n"] == 2  # model-patient episodes only
    assert m["tokens_per_turn"]["mean"] == pytest.approx((472.5 + 0 + 110) / 3)
    assert m["stopped"] == {"answered": 2, "max_turns": 1}
    assert summary["accuracy"] == pytest.approx(2 / 3)
    # the bound runs store plain predictions: their episode metrics are empty, not zero
    assert summarize_run(store, "upper")["scores"]["episode"]["turns"]["n"] == 0
    store.close()
    out = CliRunner().invoke(app, ["show", "episodes", "--out", str(tmp_path)], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "consultation episodes" in out.output and "information gained" in out.output
    assert "33.3%" in out.output and "answered 2, max_turns 1" in out.output
    plain = CliRunner().invoke(app, ["show", "upper", "--out", str(tmp_path)], env={"COLUMNS": "200"})
    assert plain.exit_code == 0 and "consultation episodes" not in plain.output


class _Consult(Method):
    """A stand-in consult method: two scripted turns with a model patient, recorded per contract."""

    name = "toy_consult"
    roles = ("patient",)

    async def __call__(self, item, ctx):
        q = await ctx.lm([], self.params.sampling(), tag="ask")
        ctx.add(Turn(speaker="doctor", role="model", text=q.text))
        r = await ctx.role("patient")([], self.params.sampling(), tag="patient")
        ctx.add(Turn(speaker="patient", role="patient", text=r.text))
        info = {"episode": {"turns": 1, "questions": 1, "tests": 0, "stopped": "answered",
                            "intermediate_answers": ["B"], "facts_revealed": [0], "n_facts": len(item.facts),
                            "repeated_questions": 0, "unanswerable_questions": 0, "strategy": "toy"}}
        return Prediction(output="ANSWER: B", info=info)


def test_engine_and_regrade_hand_the_trace_to_the_scorer(tmp_path):
    its = items()[:2]
    plan = engine.RunPlan(benchmark="consultoy", subset=None, model_spec="doc", method=_Consult(), items=its,
                          roles={"patient": "pat"}, scorers=("answer", "episode"))
    models = {"model": ScriptedModel(["Where does it hurt?"], identity="doc"),
              "patient": ScriptedModel(["Chest pain, with purple elephants."], identity="pat")}
    store = Store(tmp_path)
    summary = asyncio.run(engine.execute(plan, models, store))
    run_id = summary["run_id"]
    rows = {s["item_id"]: s for s in store.scores(run_id, "episode")}
    assert rows["c0"]["detail"]["faithfulness"] == 0.0  # "purple elephants" is in no fact
    assert rows["c0"]["detail"]["tokens_per_turn"] > 0  # from the trace's model calls
    assert rows["c1"]["detail"]["correct_after"] == [1.0]  # gold B
    store.db.execute("UPDATE scores SET version='0', label='stale' WHERE scorer='episode'")
    store.db.commit()
    store.close()
    result = CliRunner().invoke(app, ["regrade", run_id, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    store = Store(tmp_path)
    again = {s["item_id"]: s for s in store.scores(run_id, "episode")}
    assert again["c0"]["label"] == "answered" and again["c0"]["detail"]["faithfulness"] == 0.0


def test_faithfulness_judge_reads_the_dialogue_and_skips_rule_patients(tmp_path):
    store = build_store(tmp_path)
    exchanges = patient_exchanges(episodes()[0][1])
    assert list(exchanges) == ["R1", "R2"] and exchanges["R2"].startswith("Doctor: Do you smoke?\nPatient: Yes")
    model = ScriptedModel(['{"unfaithful": ["R2", "R9"]}'], identity="judge")
    progress = asyncio.run(judge_run(store, "episodes", Judge(model, store, "episodes", retry=FAST),
                                     resolve_rubrics(["faithfulness"])))
    assert progress.total == 2  # the rule-patient episode has no model reply to judge
    scores = {s["item_id"]: s for s in store.scores("episodes", "judge:faithfulness")}
    assert scores["c0"]["value"] == 0.5 and scores["c0"]["detail"]["unfaithful"] == ["R2"]  # R9 is not a reply
    assert scores["c0"]["detail"]["units"] == {"R1": "faithful", "R2": "unfaithful"}
    prompt = model.calls[0][0][-1].content
    assert "Father had a heart attack at 50." in prompt and "whisky" in prompt
    summary = judge_summary(store, "episodes")["judge:faithfulness"]
    assert summary["n"] == 2 and summary["unfaithful_replies"] == 1 and summary["replies"] == 3
