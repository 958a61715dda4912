"""Any OpenAI-compatible chat endpoint: vLLM, llama.cpp server, Ollama, OpenAI, ...

Only translation and error classification live here; retries and caching are the gateway's.
Tools are native (`tools` / `tool_choice` in the request, `message.tool_calls` in the reply); a
server whose chat template ignores tools (llama-cpp-python's server with SmolLM2) may still
answer in the text protocol of `tool_text`, which is parsed as a fallback.
"""

from __future__ import annotations

import hashlib
import json
import os
import time

import httpx

from . import tool_text
from .protocol import (Capabilities, Completion, Message, ModelError, SamplingParams, ToolCall,
                       TransientModelError, Usage)

OPENAI_URL = "https://api.openai.com/v1"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _transport_fault(e: httpx.HTTPError) -> str:
    """Name the failure in words: httpx's own messages are often empty (e.g. a reset)."""
    if isinstance(e, httpx.TimeoutException):
        return "timed out"
    if isinstance(e, httpx.ConnectError):
        return "could not connect"
    if isinstance(e, httpx.RemoteProtocolError):
        return "response cut short or garbled"
    return "connection reset or closed mid-response"


class _Rejected(ModelError):
    """The server answered 4xx (other than 429): the request itself is wrong, retrying won't help."""


class OpenAICompatModel:
    # n=None: whether the server honours `n` is the server's business; `complete_n` returns fewer
    # completions than asked when it ignores or refuses it, and the gateway learns from that.
    capabilities = Capabilities(n=None, tools="native", logprobs=True)

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key_env: str | None = None,
        max_concurrency: int = 8,
        timeout_s: float = 120.0,
        capabilities: Capabilities | None = None,
    ):
        if capabilities is not None:  # a known server may declare more (or less) than the default
            self.capabilities = capabilities
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.max_concurrency = max_concurrency
        # The key is read here and only kept in the HTTP client's headers: it is not part of
        # the identity, the request record or anything else that reaches the store.
        key = os.environ.get(api_key_env) if api_key_env else None
        if api_key_env and not key:
            raise ModelError(f"environment variable {api_key_env} (API key) is not set")
        self.identity = f"openai-compat:{self.base_url}#{model}"
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            # Plain http (a local server) never does TLS: don't load the CA bundle for nothing.
            verify=self.base_url.startswith("https://"),
            timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
            limits=httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=max_concurrency),
        )

    def request_body(self, messages: list[Message], params: SamplingParams, n: int = 1) -> dict:
        body: dict = {
            "model": self.model,
            "messages": [_wire(m) for m in messages],
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
        }
        if n > 1:
            body["n"] = n
        if params.seed is not None:
            body["seed"] = params.seed
        if params.stop:
            body["stop"] = list(params.stop)
        if params.json_mode:
            body["response_format"] = {"type": "json_object"}
        if params.logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = params.top_logprobs
        if params.tools:
            body["tools"] = [t.openai() for t in params.tools]
        if params.tool_choice is not None:
            body["tool_choice"] = params.tool_choice
        return body

    async def complete(self, messages: list[Message], params: SamplingParams) -> Completion:
        data, latency = await self._post(self.request_body(messages, params))
        return _completions(data, params, latency)[0]

    async def complete_n(self, messages: list[Message], params: list[SamplingParams]) -> list[Completion]:
        """len(params) samples of one prompt in one request (`n`), seeded with the first sample's
        seed (llama.cpp's server seeds its j-th child seed + j, the per-sample scheme). A server that
        ignores `n` answers one choice and one that refuses it answers 400: either way fewer
        completions come back than asked, which tells the gateway to send the others singly."""
        first = params[0]
        try:
            data, latency = await self._post(self.request_body(messages, first, n=len(params)))
        except _Rejected:
            # Refused: because of `n`, or because of the request itself? Ask once without it.
            data, latency = await self._post(self.request_body(messages, first))
            return _completions(data, first, latency)[:1]
        return _completions(data, first, latency)[: len(params)]

    async def _post(self, body: dict) -> tuple[dict, float]:
        start = time.perf_counter()
        try:
            response = await self._client.post("/chat/completions", json=body)
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as e:
            raise TransientModelError(f"{_transport_fault(e)} ({type(e).__name__}: {e})") from e
        latency = time.perf_counter() - start
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientModelError(
                f"HTTP {response.status_code}: {response.text[:200]}", retry_after=_retry_after(response)
            )
        if response.status_code >= 400:
            raise _Rejected(f"HTTP {response.status_code}: {response.text[:500]}")
        try:
            data = response.json()
            if not isinstance(data, dict) or not data.get("choices"):
                raise KeyError("choices")
        except (json.JSONDecodeError, KeyError) as e:
            # Truncated bodies and empty choices happen under load; they are worth a retry.
            raise TransientModelError(f"malformed response ({e!r}): {response.text[:200]}") from e
        return data, latency

    async def aclose(self) -> None:
        await self._client.aclose()


