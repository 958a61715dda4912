"""`vllm:MODEL`: vLLM's offline engine (`vllm.LLM`) in this process, for GPU nodes.

`vllm:URL#MODEL` (a rest starting with http:// or https://, or holding '#') stays what it always was:
an OpenAI-compatible server (`openai_compat`); anything else names a model (hub id or local directory)
that this process loads onto its GPU(s).

Concurrent requests are gathered by a `MicroBatcher` into one `LLM.chat` call (a list of
conversations, one SamplingParams each): vLLM schedules them with continuous batching on the GPU.
Temperature, top_p, seed, stop and max_tokens are per request in vLLM, so any requests share a batch.
Tools go through the text protocol; json_mode is best effort (no guided decoding asked); logprobs
come from vLLM's per-token top-k. vLLM is imported on first build only: `clinreason.models` and the
`vllm:URL#MODEL` form work without it, and its absence names the extra to install.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from typing import Any

from . import tool_text
from .batching import MicroBatcher
from .protocol import Capabilities, Completion, Message, ModelError, SamplingParams, Usage

INSTALL = "pip install 'clinreason[vllm]'"


def is_server_spec(rest: str) -> bool:
    """Whether `vllm:REST` names a server (the OpenAI-compatible form) rather than a model to load."""
    return rest.startswith(("http://", "https://")) or "#" in rest


def import_vllm():
    try:
        import vllm
    except ImportError as e:
        raise ModelError(f"vllm:MODEL runs vLLM's engine in this process and needs vLLM ({INSTALL}, on a machine "
                         f"with a supported GPU); for a running vLLM server use vllm:URL#MODEL instead. ({e})") from None
    return vllm


class VLLMEngineModel:
    def __init__(self, model: str, *, max_batch: int = 256, max_wait_s: float = 0.01, engine_kwargs: dict | None = None):
        self.vllm = import_vllm()  # fail now, before any work, when vLLM is missing
        self.model_name = model
        self.engine_kwargs = dict(engine_kwargs or {})
        self.max_concurrency = max_batch
        self.capabilities = Capabilities(n=True, max_n=max_batch, tools="text", logprobs=True, json_schema=False)
        self.batcher = MicroBatcher(self._generate, key=lambda _: 0, max_batch=max_batch, max_wait_s=max_wait_s)
        self._llm = None
        self._lock = threading.Lock()
        self.identity = _identity(model, self.engine_kwargs)

    def _load(self):
        with self._lock:
            if self._llm is None:
                try:
                    self._llm = self.vllm.LLM(model=self.model_name, **self.engine_kwargs)
                except Exception as e:  # noqa: BLE001 - vLLM raises many kinds for "cannot load"
                    raise ModelError(f"vLLM could not load {self.model_name!r}: {type(e).__name__}: {e}") from None
        return self._llm

    async def complete(self, messages: list[Message], params: SamplingParams) -> Completion:
        await asyncio.to_thread(self._load)
        return await self.batcher.submit((messages, params))

    async def complete_n(self, messages: list[Message], params: list[SamplingParams]) -> list[Completion]:
        return list(await asyncio.gather(*(self.complete(messages, p) for p in params)))

    async def aclose(self) -> None:
        self._llm = None

    def _sampling(self, p: SamplingParams):
        return self.vllm.SamplingParams(
            n=1, temperature=p.temperature, top_p=p.top_p, max_tokens=p.max_tokens, seed=p.seed,
            stop=list(p.stop) or None, logprobs=(max(p.top_logprobs, 1) if p.logprobs else None),
        )

    def _generate(self, requests: list[tuple[list[Message], SamplingParams]]) -> list[Completion]:
        llm = self._load()
        conversations = []
        for messages, params in requests:
            if params.tools or tool_text.needs_rendering(messages):
                messages = tool_text.render_with_tools(messages, params.tools, params.tool_choice)
            conversations.append([{"role": m.role, "content": m.content} for m in messages])
        start = time.perf_counter()
        try:
            outputs = llm.chat(conversations, [self._sampling(p) for _, p in requests], use_tqdm=False)
        except ValueError as e:  # e.g. a prompt longer than max_model_len
            raise ModelError(f"vLLM rejected the batch: {e}") from None
        latency = time.perf_counter() - start
        return [_completion(out, params, latency) for out, (_, params) in zip(outputs, requests)]


def _completion(out: Any, params: SamplingParams, latency: float) -> Completion:
    choice = out.outputs[0]
    text, finish = choice.text, choice.finish_reason
    calls = []
    if tool_text.wants_tool_calls(params.tools, params.tool_choice):
        text, calls = tool_text.parse_tool_calls(text)
        if calls and finish == "stop":
            finish = "tool_calls"
    logprobs = None
    if params.logprobs and choice.logprobs:
        logprobs = []
        for token_id, top in zip(choice.token_ids, choice.logprobs):
            chosen = top.get(token_id)
            ranked = sorted(top.values(), key=lambda lp: -lp.logprob)[: params.top_logprobs]
            logprobs.append({"token": getattr(chosen, "decoded_token", None) or "",
                             "logprob": float(chosen.logprob) if chosen else float("-inf"),
                             "top_logprobs": [{"token": lp.decoded_token or "", "logprob": float(lp.logprob)}
                                              for lp in ranked]})
    return Completion(text=text, usage=Usage(prompt_tokens=len(out.prompt_token_ids or ()),
                                             completion_tokens=len(choice.token_ids)),
                      latency_s=latency, finish_reason=finish, logprobs=logprobs, tool_calls=calls)


def _identity(model: str, engine_kwargs: dict) -> str:
    """vllm-engine:MODEL (+ what changes answers: dtype, quantization). A local directory is named by its
    last component and a hash of its config, not its path."""
    from pathlib import Path

    path = Path(model).expanduser()
    name = model
    if path.is_dir() and (path / "config.json").is_file():
        name = f"{path.resolve().name}:{hashlib.sha256((path / 'config.json').read_bytes()).hexdigest()[:12]}"
    extra = "".join(f":{k}={engine_kwargs[k]}" for k in ("dtype", "quantization") if engine_kwargs.get(k))
    return f"vllm-engine:{name}{extra}"


def build(rest: str, spec: str, **kw):
    """The `vllm:` model kind: a server URL goes to the OpenAI-compatible backend, a model name to the
    in-process engine."""
    if is_server_spec(rest):
        from . import MODEL_KINDS

        return MODEL_KINDS.get("openai-compat").build(rest, spec, **kw)
    if not rest:
        raise ModelError(f"model spec {spec!r}: expected vllm:MODEL (in-process engine) or vllm:URL#MODEL (a server)")
    engine_kwargs = {k: kw[k] for k in ("dtype", "gpu_memory_utilization", "max_model_len", "tensor_parallel_size")
                     if kw.get(k) is not None}
    return VLLMEngineModel(rest, max_batch=kw.get("concurrency") or 256, engine_kwargs=engine_kwargs)
