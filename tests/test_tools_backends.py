"""Tool calling in every backend: the text protocol (`models/tool_text.py`) for backends without
native tools, the scripted model, the OpenAI-compatible backend against a real HTTP server (the
fault server answers tool requests deterministically), and the in-process llama.cpp model."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinreason.models.gateway import Gateway, RetryPolicy
from clinreason.models.llamacpp import LlamaCppModel, bundled_smollm2
from clinreason.models.openai_compat import OpenAICompatModel, _completions
from clinreason.models.protocol import (Capabilities, Message, ModelError, SamplingParams, ToolCall, ToolSpec,
                                        TransientModelError)
from clinreason.models.scripted import ScriptedModel
from clinreason.models.tool_text import parse_tool_calls, render_tool_call, render_with_tools
from clinreason.testing.fault_server import FAULTS, TRANSIENT_FAULTS, FaultServer

LOOKUP = ToolSpec(name="lookup_lab", description="Reference range of a lab test.",
                  parameters={"type": "object", "properties": {"test": {"type": "string"}}, "required": ["test"]})
CALC = ToolSpec(name="calc", description="Evaluate arithmetic.")
TOOLS = SamplingParams(tools=(LOOKUP, CALC), max_tokens=32)


class DictCache:
    """The gateway's CallCache in a dict: successful calls by key, every record kept."""

    def __init__(self):
        self.rows: dict[str, dict] = {}
        self.records: list[dict] = []

    def cached_call(self, key):
        return self.rows.get(key)

    def record_call(self, **fields) -> str:
        self.records.append(fields)
        call_id = f"call-{len(self.records)}"
        if fields.get("error") is None:
            self.rows[fields["cache_key"]] = {
                "id": call_id, "response": fields["response"], "prompt_tokens": fields["prompt_tokens"],
                "completion_tokens": fields["completion_tokens"], "latency_s": fields["latency_s"],
                "finish_reason": fields["finish_reason"],
                "logprobs": json.dumps(fields["logprobs"]) if fields["logprobs"] else None,
                "tool_calls": json.dumps(fields["tool_calls"]) if fields["tool_calls"] else None,
            }
        return call_id


# --- the text protocol -------------------------------------------------------------------------

def conversation() -> list[Message]:
    call = ToolCall(id="call_x", name="lookup_lab", arguments='{"test": "sodium"}')
    return [
        Message(role="system", content="You are a clinician."),
        Message(role="user", content="Is a sodium of 128 low?"),
        Message(role="assistant", content="Let me check.", tool_calls=(call,)),
        Message(role="tool", content="135-145 mmol/L", tool_call_id="call_x"),
    ]


def test_render_describes_tools_and_keeps_to_three_roles():
    rendered = render_with_tools(conversation(), (LOOKUP, CALC), "auto")
    assert [m.role for m in rendered] == ["system", "user", "assistant", "user"]
    system = rendered[0].content
    assert system.startswith("You are a clinician.")
    assert "lookup_lab" in system and "Reference range of a lab test." in system and "calc" in system
    assert json.dumps(LOOKUP.parameters, sort_keys=True) in system  # the schema, verbatim
    assert '<tool_call>{"name": "TOOL_NAME", "arguments": {...}}</tool_call>' in system
    assert rendered[2].content.startswith("Let me check.\n<tool_call>")
    assert rendered[3].content == '<tool_response name="lookup_lab">135-145 mmol/L</tool_response>'
    assert all(not m.tool_calls and m.tool_call_id is None and m.name is None for m in rendered)


def test_render_creates_a_system_message_and_merges_consecutive_results():
    calls = (ToolCall(id="a", name="calc", arguments='{"expr": "1+1"}'), ToolCall(id="b", name="calc", arguments="{"))
    messages = [Message(role="user", content="q"), Message(role="assistant", tool_calls=calls),
                Message(role="tool", content="2", tool_call_id="a"),
                Message(role="tool", content="error", name="calc", tool_call_id="b")]
    rendered = render_with_tools(messages, (CALC,), "required")
    assert [m.role for m in rendered] == ["system", "user", "assistant", "user"]
    assert "must call" in rendered[0].content
    assert rendered[3].content.count("<tool_response") == 2
    # without tools only the roles are converted; plain messages pass through untouched
    plain = [Message(role="user", content="hi")]
    assert render_with_tools(plain) == plain


