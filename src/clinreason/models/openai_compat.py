"""Any OpenAI-compatible chat endpoint: vLLM, llama.cpp server, Ollama, OpenAI, ...

Only translation and error classification live here; retries and caching are the gateway's.
Every reply is read within bounds: the whole request within `timeout_s` (a server trickling bytes
never trips a per-read timeout), the body within `max_response_bytes` counted decompressed (a gzip
bomb is refused, not inflated). A reply that is not a chat completion (non-UTF-8 bytes, a lone
surrogate, content or usage of the wrong type, ...) is a TransientModelError naming what was wrong.
Secrets the backend holds (the API key, a URL password) are redacted from every message and text
it produces (`Backend.redact`), so an error body that echoes the key never reaches the store.

Tools are native (`tools` / `tool_choice` in the request, `message.tool_calls` in the reply); a
server whose chat template ignores tools (llama-cpp-python's server with SmolLM2) may still
answer in the text protocol of `tool_text`, which is parsed as a fallback.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import reprlib
import time
import zlib
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

import httpx
import pydantic

from ..redact import redact_url, url_query_secrets
from . import tool_text
from .protocol import (Backend, Capabilities, Completion, Message, ModelError, SamplingParams, ToolCall,
                       TransientModelError, Usage)
from .vision import openai_content

OPENAI_URL = "https://api.openai.com/v1"
MAX_RESPONSE_BYTES = 8 * 2**20  # default cap on a response body, counted decompressed
MAX_RESPONSE_BYTES_ENV = "CLINREASON_MAX_RESPONSE_BYTES"
ERROR_BODY_BYTES = 64 * 2**10  # of an error reply, only this much is read (its message is quoted, shortened)
MAX_TOKEN_COUNT = 10**12  # a usage count above this is garbage (and would not fit an SQLite integer)


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


def _same(text: str) -> str:
    return text


Redact = Callable[[str], str]


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


# --- reading a body within bounds ------------------------------------------------------------------

async def _read_capped(response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    """The body, decompressed, and whether it is over `cap` bytes (reading stops there, so at most
    about `cap` bytes are ever held, however well the body compresses)."""
    length = response.headers.get("content-length")
    encoding = (response.headers.get("content-encoding") or "identity").strip().lower()
    if encoding == "identity" and length and length.isdigit() and int(length) > cap:
        return b"", True
    body = _Body(cap, encoding)
    # gzip/deflate are inflated here, `cap` at a time; any other encoding (the server sent one we
    # did not ask for) by httpx's decoder, counted as it comes.
    chunks = response.aiter_raw() if body.inflates else response.aiter_bytes()
    async for chunk in chunks:
        if not body.feed(chunk):
            return body.value(), True
    return body.value(), not body.finish()


class _Body:
    def __init__(self, cap: int, encoding: str):
        self.cap, self.size, self.parts = cap, 0, []
        self.encoding = encoding
        self.inflates = encoding in ("identity", "gzip", "x-gzip", "deflate")
        self._z = None
        self._fresh = True
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self._z = zlib.decompressobj(zlib.MAX_WBITS)

    def feed(self, data: bytes) -> bool:
        """Take a chunk; False once the body is over the cap."""
        if self._z is None:
            return self._add(data)
        try:
            while data and not self._z.eof:
                out = self._z.decompress(data, self.cap - self.size + 1)  # never more than the room left + 1
                self._fresh = False
                if not self._add(out):
                    return False
                data = self._z.unconsumed_tail
        except zlib.error as e:
            if self._fresh and self.encoding == "deflate":  # "deflate" sent raw, without the zlib header
                self._z, self._fresh = zlib.decompressobj(-zlib.MAX_WBITS), False
                return self.feed(data)
            raise TransientModelError(f"malformed response: the {self.encoding} body does not inflate ({e})") \
                from None
        return True

    def finish(self) -> bool:
        return self._add(self._z.flush()) if self._z is not None and not self._z.eof else True

    def _add(self, out: bytes) -> bool:
        self.parts.append(out[: self.cap - self.size])
        self.size += len(out)
        return self.size <= self.cap

    def value(self) -> bytes:
        return b"".join(self.parts)


# --- parsing ---------------------------------------------------------------------------------------

_SHORT = reprlib.Repr()
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxlevel = 60, 60, 3, 3, 2


def _storable(text: str) -> str:
    """Text any store can hold: a lone surrogate becomes its escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _excerpt(raw: bytes | str, n: int, redact: Redact) -> str:
    """The start of a body for an error message: secrets redacted before it is cut, so no part of one survives."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return _storable(redact(text))[:n]


def _kind(value: Any, redact: Redact = _same) -> str:
    """A value named for an error message: its JSON type, and a short, redacted glimpse of it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({_SHORT.repr(value)})"
    if isinstance(value, str):
        return f"a string ({_SHORT.repr(_storable(redact(value)))})"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _malformed(what: str) -> TransientModelError:
    # Garbled bodies happen under load (and from proxies): they are worth a retry.
    return TransientModelError(_storable(f"malformed response: {what}"))


