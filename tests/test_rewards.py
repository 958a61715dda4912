"""clinreason.rewards: reward functions give exactly the grade evaluation gives, on every gradable format."""

from __future__ import annotations

import json

import pytest

from clinreason.grading.scorers.answer import AnswerScorer
from clinreason.items import AnswerFormat, Item, TaskType, Tolerance
from clinreason.results import Prediction
from clinreason.rewards import (REWARDS, GoldError, correct, gold_spec, grade, hamming, item_from_gold,
                                length_penalty, strict_format, think_format)

MCQ = Item(id="q1", benchmark="t", question="Which drug?", options={"A": "aspirin", "B": "heparin", "C": "warfarin"},
           answer="B")
YNM = Item(id="q2", benchmark="t", question="Does it work?", answer="maybe", task=TaskType.yes_no_maybe)
MULTI = Item(id="q3", benchmark="t", question="Select all.", options={k: k.lower() for k in "ABCDE"}, answer="A,C",
             answer_format=AnswerFormat.letters)
CALC = Item(id="q4", benchmark="t", question="BMI?", answer="22.5", task=TaskType.numeric,
            tolerance=Tolerance(lower=21.4, upper=23.6))
DATE = Item(id="q5", benchmark="t", question="Due date?", answer="2021-03-04", task=TaskType.numeric,
            answer_format=AnswerFormat.date)
OPEN = Item(id="q6", benchmark="t", question="Explain.", answer="free text", task=TaskType.open_ended)


@pytest.mark.parametrize("item,text,expected", [
    (MCQ, "Heparin is right.\nANSWER: B", 1.0),
    (MCQ, "ANSWER: A", 0.0),
    (MCQ, "I cannot tell.", 0.0),
    (YNM, "Evidence is mixed.\nANSWER: maybe", 1.0),
    (YNM, "ANSWER: yes", 0.0),
    (MULTI, "ANSWER: C, A", 1.0),
    (MULTI, "ANSWER: A", 0.0),
    (CALC, "BMI = 70 / 1.76^2 = 22.6\nANSWER: 22.6", 1.0),
    (CALC, "ANSWER: 24.9", 0.0),
    (DATE, "ANSWER: 03/04/2021", None),  # whatever the date parser reads, it must equal the scorer below
])
def test_correct_equals_the_stored_grade(item, text, expected):
    stored = AnswerScorer()(item, Prediction(output=text)).value
    assert correct(text, item) == stored == grade(text, item)
    if expected is not None:
        assert stored == expected


def test_free_text_gold_is_accepted_and_rules_give_none():
    rebuilt = item_from_gold(gold_spec(OPEN))
    assert rebuilt.format == AnswerFormat.text and correct("anything", rebuilt) is None


def test_ungradable_formats_give_none():
    assert correct("anything", OPEN) is None
    assert hamming("ANSWER: A", MCQ) is None


def test_hamming_partial_credit():
    assert hamming("ANSWER: A, B", MULTI) == pytest.approx(1 / 3)
    assert hamming("ANSWER: A, C", MULTI) == 1.0


def test_strict_format_counts_only_the_requested_line():
    assert strict_format("so B.\nANSWER: B", MCQ) == 1.0
    assert strict_format("The answer is heparin (B).", MCQ) == 0.0


@pytest.mark.parametrize("text,expected", [
    ("<think>heparin acts fast</think>\nANSWER: B", 1.0),
    ("<think></think>ANSWER: B", 0.0),  # empty thought
    ("<think>x</think>", 0.0),  # nothing after
    ("ANSWER: B <think>late</think>", 0.0),  # not first
    ("<think>a</think> B <think>again</think> ANSWER: B", 0.0),  # a second block
    ("<think>a <think> nested</think> ANSWER: B", 0.0),
    ("<think>a</think> it is heparin", 0.0),  # with the item: no strict answer after the block
])
def test_think_format(text, expected):
    assert think_format(text, MCQ) == expected


def test_think_format_without_item_checks_the_shape_only():
    assert think_format("<think>a</think> it is heparin") == 1.0


def test_length_penalty():
    pen = length_penalty(max_chars=10)
    assert pen("x" * 10) == 0.0
    assert pen("x" * 15) == pytest.approx(-0.5)
    assert pen("x" * 100) == -1.0
    with pytest.raises(ValueError):
        length_penalty(0)


@pytest.mark.parametrize("item", [MCQ, YNM, MULTI, CALC, DATE])
def test_gold_round_trip_grades_like_the_original(item):
    rebuilt = item_from_gold(json.dumps(gold_spec(item)))
    for text in (f"ANSWER: {item.answer}", "ANSWER: A", "ANSWER: 23.0", "no answer here"):
        assert grade(text, rebuilt) == grade(text, item)
    assert rebuilt.question == item.question


@pytest.mark.parametrize("gold,field", [
    ("{not json", "JSON"),
    ('["A"]', "object"),
    ({"answer": "B", "answer_format": "essay"}, "answer_format"),
    ({"answer": "", "answer_format": "letter"}, "answer"),
    ({"answer": "Z", "answer_format": "letter", "options": {"A": "x", "B": "y"}}, "answer"),
    ({"answer": "B", "answer_format": "letter", "options": ["x"]}, "options"),
    ({"v": 99, "answer": "B", "answer_format": "letter"}, "newer"),
])
def test_bad_gold_is_a_clear_error(gold, field):
    with pytest.raises(GoldError, match=field):
        item_from_gold(gold)


def test_registry_names():
    for name in ("correct", "strict_format", "think_format", "hamming", "length_penalty"):
        assert callable(REWARDS.get(name))
    assert REWARDS.get("accuracy") is correct


def _sound_judge(messages, params, index):
    # One verdict per numbered step the prompt shows; sound when the prompt's reasoning names heparin.
    prompt = messages[-1].content
    n = max(1, len(__import__("re").findall(r"(?m)^\s*(?:Step\s*)?(\d+)[.):]", prompt)))
    steps = [{"step": i + 1, "relevant": True, "correct": True} for i in range(n)]
    return json.dumps({"steps": steps, "covered_key_points": [], "sound": "heparin" in prompt.lower(),
                       "reason": "checked"})


def test_judge_reward_is_cached_across_instances(tmp_path):
    from clinreason.models.scripted import ScriptedModel
    from clinreason.rewards import JudgeReward

    model = ScriptedModel(_sound_judge, identity="scripted-judge")
    reward = JudgeReward(model, cache=tmp_path / "rewards.db")
    text = "Heparin acts at once.\nIt is safe here.\nANSWER: B"
    first = reward(text, MCQ)
    assert first in (0.0, 1.0)  # a verdict, not None
    calls = len(model.calls)
    assert calls >= 1
    assert reward.many([text, "No reasoning"], [MCQ, MCQ])[0] == first
    reward.close()
    again = JudgeReward(ScriptedModel(["never called"], identity="scripted-judge"), cache=tmp_path / "rewards.db")
    assert again(text, MCQ) == first  # served from the store: the new model is never asked
    again.close()
