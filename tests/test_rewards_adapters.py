"""The reward adapters called exactly as their trainers call them: TRL's GRPOTrainer (keyword
arguments prompts/completions/completion_ids, the dataset's columns, trainer_state, log_extra,
log_metric), verifiers' rubric functions and OpenRLHF's reward_func(queries, prompts, labels).
Every value is checked against clinreason's own grade of the same text, and against the value we
know it must have (so a grader that broke both ways would still be caught)."""

from __future__ import annotations

import json

import pytest
from conftest import make_item

from clinreason.items import AnswerFormat, Item, TaskType, Tolerance
from clinreason.rewards import (
    GoldError, JudgeReward, grade, gold_spec, openrlhf_reward, reward_func, strict_format, trl_reward,
    verifiers_reward,
)

LETTER = make_item(0, answer="B")
LETTERS = make_item(1, answer="A,C", answer_format=AnswerFormat.letters)
NUMBER = Item(id="n", benchmark="toy", question="Dose?", answer="10", task=TaskType.numeric,
              answer_format=AnswerFormat.number, tolerance=Tolerance(lower=9.5, upper=10.5))
YES_NO = Item(id="y", benchmark="toy", question="Is it?", answer="yes", task=TaskType.yes_no_maybe)

# (item, completion, correct, strict_format): known values, not derived from the code under test.
CASES = [
    (LETTER, "Reasoning first.\nANSWER: B", 1.0, 1.0),
    (LETTER, "I think the answer is B", 1.0, 0.0),
    (LETTER, "ANSWER: C", 0.0, 1.0),
    (LETTER, "", 0.0, 0.0),
    (LETTERS, "ANSWER: A, C", 1.0, 1.0),
    (LETTERS, "ANSWER: A", 0.0, 1.0),
    (NUMBER, "ANSWER: 10.2", 1.0, 1.0),
    (NUMBER, "ANSWER: 11", 0.0, 1.0),
    (YES_NO, "Yes.", 1.0, 0.0),
    (YES_NO, "ANSWER: maybe", 0.0, 1.0),
]


def _trl_kwargs(completions, items, *, conversational=False):
    """The keyword arguments GRPOTrainer._calculate_rewards passes: prompts, completions,
    completion_ids, every other dataset column as a list, and the trainer's own extras."""
    logged: list = []
    prompts = ([[{"role": "user", "content": f"Q{i}"}] for i in range(len(items))] if conversational
               else [f"Q{i}" for i in range(len(items))])
    return logged, dict(
        prompts=prompts, completions=completions, completion_ids=[[1, 2, 3]] * len(items),
        gold=[json.dumps(gold_spec(it)) for it in items], item_id=[it.id for it in items],
        benchmark=[it.benchmark for it in items],
        trainer_state=object(), log_extra=lambda column, values: logged.append((column, values)),
        log_metric=lambda name, value: logged.append((name, value)),
    )


def test_trl_reward_grades_plain_string_completions_like_evaluation():
    items, texts = [c[0] for c in CASES], [c[1] for c in CASES]
    _, kwargs = _trl_kwargs(texts, items)
    correct = trl_reward("correct")(**kwargs)
    fmt = trl_reward("strict_format")(**kwargs)
    assert correct == [c[2] for c in CASES]
    assert fmt == [c[3] for c in CASES]
    assert correct == [grade(t, it) for t, it in zip(texts, items)]
    assert fmt == [strict_format(t, it) for t, it in zip(texts, items)]
    assert all(type(v) is float for v in correct + fmt)


def test_trl_reward_reads_conversational_completions():
    items, texts = [c[0] for c in CASES], [c[1] for c in CASES]
    completions = [[{"role": "assistant", "content": t}] for t in texts]
    _, kwargs = _trl_kwargs(completions, items, conversational=True)
    assert trl_reward("correct")(**kwargs) == [c[2] for c in CASES]
    assert trl_reward("strict_format")(**kwargs) == [c[3] for c in CASES]
    # OpenAI-style content parts are read too.
    parts = [[{"role": "assistant", "content": [{"type": "text", "text": "ANSWER: "}, {"type": "text", "text": "B"}]}]]
    _, kwargs = _trl_kwargs(parts, [LETTER], conversational=True)
    assert trl_reward("correct")(**kwargs) == [1.0]


def test_trl_reward_ignores_trainer_extras_and_does_not_log():
    logged, kwargs = _trl_kwargs(["ANSWER: B", "ANSWER: A"], [LETTER, LETTER])
    assert trl_reward("correct")(**kwargs) == [1.0, 0.0]
    assert logged == []


def test_trl_reward_names_its_log_column():
    # GRPOTrainer logs `rewards/<__name__>/mean`: the name must be stable and overridable.
    assert trl_reward("correct").__name__ == "clinreason_correct"
    assert trl_reward("format").__name__ == "clinreason_strict_format"  # alias -> canonical function
    assert trl_reward("correct", name="acc").__name__ == "acc"


def test_trl_reward_accepts_plain_answer_columns_without_gold():
    kwargs = dict(prompts=["p"] * 2, completions=["ANSWER: 10.4", "ANSWER: 12"], completion_ids=[[1]] * 2,
                  answer=["10", "10"], answer_format=["number", "number"],
                  tolerance=[json.dumps({"lower": 9.5, "upper": 10.5})] * 2, trainer_state=None)
    assert trl_reward("correct")(**kwargs) == [1.0, 0.0]


