"""Any OpenAI-compatible chat endpoint: vLLM, llama.cpp server, Ollama, OpenAI, ...

Only translation and error classification live here; retries and caching are the gateway's.
Every reply is read within bounds: the whole request within `timeout_s` (a server trickling bytes
never trips a per-read timeout), the body within `max_response_bytes` counted decompressed (a gzip
bomb is refused, not inflated). A reply that is not a chat completion (non-UTF-8 bytes, a lone
surrogate, content or usage of the wrong type, ...) is a TransientModelError naming what was wrong.
Secrets the backend holds (the API key, a URL password) are redacted from every message and text
it produces (`Backend.redact`), so an error body that echoes the key never reaches the store.

The pieces: reading a body within bounds is `capped_body`, parsing a reply is `openai_reply`;
this module builds requests, sends them and classifies what comes back.

Tools are native (`tools` / `tool_choice` in the request, `message.tool_calls` in the reply); a
server whose chat template ignores tools (llama-cpp-python's server with SmolLM2) may still
answer in the text protocol of `tool_text`, which is parsed as a fallback.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from typing import Any
from urllib.parse import quote

import httpx

from ..redact import redact_url, url_query_secrets
from .capped_body import _Body, _read_capped  # noqa: F401  (_Body re-exported)
# The reply parser lives in openai_reply; its names stay importable from here, where callers and
# tests have always found them.
from .openai_reply import (MAX_TOKEN_COUNT, Redact, _check_storable, _choice, _Choice, _completions,  # noqa: F401
                           _content, _excerpt, _kind, _malformed, _same, _share_out, _SHORT, _storable,
                           _tool_calls, _usage, parse_body)
from .protocol import Backend, Capabilities, Completion, Message, ModelError, SamplingParams, TransientModelError
from .vision import openai_content

OPENAI_URL = "https://api.openai.com/v1"
MAX_RESPONSE_BYTES = 8 * 2**20  # default cap on a response body, counted decompressed
MAX_RESPONSE_BYTES_ENV = "CLINREASON_MAX_RESPONSE_BYTES"
ERROR_BODY_BYTES = 64 * 2**10  # of an error reply, only this much is read (its message is quoted, shortened)


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
    if isinstance(e, (httpx.RemoteProtocolError, httpx.DecodingError)):
        return "response cut short or garbled"
    return "connection reset or closed mid-response"


class _Rejected(ModelError):
    """The server answered 4xx (other than 429): the request itself is wrong, retrying won't help."""


class _TooLarge(ModelError):
    """The body is over max_response_bytes: asking again would fetch it again."""


