"""`hf:MODEL_OR_PATH`: a transformers model in process, with batched generation.

Concurrent requests (the engine's workers, or the n samples of one prompt) are gathered by a
`MicroBatcher` into one left-padded `generate()` call: on CPU and GPU alike one batch of 8 costs far
less than 8 single calls. A batch shares max_tokens, stop strings and logprobs (what `generate` cannot
vary per row); temperature, top_p and seed are per row: a logits processor samples each row from its
own seeded generator and hands greedy decoding a one-hot choice, so a sample depends on its own
seed only, never on what else was in the batch. Temperature 0 is plain greedy decoding.

The prompt is the tokenizer's chat template. The model's own generation_config defaults (sampling,
repetition penalties, ...) are not applied: a request's params say everything about decoding, as
with the other backends. Tools go through the text protocol (`tool_text`); json_mode is best effort
(no grammar); logprobs are the model's log-softmax (temperature 1), as OpenAI reports them.
Torch threads: `threads` (or $CLINREASON_TORCH_THREADS), default half the cores (1 on a 2-core box,
where more threads spin against other work); torch's setting is process-wide.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from . import tool_text
from .batching import MicroBatcher
from .hf_load import Source, default_dtype, load, resolve
from .protocol import Capabilities, Completion, Message, ModelError, SamplingParams, Usage


def default_threads() -> int:
    env = os.environ.get("CLINREASON_TORCH_THREADS", "").strip()
    if env:
        if not env.isdigit() or int(env) < 1:
            raise ModelError(f"CLINREASON_TORCH_THREADS={env!r}: expected a positive integer")
        return int(env)
    return max(1, min(8, (os.cpu_count() or 2) // 2))


class HFModel:
    def __init__(self, source: Source, *, max_batch: int = 8, max_wait_s: float = 0.02, dtype: str | None = None,
                 device: str | None = None, threads: int | None = None):
        self.source = source
        self.device = device or _default_device()
        self.dtype = dtype or default_dtype(self.device)
        self.identity = f"{source.identity_stem}:{self.dtype}"
        self.threads = threads or default_threads()
        self.max_concurrency = max_batch  # the gateway lets in enough requests to fill a batch
        self.capabilities = Capabilities(n=True, max_n=max_batch, tools="text", logprobs=True, json_schema=False)
        self.batcher = MicroBatcher(self._generate, key=_batch_key, max_batch=max_batch, max_wait_s=max_wait_s)
        self._model = self._tokenizer = None
        self._lock = threading.Lock()
        self._n_ctx: int | None = None

    # --- loading -----------------------------------------------------------------------------------
    def _load(self):
        with self._lock:
            if self._model is None:
                import torch

                torch.set_num_threads(self.threads)
                self._model, self._tokenizer = load(self.source, dtype=self.dtype, device=self.device)
                self._n_ctx = getattr(self._model.config, "max_position_embeddings", None)
                self._eos = _eos_ids(self._model, self._tokenizer)
        return self._model, self._tokenizer

    # --- requests ----------------------------------------------------------------------------------
    def _prompt_ids(self, messages: list[Message], params: SamplingParams) -> list[int]:
        _, tokenizer = self._load()
        if params.tools or tool_text.needs_rendering(messages):
            messages = tool_text.render_with_tools(messages, params.tools, params.tool_choice)
        if not getattr(tokenizer, "chat_template", None):
            raise ModelError(f"{self.identity}: the tokenizer has no chat template (a base model?); hf: needs a "
                             "chat model")
        text = tokenizer.apply_chat_template([{"role": m.role, "content": m.content} for m in messages],
                                             add_generation_prompt=True, tokenize=False)
        # The template writes the special tokens itself (BOS included where the model wants one).
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        if self._n_ctx and len(ids) + params.max_tokens > self._n_ctx:
            raise ModelError(f"{self.identity}: prompt of {len(ids)} tokens + max_tokens {params.max_tokens} exceeds "
                             f"the model's context of {self._n_ctx}")
        return ids

    async def complete(self, messages: list[Message], params: SamplingParams) -> Completion:
        import asyncio

        ids = await asyncio.to_thread(self._prompt_ids, messages, params)  # the first call loads the model
        return await self.batcher.submit((ids, params))

    async def complete_n(self, messages: list[Message], params: list[SamplingParams]) -> list[Completion]:
        import asyncio

        # The n rows go into the batcher together, so they share one generate() call.
        return list(await asyncio.gather(*(self.complete(messages, p) for p in params)))

    async def aclose(self) -> None:
        self._model = self._tokenizer = None

    # --- one batch ---------------------------------------------------------------------------------
    def _generate(self, requests: list[tuple[list[int], SamplingParams]]) -> list[Completion]:
        import torch
        from transformers import GenerationConfig, LogitsProcessorList

        model, tokenizer = self._load()
        first = requests[0][1]
        start = time.perf_counter()
        enc = tokenizer.pad({"input_ids": [ids for ids, _ in requests]}, padding=True, return_tensors="pt")
        enc = {k: v.to(model.device) for k, v in enc.items()}
        config = GenerationConfig(max_new_tokens=first.max_tokens, do_sample=False, num_beams=1,
                                  pad_token_id=tokenizer.pad_token_id, eos_token_id=self._eos,
                                  stop_strings=list(first.stop) or None,
                                  return_dict_in_generate=True, output_logits=first.logprobs)
        processors = LogitsProcessorList()
        if any(p.temperature > 0 for _, p in requests):
            processors.append(_PerRowSampler([p for _, p in requests], model.device))
        extra = {"tokenizer": tokenizer} if first.stop else {}  # stop_strings are matched through it
        with torch.inference_mode():
            out = model.generate(**enc, generation_config=config, logits_processor=processors, **extra)
        latency = time.perf_counter() - start
        width = enc["input_ids"].shape[1]
        results = []
        for i, (ids, params) in enumerate(requests):
            new = out.sequences[i, width:].tolist()
            n_gen = next((j for j, t in enumerate(new) if t in self._eos), None)
            finish = "stop" if n_gen is not None else "length"
            new = new[:n_gen] if n_gen is not None else new
            text = tokenizer.decode(new, skip_special_tokens=True)
            cut = min((k for k in (text.find(s) for s in params.stop) if k >= 0), default=-1)
            if cut >= 0:  # OpenAI semantics: the stop string ends the text and is not part of it
                text, finish = text[:cut], "stop"
            logprobs = _logprobs(tokenizer, out.logits, i, new, params.top_logprobs) if params.logprobs else None
            calls = []
            if tool_text.wants_tool_calls(params.tools, params.tool_choice):
                text, calls = tool_text.parse_tool_calls(text)
                if calls and finish == "stop":
                    finish = "tool_calls"
            results.append(Completion(text=text, usage=Usage(prompt_tokens=len(ids), completion_tokens=len(new)),
                                      latency_s=latency, finish_reason=finish, logprobs=logprobs, tool_calls=calls))
        return results


def _batch_key(request: tuple[list[int], SamplingParams]) -> tuple:
    p = request[1]
    return (p.max_tokens, p.stop, p.logprobs, p.top_logprobs if p.logprobs else 0)


def _default_device() -> str:
    try:
        import torch
    except ImportError:
        raise ModelError("hf: models need transformers and torch (pip install 'clinreason[train]')") from None
    return "cuda" if torch.cuda.is_available() else "cpu"


def _eos_ids(model, tokenizer) -> list[int]:
    """Every id that ends a turn: the generation config's (may be a list) and the tokenizer's."""
    ids = model.generation_config.eos_token_id
    ids = list(ids) if isinstance(ids, (list, tuple)) else [ids] if ids is not None else []
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(tokenizer.eos_token_id)
    if not ids:
        raise ModelError("hf: the model names no end-of-sequence token; cannot tell where a reply ends")
    return ids


class _PerRowSampler:
    """Samples each row with its own temperature, top_p and seeded generator, then leaves only the chosen
    token possible so that greedy decoding takes it. Rows at temperature 0 are left alone (greedy)."""

    def __init__(self, params: list[SamplingParams], device):
        import torch

        self.params = params
        self.generators = []
        for p in params:
            g = torch.Generator(device=device)
            g.manual_seed(p.seed if p.seed is not None else int.from_bytes(os.urandom(8), "little") >> 1)
            self.generators.append(g)

    def __call__(self, input_ids, scores):
        import torch

        for i, (p, g) in enumerate(zip(self.params, self.generators)):
            if p.temperature <= 0:
                continue
            probs = torch.softmax(scores[i].float() / p.temperature, dim=-1)
            if p.top_p < 1.0:
                sorted_p, order = torch.sort(probs, descending=True)
                drop = torch.cumsum(sorted_p, dim=-1) - sorted_p > p.top_p  # keep the smallest set reaching top_p
                sorted_p[drop] = 0.0
                probs = torch.zeros_like(probs).scatter(0, order, sorted_p)
            token = torch.multinomial(probs, 1, generator=g)
            scores[i] = torch.full_like(scores[i], float("-inf"))
            scores[i, token] = 0.0
        return scores


def _logprobs(tokenizer, logits, row: int, tokens: list[int], top: int) -> list[dict[str, Any]]:
    """OpenAI-shaped logprobs of the generated tokens, from the raw (unprocessed) logits."""
    import torch

    out = []
    for step, token in enumerate(tokens):
        lp = torch.log_softmax(logits[step][row].float(), dim=-1)
        entry = {"token": tokenizer.decode([token]), "logprob": float(lp[token]), "top_logprobs": []}
        if top:
            values, ids = torch.topk(lp, top)
            entry["top_logprobs"] = [{"token": tokenizer.decode([t]), "logprob": float(v)}
                                     for v, t in zip(values.tolist(), ids.tolist())]
        out.append(entry)
    return out


def build(rest: str, spec: str, **kw) -> HFModel:
    """The `hf:` model kind. Options: concurrency (batch size), threads, dtype, device."""
    source = resolve(rest, spec)
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as e:
        raise ModelError(f"model spec {spec!r}: hf: models need transformers and torch "
                         f"(pip install 'clinreason[train]'): {e}") from None
    return HFModel(source, max_batch=kw.get("concurrency") or 8, threads=kw.get("threads"), dtype=kw.get("dtype"),
                   device=kw.get("device"))