def test_trl_reward_passes_none_through_where_a_reward_does_not_apply():
    # hamming is defined on multi-answer items only: None elsewhere (TRL then ignores that row).
    _, kwargs = _trl_kwargs(["ANSWER: A", "ANSWER: B", "ANSWER: A, B, C"], [LETTERS, LETTER, LETTERS])
    assert trl_reward("hamming")(**kwargs) == [0.5, None, pytest.approx(2 / 3)]
    # A custom rule and a judge that gives no verdict pass None through untouched.
    only_numbers = trl_reward(lambda text, item: None if item.format != AnswerFormat.number else 1.0)
    _, kwargs = _trl_kwargs(["ANSWER: B", "ANSWER: 10"], [LETTER, NUMBER])
    assert only_numbers(**kwargs) == [None, 1.0]

    class SilentJudge(JudgeReward):
        def __init__(self):  # no model, no store: only the batch call the adapter makes
            self.__name__ = "judge_silent"

        def many(self, texts, items):
            return [None if not t.strip() else 1.0 for t in texts]

    _, kwargs = _trl_kwargs(["", "ANSWER: B"], [LETTER, LETTER])
    judged = trl_reward(SilentJudge())
    assert judged.__name__ == "clinreason_judge_silent"
    assert judged(**kwargs) == [None, 1.0]


def test_trl_reward_refuses_rows_without_gold_with_a_clear_error():
    with pytest.raises(GoldError, match="no gold"):
        trl_reward("correct")(prompts=["p"], completions=["ANSWER: B"], completion_ids=[[1]], item_id=["q0"])
    with pytest.raises(GoldError, match="no gold"):  # JSON without answer_format is not a gold record
        trl_reward("correct")(prompts=["p"], completions=["ANSWER: B"], gold=['{"answer": "B"}'])
    with pytest.raises(GoldError, match="answer: 'E' is not one of the options"):
        bad_gold = json.dumps({**gold_spec(LETTER), "answer": "E"})
        trl_reward("correct")(prompts=["p"], completions=["ANSWER: B"], gold=[bad_gold])


def test_trl_reward_gives_none_for_free_text_rows():
    # Rule-based rewards cannot grade a free-text row: None (TRL skips it for that function), never 0.0
    # as if the answer were wrong; the judge reward is what grades such rows.
    free_text = Item(id="t", benchmark="toy", question="Diagnosis?", answer="pneumonia", task=TaskType.open_ended)
    _, kwargs = _trl_kwargs(["ANSWER: B", "It is pneumonia."], [LETTER, free_text])
    assert trl_reward("correct")(**kwargs) == [grade("ANSWER: B", LETTER), None]


def test_verifiers_reward_reads_info_or_gold_answer():
    conversation = [{"role": "assistant", "content": "Because...\nANSWER: B"}]
    fn = verifiers_reward("correct")
    assert fn(completion=conversation, answer="B", info=gold_spec(LETTER), state={}) == 1.0
    assert fn(completion="ANSWER: A", answer=json.dumps(gold_spec(LETTER)), info={}, state={}) == 0.0
    # Where a reward does not apply verifiers still needs a number.
    assert verifiers_reward("hamming")(completion="ANSWER: B", info=gold_spec(LETTER)) == 0.0


# ---------------------------------------------------------------- OpenRLHF


def test_openrlhf_module_reward_func_returns_tensors_graded_like_evaluation():
    torch = pytest.importorskip("torch")
    items, responses = [c[0] for c in CASES], [c[1] for c in CASES]
    prompts = [f"<|im_start|>user\nQuestion {i}\nEnd with ANSWER: X<|im_end|>\n<|im_start|>assistant\n"
               for i in range(len(items))]
    queries = [p + r for p, r in zip(prompts, responses)]
    labels = [json.dumps(gold_spec(it)) for it in items]
    out = reward_func(queries, prompts, labels)
    assert set(out) == {"rewards", "scores", "extra_logs"}
    for key in ("rewards", "scores"):
        assert isinstance(out[key], torch.Tensor) and out[key].shape == (len(CASES),)
        assert out[key].dtype == torch.float32
    expected = [c[2] for c in CASES]
    assert out["rewards"].tolist() == expected
    assert out["scores"].tolist() == expected
    assert out["rewards"].tolist() == [grade(r, it) for r, it in zip(responses, items)]
    assert set(out["extra_logs"]) == {"correct"}
    assert float(out["extra_logs"]["correct"]) == pytest.approx(sum(expected) / len(expected))


def test_openrlhf_grades_the_response_not_the_prompt():
    pytest.importorskip("torch")
    # The prompt shows a well-formed right answer; the response gives none (graded whole, it would pass).
    prompt = "Example reply:\nANSWER: B\nNow yours:\n"
    out = reward_func([prompt + "I am not sure."], [prompt], [json.dumps(gold_spec(LETTER))])
    assert out["rewards"].tolist() == [0.0]


def test_openrlhf_weighted_sum_of_components():
    pytest.importorskip("torch")
    fn = openrlhf_reward(("correct", "strict_format"), weights=(1.0, 0.5))
    items, responses = [c[0] for c in CASES], [c[1] for c in CASES]
    out = fn(responses, [""] * len(CASES), [json.dumps(gold_spec(it)) for it in items], extra="ignored")
    assert out["rewards"].tolist() == [c[2] + 0.5 * c[3] for c in CASES]
    assert out["scores"].tolist() == [c[2] for c in CASES]  # scores stay the 0-1 correctness grade
    assert set(out["extra_logs"]) == {"correct", "strict_format"}
    assert float(out["extra_logs"]["strict_format"]) == pytest.approx(sum(c[3] for c in CASES) / len(CASES))


def test_openrlhf_rejects_mismatched_weights_and_bad_labels():
    with pytest.raises(ValueError, match="2 rewards but 1 weights"):
        openrlhf_reward(("correct", "strict_format"), weights=(1.0,))
    pytest.importorskip("torch")
    with pytest.raises(GoldError):
        reward_func(["ANSWER: B"], [""], ["B"])  # a bare answer is not a gold record