def test_render_parse_round_trip():
    calls = (ToolCall(id="orig1", name="lookup_lab", arguments='{"test": "Na", "unit": "mmol/L"}'),
             ToolCall(id="orig2", name="calc", arguments='{"expr": "2*(3+4)", "nested": {"a": [1, 2]}}'))
    rendered = render_with_tools([Message(role="assistant", content="Checking.", tool_calls=calls)])
    text, parsed = parse_tool_calls(rendered[0].content)
    assert text == "Checking."
    assert [(c.name, json.loads(c.arguments)) for c in parsed] == [(c.name, json.loads(c.arguments)) for c in calls]
    again = parse_tool_calls(rendered[0].content)[1]
    assert [c.id for c in parsed] == [c.id for c in again] and len({c.id for c in parsed}) == 2  # deterministic
    assert render_tool_call(ToolCall(id="x", name="calc", arguments="{bad")) == \
        '<tool_call>{"name": "calc", "arguments": {bad}</tool_call>'


@pytest.mark.parametrize("text, name, arguments, rest", [
    ('Sure. <tool_call>{"name": "calc", "arguments": {"expr": "1+1"}}</tool_call>', "calc", {"expr": "1+1"}, "Sure."),
    ('<tool_call>\n```json\n{"name": "calc", "arguments": {"x": 1}}\n```\n</tool_call>', "calc", {"x": 1}, ""),
    ('<tool_call>{"name": "calc", "arguments": {"x": 1}}}</tool_call> after', "calc", {"x": 1}, "after"),
    ('<tool_call>{"name": "calc", "arguments": {"x": 1}} oops</tool_call>', "calc", {"x": 1}, ""),
    ('I will call. <tool_call>{"name": "calc", "arguments": {"x": 1}}', "calc", {"x": 1}, "I will call."),
    ('<tool_call>{"name": "calc", "arguments": "{\\"x\\": 1}"}</tool_call>', "calc", {"x": 1}, ""),
    ('<tool_call>{"name": "calc", "parameters": {"x": 1}}</tool_call>', "calc", {"x": 1}, ""),
    ('<tool_call>{"name": "calc"}</tool_call>', "calc", {}, ""),
])
def test_parse_tolerates_sloppy_blocks(text, name, arguments, rest):
    remaining, (call,) = parse_tool_calls(text)
    assert (call.name, json.loads(call.arguments), remaining) == (name, arguments, rest)
    assert call.id.startswith("call_0_")


def test_unparseable_arguments_are_kept_raw_for_the_tool_loop():
    _, (call,) = parse_tool_calls('<tool_call>{"name": "calc", "arguments": {"x": 1,}}</tool_call>')
    assert call.name == "calc" and call.arguments == '{"x": 1,}'
    with pytest.raises(ValueError, match="not valid JSON"):
        call.parsed_arguments()
    _, (nameless,) = parse_tool_calls("<tool_call>call the calculator please</tool_call>")
    assert nameless.name == "" and nameless.arguments == "call the calculator please"


def test_parse_leaves_text_without_blocks_alone():
    for text in ["", "ANSWER: B", "no </tool_call> opener", "an unclosed <tool_call> with no name"]:
        assert parse_tool_calls(text) == (text, [])
    text, calls = parse_tool_calls('<tool_call>{"name": "a"}<tool_call>{"name": "b", "arguments": {}}</tool_call>')
    assert [c.name for c in calls] == ["a", "b"] and text == ""


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=20), st.sampled_from(
    ["<tool_call>", "</tool_call>", "{", "}", '"name"', ":", '"calc"', '"arguments"', "```json", "```", "\\", '"',
     "[", "\n"])), max_size=30))