class OpenAICompatModel(Backend):
    # n=None: whether the server honours `n` is the server's business; `complete_n` returns fewer
    # completions than asked when it ignores or refuses it, and the gateway learns from that.
    capabilities = Capabilities(n=None, tools="native", logprobs=True, vision=True)

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key_env: str | None = None,
        max_concurrency: int = 8,
        timeout_s: float = 120.0,
        capabilities: Capabilities | None = None,
        max_response_bytes: int | None = None,
    ):
        if capabilities is not None:  # a known server may declare more (or less) than the default
            self.capabilities = capabilities
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.max_concurrency = max_concurrency
        # A bound on the whole request, body included: a server trickling bytes never trips a per-read timeout.
        self.timeout_s = timeout_s
        self.max_response_bytes = _response_cap(max_response_bytes)
        # The key is read here and only kept in the HTTP client's headers: it is not part of
        # the identity, the request record or anything else that reaches the store.
        key = os.environ.get(api_key_env) if api_key_env else None
        if api_key_env and not key:
            raise ModelError(f"environment variable {api_key_env} (API key) is not set")
        self.identity = redact_url(f"openai-compat:{self.base_url}#{model}")  # no URL password or key
        # What a server may echo back (in an error body, in a reply): each replaced by [REDACTED]
        # in every message and text this backend produces (see protocol.Backend).
        self.secrets = _secrets(key, self.base_url)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        # Only encodings whose inflated size can be bounded as it is read (see _Body).
        headers["Accept-Encoding"] = "gzip, deflate"
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
        return _completions(data, params, latency, self.redact)[0]

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
            return _completions(data, first, latency, self.redact)[:1]
        return _completions(data, first, latency, self.redact)[: len(params)]

    async def _post(self, body: dict) -> tuple[Any, float]:
        """The parsed JSON of a 2xx reply, and the latency. Everything else is a ModelError whose
        message names what was wrong (TransientModelError when asking again may help), with this
        backend's secrets redacted."""
        start = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout_s):
                async with self._client.stream("POST", "/chat/completions", json=body) as response:
                    status = response.status_code
                    cap = self.max_response_bytes if status < 300 else min(self.max_response_bytes, ERROR_BODY_BYTES)
                    raw, over = await _read_capped(response, cap)
        except TimeoutError:
            raise TransientModelError(f"timed out: no complete response within {self.timeout_s:g} s (--timeout)") \
                from None
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError, httpx.DecodingError,
                httpx.ProxyError) as e:
            raise TransientModelError(self._message(f"{_transport_fault(e)} ({type(e).__name__}: {e})")) from None
        except httpx.HTTPError as e:  # a bad URL or request: asking again cannot help
            raise ModelError(self._message(f"request failed ({type(e).__name__}: {e})")) from None
        latency = time.perf_counter() - start
        if status == 429 or status >= 500:
            raise TransientModelError(f"HTTP {status}: {_excerpt(raw, 200, self.redact)}",
                                      retry_after=_retry_after(response))
        if status >= 400:
            raise _Rejected(f"HTTP {status}: {_excerpt(raw, 500, self.redact)}")
        if over:
            raise _TooLarge(
                f"response body over the {cap}-byte cap (counted decompressed; max_response_bytes): not stored "
                f"and not retried. Raise the cap with the environment variable {MAX_RESPONSE_BYTES_ENV}=BYTES "
                f"(or OpenAICompatModel(max_response_bytes=...))")
        if status != 200 and not raw.strip():
            raise TransientModelError(f"malformed response: HTTP {status} with an empty body")
        return parse_body(raw, self.redact), latency

    def _message(self, text: str) -> str:
        return _storable(self.redact(text))

    async def aclose(self) -> None:
        await self._client.aclose()


def _response_cap(given: int | None) -> int:
    if given is None:
        env = os.environ.get(MAX_RESPONSE_BYTES_ENV)
        try:
            given = int(env) if env else MAX_RESPONSE_BYTES
        except ValueError:
            raise ModelError(f"{MAX_RESPONSE_BYTES_ENV}={env!r}: expected a number of bytes") from None
    if given < 1:
        raise ModelError(f"max_response_bytes must be positive (got {given})")
    return given


def _secrets(key: str | None, base_url: str) -> tuple[str, ...]:
    """The secret values this backend holds, in the forms a server may echo them: the API key, the
    URL's password (or a bare userinfo, itself a token) with its Basic-auth encoding, and the values
    of secret-looking query parameters; each also percent- and JSON-escaped."""
    values: set[str] = set()
    try:
        url = httpx.URL(base_url)
    except Exception:  # noqa: BLE001 - an unparseable URL fails later, with httpx's message
        url = None
    if key:
        values.add(key)
    if url is not None and (url.username or url.password):
        values.add(url.password or url.username)
        raw_user, _, raw_password = url.userinfo.decode("ascii", "replace").partition(":")
        values.add(raw_password or raw_user)
        values.add(base64.b64encode(f"{url.username}:{url.password}".encode()).decode())
    if url is not None:
        secret_names = set(url_query_secrets(base_url))
        values.update(value for name, value in url.params.multi_items() if name in secret_names)
    forms = set()
    for value in values:
        forms.update((value, quote(value, safe=""), json.dumps(value)[1:-1]))
    return tuple(sorted(v for v in forms if len(v) >= 4))  # a 1-3 character "secret" would blot out text


def _wire(m: Message) -> dict:
    """A message in OpenAI's shape. Plain messages are exactly {role, content}, as before tools
    existed, so request bodies (and a server's prompt cache) do not change for old runs."""
    out: dict = {"role": m.role, "content": openai_content(m)}  # "" (not null) beside tool_calls: llama-cpp-python needs a string
    if m.role == "assistant" and m.tool_calls:
        out["tool_calls"] = [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                             for c in m.tool_calls]
    if m.role == "tool" and m.tool_call_id is not None:
        out["tool_call_id"] = m.tool_call_id
    return out