def parse_body(raw: bytes, redact: Redact = _same) -> Any:
    """The JSON value of a reply body (UTF-8, a BOM tolerated); TransientModelError otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _malformed(f"the body is not UTF-8 (byte 0x{raw[e.start]:02x} at offset {e.start})") from None
    try:
        return json.loads(text.removeprefix("\ufeff"))
    except (ValueError, RecursionError) as e:  # JSONDecodeError, an over-long number, nesting too deep
        reason = e.msg if isinstance(e, json.JSONDecodeError) else type(e).__name__
        raise _malformed(f"not JSON ({reason}): {_excerpt(text, 200, redact)}") from None


@dataclass
class _Choice:
    index: int
    text: str
    calls: list[ToolCall]
    finish_reason: str | None
    logprobs: list[dict] | None


def _choice(j: int, choice: Any, params: SamplingParams, redact: Redact) -> _Choice:
    where = f"choices[{j}]"
    if not isinstance(choice, dict):
        raise _malformed(f"{where} is {_kind(choice, redact)}, not an object")
    index = choice.get("index")
    if index is None:
        index = j
    elif isinstance(index, bool) or not isinstance(index, int):
        raise _malformed(f"{where}.index is {_kind(index, redact)}, not an integer")
    message = choice.get("message")
    if not isinstance(message, dict):
        raise _malformed(f"{where} has no message" if message is None and "message" not in choice
                         else f"{where}.message is {_kind(message, redact)}, not an object")
    text = _content(message.get("content"), f"{where}.message.content", redact)
    try:
        calls = _tool_calls(message.get("tool_calls"))
    except ValueError as e:
        raise _malformed(f"{where}.message.{redact(str(e))}") from None
    finish_reason = choice.get("finish_reason")
    if finish_reason is not None and not isinstance(finish_reason, str):
        raise _malformed(f"{where}.finish_reason is {_kind(finish_reason, redact)}, not a string")
    logprobs = None
    if params.logprobs:
        raw = choice.get("logprobs")
        if raw is not None and not isinstance(raw, dict):
            raise _malformed(f"{where}.logprobs is {_kind(raw, redact)}, not an object")
        logprobs = (raw or {}).get("content")
        if logprobs is not None and not (isinstance(logprobs, list) and all(isinstance(t, dict) for t in logprobs)):
            raise _malformed(f"{where}.logprobs.content is {_kind(logprobs, redact)}, not a list of objects")
    return _Choice(index, text, calls, finish_reason, logprobs)


def _content(content: Any, where: str, redact: Redact) -> str:
    """message.content as text: a string, null (a reply that only calls tools), or OpenAI's list of
    parts, whose text parts are joined (other parts, e.g. a refusal or an image, carry no text)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for k, part in enumerate(content):
            if not isinstance(part, dict):
                raise _malformed(f"{where}[{k}] is {_kind(part, redact)}, not a content part")
            if part.get("type", "text") == "text":
                if not isinstance(part.get("text"), str):
                    raise _malformed(f"{where}[{k}].text is {_kind(part.get('text'), redact)}, not a string")
                texts.append(part["text"])
        return "".join(texts)
    raise _malformed(f"{where} is {_kind(content, redact)}, not text")