def test_parse_never_raises(parts):
    text, calls = parse_tool_calls("".join(parts))
    assert isinstance(text, str)
    for call in calls:
        assert isinstance(call.arguments, str) and call.id.startswith("call_")


@pytest.mark.parametrize("adversarial", [
    "<tool_call>" * 10_000,
    "<tool_call>{" * 10_000,
    '<tool_call>{"name": "' * 8_000,
    "<tool_call>" + "[" * 100_000,
    '<tool_call>{"name": "x", "arguments": ' + "[" * 100_000 + "</tool_call>",
    '<tool_call>"name"' + " " * 100_000 + ":",
    '<tool_call>{"name": "x", "arguments": ' + '{"a": ' * 20_000 + "</tool_call>",
    "</tool_call>" * 10_000,
    "<tool_call>x</tool_call>" * 5_000,
    "<tool_call>```" + "`" * 100_000,
])
def test_parse_is_linear_on_adversarial_input(adversarial):
    assert len(adversarial) >= 100_000
    start = time.perf_counter()
    parse_tool_calls(adversarial)
    assert time.perf_counter() - start < 1.0


# --- the scripted model ------------------------------------------------------------------------

def test_scripted_model_parses_scripted_tool_calls():
    model = ScriptedModel(['Checking. <tool_call>{"name": "lookup_lab", "arguments": {"test": "Na"}}</tool_call>',
                           "ANSWER: B"])
    assert model.capabilities.n is False and model.capabilities.tools == "text"
    first = asyncio.run(model.complete([Message(role="user", content="q")], TOOLS))
    assert first.text == "Checking." and first.finish_reason == "tool_calls"
    assert [(c.name, c.parsed_arguments()) for c in first.tool_calls] == [("lookup_lab", {"test": "Na"})]
    history = [Message(role="user", content="q"), first.as_message(),
               Message(role="tool", content="135-145", tool_call_id=first.tool_calls[0].id, name="lookup_lab")]
    second = asyncio.run(model.complete(history, TOOLS))
    assert second.text == "ANSWER: B" and second.tool_calls == []
    assert model.calls[1][0][-1].role == "tool"  # the script sees the conversation as it is


def test_scripted_model_without_tools_keeps_the_text():
    reply = '<tool_call>{"name": "calc"}</tool_call>'
    model = ScriptedModel([reply])
    for params in (SamplingParams(), SamplingParams(tools=(CALC,), tool_choice="none")):
        completion = asyncio.run(model.complete([Message(role="user", content="q")], params))
        assert completion.text == reply and completion.tool_calls == []


def test_gateway_refuses_tools_to_a_backend_without_them():
    model = ScriptedModel(["x"], capabilities=Capabilities(tools="none"))
    with pytest.raises(ModelError, match="cannot use tools"):
        asyncio.run(Gateway(model, DictCache()).complete([Message(role="user", content="q")], TOOLS, item_id="i"))


# --- the OpenAI-compatible backend --------------------------------------------------------------

def test_openai_completions_read_native_calls_and_fall_back_to_text():
    native = {"choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": None,
              "tool_calls": [{"id": "c1", "type": "function",
                              "function": {"name": "calc", "arguments": '{"expr": "1"}'}}]}}]}
    (c,) = _completions(native, TOOLS, 0.1)
    assert c.text == "" and c.tool_calls == [ToolCall(id="c1", name="calc", arguments='{"expr": "1"}')]
    text = {"choices": [{"index": 0, "message": {"content": 'Hm <tool_call>{"name": "calc", "arguments": {}}</tool_call>'}}]}
    (c,) = _completions(text, TOOLS, 0.1)
    assert c.text == "Hm" and [t.name for t in c.tool_calls] == ["calc"]
    (c,) = _completions(text, SamplingParams(), 0.1)  # no tools offered: the text is the answer
    assert c.tool_calls == [] and "<tool_call>" in c.text
    for bad in ["nope", [{"id": "x", "function": "garbled"}], [{"function": {"arguments": "{}"}}],
                [{"function": {"name": "calc", "arguments": 3}}]]:
        garbled = {"choices": [{"index": 0, "message": {"content": None, "tool_calls": bad}}]}
        with pytest.raises(TransientModelError, match="malformed"):
            _completions(garbled, TOOLS, 0.1)