def _completions(data: dict, params: SamplingParams, latency: float) -> list[Completion]:
    """The choices of a response, in index order. The prompt was processed once, so its tokens go
    to the first choice. OpenAI and vLLM count completion tokens over all choices: they are shared
    out by text length. llama.cpp's llama-server (its responses carry `timings`) counts its first
    choice only: that one is exact, and each other choice is estimated — `max_tokens` if it was cut
    at the limit, else its text length at the first choice's characters per token."""
    try:
        choices = sorted(data["choices"], key=lambda c: c.get("index", 0))
        texts = [c["message"].get("content") or "" for c in choices]
        calls = [_tool_calls(c["message"].get("tool_calls")) for c in choices]
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise TransientModelError(f"malformed response ({e!r}): {json.dumps(data)[:200]}") from e
    sizes = [len(t) for t in texts]  # of the whole generated text, tool-call blocks included
    if tool_text.wants_tool_calls(params.tools, params.tool_choice):
        # A server whose chat template ignores tools may still have the model write text-protocol calls.
        for j, text in enumerate(texts):
            if not calls[j] and tool_text.OPEN in text:
                texts[j], calls[j] = tool_text.parse_tool_calls(text)
    usage = data.get("usage") or {}
    prompt, completion = usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0
    if "timings" in data and len(choices) > 1:
        per_char = completion / max(1, sizes[0])
        shares = [completion] + [params.max_tokens if c.get("finish_reason") == "length" else round(size * per_char)
                                 for c, size in zip(choices[1:], sizes[1:])]
    else:
        shares = _share_out(completion, [size + 1 for size in sizes])
    return [
        Completion(
            text=text,
            usage=Usage(prompt_tokens=prompt if j == 0 else 0, completion_tokens=shares[j]),
            latency_s=latency,
            finish_reason=choice.get("finish_reason"),
            logprobs=(choice.get("logprobs") or {}).get("content") if params.logprobs else None,
            tool_calls=calls[j],
        )
        for j, (choice, text) in enumerate(zip(choices, texts))
    ]


def _wire(m: Message) -> dict:
    """A message in OpenAI's shape. Plain messages are exactly {role, content}, as before tools
    existed, so request bodies (and a server's prompt cache) do not change for old runs."""
    out: dict = {"role": m.role, "content": m.content}  # "" (not null) beside tool_calls: llama-cpp-python needs a string
    if m.role == "assistant" and m.tool_calls:
        out["tool_calls"] = [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                             for c in m.tool_calls]
    if m.role == "tool" and m.tool_call_id is not None:
        out["tool_call_id"] = m.tool_call_id
    return out


def _tool_calls(raw) -> list[ToolCall]:
    """`message.tool_calls` as ToolCall objects; ValueError when the server garbled them."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError("tool_calls is not a list")
    calls = []
    for j, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("function"), dict):
            raise ValueError(f"tool_calls[{j}] has no function object")
        if entry.get("type", "function") != "function":
            raise ValueError(f"tool_calls[{j}] is of type {entry.get('type')!r}")
        function = entry["function"]
        name, arguments = function.get("name"), function.get("arguments")
        if not isinstance(name, str) or not name:
            raise ValueError(f"tool_calls[{j}] has no function name")
        if arguments is None:
            arguments = "{}"
        elif isinstance(arguments, dict):  # Ollama sends an object, not JSON text
            arguments = json.dumps(arguments, ensure_ascii=False)
        elif not isinstance(arguments, str):
            raise ValueError(f"tool_calls[{j}] arguments are neither JSON text nor an object")
        call_id = entry.get("id")
        if not isinstance(call_id, str) or not call_id:  # some servers leave the id out
            digest = hashlib.sha256("\0".join((name, arguments)).encode("utf-8", "surrogatepass")).hexdigest()
            call_id = f"call_{j}_{digest[:8]}"
        calls.append(ToolCall(id=call_id, name=name, arguments=arguments))
    return calls


def _share_out(total: int, weights: list[int]) -> list[int]:
    """Whole numbers proportional to `weights` that add up to `total` (largest remainder)."""
    exact = [total * w / sum(weights) for w in weights]
    shares = [int(x) for x in exact]
    for j in sorted(range(len(exact)), key=lambda j: shares[j] - exact[j])[: total - sum(shares)]:
        shares[j] += 1
    return shares
