"""Fuzzing the OpenAI-compatible response parser: whatever bytes a server answers with HTTP 200,
the backend returns completions that the store can hold, or raises ModelError (most often
TransientModelError, which the gateway retries): never any other exception."""

from __future__ import annotations

import asyncio
import json

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinreason.models.openai_compat import OpenAICompatModel, _completions, parse_body
from clinreason.models.protocol import Completion, Message, ModelError, SamplingParams, ToolSpec

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=12)


def maybe(strategy):
    """Mostly the plausible thing, sometimes anything at all."""
    return strategy | json_values


texts = st.text(max_size=40) | st.sampled_from(["ANSWER: A", "\udc80", "a\ud800b", "<tool_call>{}</tool_call>"])
parts = st.lists(maybe(st.fixed_dictionaries({"type": maybe(st.sampled_from(["text", "image_url", "refusal"])),
                                              "text": maybe(texts)})), max_size=3)
tool_calls = st.lists(maybe(st.fixed_dictionaries(
    {"id": maybe(st.text(max_size=6)), "type": maybe(st.just("function")),
     "function": maybe(st.fixed_dictionaries({"name": maybe(st.text(max_size=6)),
                                              "arguments": maybe(st.text(max_size=10))}))})), max_size=2)
messages = st.fixed_dictionaries({}, optional={"role": maybe(st.just("assistant")),
                                               "content": maybe(texts | parts | st.none()),
                                               "tool_calls": maybe(tool_calls | st.none())})
logprobs = st.fixed_dictionaries({}, optional={"content": maybe(st.lists(maybe(st.fixed_dictionaries(
    {"token": maybe(texts), "logprob": maybe(st.floats())})), max_size=2))})
choices = st.fixed_dictionaries({}, optional={
    "index": maybe(st.integers(0, 3)), "message": maybe(messages),
    "finish_reason": maybe(st.sampled_from(["stop", "length", "tool_calls"]) | st.none()),
    "logprobs": maybe(logprobs | st.none())})
usages = st.fixed_dictionaries({}, optional={"prompt_tokens": maybe(st.integers(-5, 10**13)),
                                             "completion_tokens": maybe(st.integers(-5, 10**13))})
bodies = st.fixed_dictionaries({"choices": maybe(st.lists(maybe(choices), max_size=3))},
                               optional={"usage": maybe(usages | st.none()), "timings": maybe(st.just({}))})
params = st.sampled_from([
    SamplingParams(),
    SamplingParams(logprobs=True, top_logprobs=2),
    SamplingParams(tools=(ToolSpec(name="calc", description="x", parameters={"type": "object"}),)),
])


def encoded(body) -> bytes:
    return json.dumps(body, allow_nan=True).encode()


raw_bodies = (bodies.map(encoded) | json_values.map(encoded) | st.binary(max_size=200)
              | bodies.map(encoded).flatmap(lambda b: st.integers(0, len(b)).map(lambda n: b[:n])))


class _Stream(httpx.AsyncByteStream):
    """A body streamed as a server's is (httpx reads a plain `content=` up front)."""

    def __init__(self, data: bytes):
        self.data = data

    async def __aiter__(self):
        for start in range(0, len(self.data), 7):
            yield self.data[start:start + 7]


def check_storable(completions: list[Completion]) -> None:
    assert completions and all(isinstance(c, Completion) for c in completions)
    for c in completions:
        json.dumps([c.text, c.finish_reason, c.logprobs, [t.model_dump() for t in c.tool_calls]],
                   ensure_ascii=False).encode("utf-8")  # no lone surrogate reaches the store
        assert 0 <= c.usage.prompt_tokens < 2**63 and 0 <= c.usage.completion_tokens < 2**63


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=raw_bodies, p=params)
def test_parser_returns_completions_or_raises_model_error(raw, p):
    try:
        completions = _completions(parse_body(raw), p, 0.1)
    except ModelError:
        return
    check_storable(completions)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=raw_bodies, p=params, n=st.integers(1, 3), gzip=st.booleans())
def test_post_path_returns_completions_or_raises_model_error(raw, p, n, gzip):
    """The whole client path (status, decompression, cap, parse) on an in-memory transport."""
    import zlib

    body = zlib.compress(raw, wbits=31) if gzip else raw
    headers = {"Content-Encoding": "gzip"} if gzip else {}
    model = OpenAICompatModel("http://fuzz.invalid/v1", "m", timeout_s=5)
    model._client = httpx.AsyncClient(base_url="http://fuzz.invalid/v1", transport=httpx.MockTransport(
        lambda request: httpx.Response(200, headers=headers, stream=_Stream(body))))

    async def go():
        try:
            if n == 1:
                return [await model.complete([Message(role="user", content="hi")], p)]
            return await model.complete_n([Message(role="user", content="hi")], [p] * n)
        finally:
            await model.aclose()

    try:
        completions = asyncio.run(go())
    except ModelError:
        return
    check_storable(completions)