def _usage(usage: Any, redact: Redact) -> tuple[int, int]:
    """(prompt, completion) tokens; a missing usage or count is 0 (some servers leave it out)."""
    if usage is None:
        return 0, 0
    if not isinstance(usage, dict):
        raise _malformed(f"usage is {_kind(usage, redact)}, not an object")
    counts = []
    for name in ("prompt_tokens", "completion_tokens"):
        value = usage.get(name)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if value is None:
            value = 0
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKEN_COUNT:
            raise _malformed(f"usage.{name} is {_kind(value, redact)}, not a token count")
        counts.append(value)
    return counts[0], counts[1]


def _check_storable(value: Any, where: str) -> None:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise _malformed(f"{where} holds a lone surrogate (an escape like \\udc80 that no UTF-8 text can hold)") \
            from None
    except ValueError as e:
        raise _malformed(f"{where} cannot be stored ({e})") from None


def _completions(data: Any, params: SamplingParams, latency: float, redact: Redact = _same) -> list[Completion]:
    """The choices of a response, in index order. The prompt was processed once, so its tokens go
    to the first choice. OpenAI and vLLM count completion tokens over all choices: they are shared
    out by text length. llama.cpp's llama-server (its responses carry `timings`) counts its first
    choice only: that one is exact, and each other choice is estimated — `max_tokens` if it was cut
    at the limit, else its text length at the first choice's characters per token.

    Anything that is not a chat completion is a TransientModelError naming what was wrong (a
    server under load or a proxy garbles replies; asking again is worth it)."""
    if not isinstance(data, dict):
        raise _malformed(f"the body is {_kind(data, redact)}, not an object")
    raw_choices = data.get("choices")
    if raw_choices is None:
        raise _malformed("no choices")
    if not isinstance(raw_choices, list):
        raise _malformed(f"choices is {_kind(raw_choices, redact)}, not a list")
    if not raw_choices:
        raise _malformed("empty choices")
    choices = sorted((_choice(j, c, params, redact) for j, c in enumerate(raw_choices)), key=lambda c: c.index)
    prompt, completion = _usage(data.get("usage"), redact)
    texts = [c.text for c in choices]
    calls = [c.calls for c in choices]
    sizes = [len(t) for t in texts]  # of the whole generated text, tool-call blocks included
    if tool_text.wants_tool_calls(params.tools, params.tool_choice):
        # A server whose chat template ignores tools may still have the model write text-protocol calls.
        for j, text in enumerate(texts):
            if not calls[j] and tool_text.OPEN in text:
                texts[j], calls[j] = tool_text.parse_tool_calls(text)
    if "timings" in data and len(choices) > 1:
        per_char = completion / max(1, sizes[0])
        shares = [completion] + [params.max_tokens if c.finish_reason == "length" else round(size * per_char)
                                 for c, size in zip(choices[1:], sizes[1:])]
    else:
        shares = _share_out(completion, [size + 1 for size in sizes])
    out = []
    for j, (choice, text) in enumerate(zip(choices, texts)):
        tool_calls = [ToolCall(id=redact(c.id), name=redact(c.name), arguments=redact(c.arguments)) for c in calls[j]]
        _check_storable([text, choice.finish_reason, [c.model_dump() for c in tool_calls]], f"choices[{j}]")
        if choice.logprobs is not None:
            _check_storable(choice.logprobs, f"choices[{j}].logprobs")
        try:
            out.append(Completion(
                text=redact(text),
                usage=Usage(prompt_tokens=prompt if j == 0 else 0, completion_tokens=shares[j]),
                latency_s=latency,
                finish_reason=choice.finish_reason,
                logprobs=choice.logprobs,
                tool_calls=tool_calls,
            ))
        except pydantic.ValidationError as e:  # a shape the checks above let through: still the server's fault
            raise _malformed(f"choices[{j}] ({e.error_count()} invalid fields)") from None
    return out


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
            raise ValueError(f"tool_calls[{j}] is of type {_SHORT.repr(entry.get('type'))}")
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
