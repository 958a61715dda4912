"""A real GRPO smoke test: TRL's GRPOTrainer runs 2 steps on SmolLM2-135M-Instruct (the embedded GGUF,
de-quantized into transformers) over a few MedQA items with clinreason's reward functions, on CPU,
and every reward it computed and logged equals clinreason's own grade of the same completion.

The rewards under test are wrapped only to record what TRL passed in and got back; the wrapper returns
the adapter's output untouched, so the values TRL logs are the adapter's. Grades are then recomputed
independently from the original items (not from the gold JSON the adapter read)."""

from __future__ import annotations

import functools
import json
import math
import resource
import time

import pytest

from clinreason.data import load_items
from clinreason.grading.parsers import parse_answer
from clinreason.prompts import item_messages
from clinreason.rewards import gold_spec, grade, trl_reward

pytestmark = [pytest.mark.slow, pytest.mark.model]

NUM_GENERATIONS = 2
BATCH = 4  # completions per step: 2 prompts x 2 generations
STEPS = 2
N_ITEMS = STEPS * BATCH // NUM_GENERATIONS  # each item is drawn once


@pytest.fixture
def one_torch_thread():
    """On a small machine shared with other jobs, torch's OpenMP threads spin against them: one thread
    ran this test's generation and backward 2-3x faster than two on a busy 2-core box."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _recording(fn, calls: list):
    """`fn` as TRL sees it (same name, same output), keeping each call's completions, gold and rewards."""

    @functools.wraps(fn)
    def reward(prompts=None, completions=None, completion_ids=None, **kwargs):
        out = fn(prompts=prompts, completions=completions, completion_ids=completion_ids, **kwargs)
        calls.append({"completions": list(completions), "item_id": list(kwargs["item_id"]),
                      "gold": list(kwargs["gold"]), "rewards": list(out),
                      "extras": sorted(k for k in kwargs if k not in ("gold", "item_id"))})
        return out

    return reward


def _no_activation_checkpointing(config_cls) -> dict:
    # GRPOConfig turns it on by default (recomputing activations costs CPU time here for no gain);
    # transformers 5 renamed the option and warns on the old name.
    fields = config_cls.__dataclass_fields__
    return {"activation_checkpointing" if "activation_checkpointing" in fields else "gradient_checkpointing": False}


def _text(completion) -> str:
    # TRL's conversational completions: [{"role": "assistant", "content": ...}].
    if isinstance(completion, str):
        return completion
    return "".join(m["content"] for m in completion if m["role"] == "assistant")


def test_grpo_two_steps_logs_clinreason_grades(shared_data, tmp_path, capsys, one_torch_thread):
    pytest.importorskip("trl")
    pytest.importorskip("gguf")
    datasets = pytest.importorskip("datasets")
    import torch
    from trl import GRPOConfig, GRPOTrainer

    from clinreason.rewards.hf_gguf import load_gguf_for_training

    torch.manual_seed(0)
    started = time.perf_counter()
    # The shortest questions: prompt length is most of the cost of a CPU step.
    medqa = sorted(load_items("medqa", "test", shared_data, hub=False), key=lambda it: (len(it.question), it.id))
    items = {it.id: it for it in medqa[:N_ITEMS]}
    rows = [{"prompt": [m.wire() for m in item_messages("cot", it)], "gold": json.dumps(gold_spec(it)),
             "item_id": it.id} for it in items.values()]
    train = datasets.Dataset.from_list(rows)

    model, tokenizer = load_gguf_for_training()
    loaded = time.perf_counter()

    correct_calls: list = []
    format_calls: list = []
    correct = _recording(trl_reward("correct"), correct_calls)
    strict = _recording(trl_reward("strict_format"), format_calls)
    args = GRPOConfig(
        output_dir=str(tmp_path / "grpo"), use_cpu=True, bf16=False, fp16=False, max_steps=STEPS,
        per_device_train_batch_size=BATCH, num_generations=NUM_GENERATIONS, max_completion_length=32,
        gradient_accumulation_steps=1, learning_rate=1e-6, logging_steps=1, save_strategy="no",
        eval_strategy="no", report_to="none", seed=0, disable_tqdm=True, dataloader_num_workers=0,
        **_no_activation_checkpointing(GRPOConfig),
    )
    trainer = GRPOTrainer(model=model, reward_funcs=[correct, strict], args=args, train_dataset=train,
                          processing_class=tokenizer)
    trainer.train()
    finished = time.perf_counter()

    # One generation batch per optimisation step, each scored once by each reward.
    assert len(correct_calls) == len(format_calls) == STEPS
    logged = [entry for entry in trainer.state.log_history if "rewards/clinreason_correct/mean" in entry]
    assert len(logged) == STEPS

    report = []
    for step, (c_call, f_call, entry) in enumerate(zip(correct_calls, format_calls, logged), start=1):
        assert c_call["completions"] == f_call["completions"]
        assert len(c_call["completions"]) == BATCH
        texts = [_text(c) for c in c_call["completions"]]
        graded_items = [items[i] for i in c_call["item_id"]]
        # Each row's gold is its own item's (TRL repeats the columns once per generation).
        assert [json.loads(g)["item_id"] for g in c_call["gold"]] == c_call["item_id"]

        # Independently: the answer scorer's grade and the parser's strictness on the original items.
        expected_correct = [grade(t, it) for t, it in zip(texts, graded_items)]
        expected_strict = [1.0 if parse_answer(t, it).strict else 0.0 for t, it in zip(texts, graded_items)]
        assert c_call["rewards"] == expected_correct
        assert f_call["rewards"] == expected_strict
        assert entry["rewards/clinreason_correct/mean"] == pytest.approx(sum(expected_correct) / BATCH)
        assert entry["rewards/clinreason_strict_format/mean"] == pytest.approx(sum(expected_strict) / BATCH)
        assert entry["reward"] == pytest.approx((sum(expected_correct) + sum(expected_strict)) / BATCH)
        assert math.isfinite(entry["loss"])
        report.append((step, entry["rewards/clinreason_correct/mean"], sum(expected_correct) / BATCH,
                       entry["rewards/clinreason_strict_format/mean"], sum(expected_strict) / BATCH))

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with capsys.disabled():
        print(f"\nGRPO smoke: load {loaded - started:.1f}s, train {finished - loaded:.1f}s, "
              f"peak RSS {peak_mib:.0f} MiB; TRL passed the rewards {', '.join(correct_calls[0]['extras'])}")
        for step, lc, gc, lf, gf in report:
            print(f"  step {step}: correct logged {lc:.3f} / graded {gc:.3f}; "
                  f"strict_format logged {lf:.3f} / graded {gf:.3f}")