def test_openai_request_body_plain_and_with_tools():
    model = OpenAICompatModel("http://127.0.0.1:9/v1", "m")
    try:
        assert model.capabilities.n is None and model.capabilities.tools == "native"
        assert not hasattr(model, "supports_n")
        plain = model.request_body([Message(role="user", content="hi")], SamplingParams())
        assert plain["messages"] == [{"role": "user", "content": "hi"}]
        assert "tools" not in plain and "tool_choice" not in plain
        body = model.request_body(conversation(), SamplingParams(tools=(LOOKUP,), tool_choice="auto"))
        assert body["tools"] == [LOOKUP.openai()] and body["tool_choice"] == "auto"
        assert body["messages"][2] == {"role": "assistant", "content": "Let me check.", "tool_calls": [
            {"id": "call_x", "type": "function", "function": {"name": "lookup_lab", "arguments": '{"test": "sodium"}'}}]}
        assert body["messages"][3] == {"role": "tool", "content": "135-145 mmol/L", "tool_call_id": "call_x"}
    finally:
        asyncio.run(model.aclose())


@pytest.mark.server
def test_openai_backend_calls_tools_through_a_server():
    server = FaultServer(tool_arguments={"test": "sodium"}, lifetime_s=60)
    with server as url:
        async def go():
            model = OpenAICompatModel(url, "fault", timeout_s=5)
            try:
                question = [Message(role="user", content="Is a sodium of 128 low?")]
                first = await model.complete(question, SamplingParams(tools=(LOOKUP, CALC)))
                history = question + [first.as_message(), Message(
                    role="tool", content="135-145 mmol/L", tool_call_id=first.tool_calls[0].id, name="lookup_lab")]
                second = await model.complete(history, SamplingParams(tools=(LOOKUP, CALC)))
                plain = await model.complete(question, SamplingParams())
                return first, second, plain
            finally:
                await model.aclose()

        first, second, plain = asyncio.run(go())
    assert first.finish_reason == "tool_calls" and first.text == ""
    (call,) = first.tool_calls
    assert call.name == "lookup_lab" and call.parsed_arguments() == {"test": "sodium"} and call.id
    assert second.text == "ANSWER: 135-145 mmol/L" and second.tool_calls == []
    assert plain.tool_calls == [] and "ANSWER:" in plain.text
    sent_first, sent_second, sent_plain = server.bodies
    assert [t["function"]["name"] for t in sent_first["tools"]] == ["lookup_lab", "calc"]
    assert sent_second["messages"][1]["tool_calls"][0]["id"] == call.id
    assert sent_second["messages"][2] == {"role": "tool", "content": "135-145 mmol/L", "tool_call_id": call.id}
    assert "tools" not in sent_plain and sent_plain["messages"] == [{"role": "user", "content": "Is a sodium of 128 low?"}]


@pytest.mark.server
def test_bad_tool_calls_are_retried_by_the_gateway():
    assert "bad_tool_calls" in FAULTS and "bad_tool_calls" in TRANSIENT_FAULTS
    server = FaultServer(faults=["bad_tool_calls"], lifetime_s=60)
    cache = DictCache()
    with server as url:
        async def go():
            model = OpenAICompatModel(url, "fault", timeout_s=5)
            try:
                gateway = Gateway(model, cache, retry=RetryPolicy(max_attempts=3, base_delay_s=0.0))
                messages = [Message(role="user", content="q")]
                first = await gateway.complete(messages, TOOLS, item_id="i1")
                again = await gateway.complete(messages, TOOLS, item_id="i1")
                return first, again
            finally:
                await model.aclose()

        (completion, call_id), (cached, cached_id) = asyncio.run(go())
    assert server.requests == 2  # one garbled reply, one retry; the repeat came from the cache
    assert [c.name for c in completion.tool_calls] == ["lookup_lab"]
    assert cached.cached and cached_id == call_id and cached.tool_calls == completion.tool_calls
    failed = [r for r in cache.records if r.get("error")]
    assert len(failed) == 1 and "malformed" in failed[0]["error"] and "attempt 1" in failed[0]["error"]


# --- the in-process llama.cpp model -------------------------------------------------------------

class FakeLlama:
    """Stands in for llama_cpp.Llama: records the messages, answers with a scripted text."""

    def __init__(self, reply: str):
        self.reply = reply
        self.seen: list[list[dict]] = []

    def create_chat_completion(self, messages, **kw):
        self.seen.append(messages)
        return {"choices": [{"message": {"role": "assistant", "content": self.reply}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5}}


def test_llamacpp_renders_tools_and_parses_scripted_calls(tmp_path):
    gguf = tmp_path / "fake.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 64)
    model = LlamaCppModel(gguf)
    caps = model.capabilities
    assert (caps.n, caps.max_n, caps.tools, caps.logprobs, caps.json_schema) == (True, 1024, "text", True, True)
    model._llm = FakeLlama('Checking <tool_call>{"name": "lookup_lab", "arguments": {"test": "Na"}}</tool_call>')
    completion = asyncio.run(model.complete(conversation(), TOOLS))
    assert completion.text == "Checking" and completion.finish_reason == "tool_calls"
    assert [(c.name, c.parsed_arguments()) for c in completion.tool_calls] == [("lookup_lab", {"test": "Na"})]
    (sent,) = model._llm.seen
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert all(set(m) == {"role", "content"} for m in sent)
    assert "<tool_call>" in sent[0]["content"] and "<tool_response" in sent[3]["content"]
    # no tools: the prompt and the reply pass through untouched
    plain = asyncio.run(model.complete([Message(role="user", content="hi")], SamplingParams()))
    assert model._llm.seen[-1] == [{"role": "user", "content": "hi"}]
    assert plain.tool_calls == [] and plain.text == model._llm.reply


@pytest.mark.model
def test_embedded_model_with_tools_returns_a_completion():
    model = LlamaCppModel(bundled_smollm2(), n_ctx=2048, n_threads=2)

    async def go():
        try:
            first = await model.complete([Message(role="user", content="What is the normal range of sodium?")],
                                         SamplingParams(tools=(LOOKUP,), max_tokens=24, seed=1))
            second = await model.complete(conversation(), SamplingParams(tools=(LOOKUP,), max_tokens=16, seed=1))
            return first, second
        finally:
            await model.aclose()

    for completion in asyncio.run(go()):  # whatever the tiny model writes, it comes back as a Completion
        assert isinstance(completion.text, str) and completion.usage.completion_tokens > 0
        assert all(isinstance(c, ToolCall) for c in completion.tool_calls)


@pytest.mark.server
@pytest.mark.model
def test_llama_cpp_python_server_takes_tool_requests_and_histories():
    """llama-cpp-python's server (SmolLM2's template ignores tools) accepts `tools` and a history
    with tool calls and results (it refuses a null assistant content, so none is sent)."""
    from _server import llama_server

    with llama_server(bundled_smollm2()) as url:
        async def go():
            model = OpenAICompatModel(url, "smollm2", timeout_s=120)
            try:
                params = SamplingParams(tools=(LOOKUP,), tool_choice="auto", max_tokens=12, seed=1)
                first = await model.complete([Message(role="user", content="Sodium range?")], params)
                second = await model.complete(conversation(), params)
                return first, second
            finally:
                await model.aclose()

        for completion in asyncio.run(go()):
            assert isinstance(completion.text, str) and completion.usage.completion_tokens > 0
