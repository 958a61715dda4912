"""Tool calling as plain text: the protocol for backends without native tool calling (in-process
llama.cpp, the scripted model) and the fallback for servers whose chat template ignores `tools`.

The protocol, as the model is told it in the system message:

* each tool is listed with its name, description and the JSON Schema of its arguments;
* to call a tool the model writes exactly
  ``<tool_call>{"name": "TOOL", "arguments": {...}}</tool_call>`` (one block per call) and
  otherwise answers normally;
* an earlier assistant turn that called tools is shown as its text followed by its
  ``<tool_call>`` blocks, and each tool result comes back as a *user* message
  ``<tool_response name="TOOL">RESULT</tool_response>`` (consecutive results share one message):
  the chat templates of small models (SmolLM2's included) know only system/user/assistant.

Parsing (`parse_tool_calls`) is lenient, because small models are sloppy, and total: it never
raises and runs in linear time on any string. A block's body may be fenced (```json ... ```),
may carry trailing garbage after the JSON object (ignored), may use "parameters" for "arguments"
or give the arguments as a JSON string; a block left open at the end of the text still counts.
`arguments` is kept as JSON text: re-serialised when it parsed, the raw text when it did not (the
tool loop then reports the error to the model). A closed block whose name cannot be found becomes
a call with name "" (the model plainly tried to call something); an unclosed block without a
findable name stays text. Call ids are deterministic: ``call_{index}_{hash of name+arguments}``.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Iterable, Sequence

from ..chat import Message, ToolCall, ToolSpec

__all__ = ["OPEN", "CLOSE", "needs_rendering", "parse_tool_calls", "render_tool_call", "render_with_tools", "tools_prompt",
           "wants_tool_calls"]

OPEN, CLOSE = "<tool_call>", "</tool_call>"

_decoder = json.JSONDecoder()
# Bounded or literal-anchored patterns only: each is linear in the text it scans.
_NAME = re.compile(r'"name"\s*:\s*"([^"\\]{0,256})"')
_ARGS = re.compile(r'"(?:arguments|parameters)"\s*:\s*')
_LANG = re.compile(r"[A-Za-z]{0,16}")


def wants_tool_calls(tools: Sequence[ToolSpec], tool_choice: str | None) -> bool:
    """Whether a reply should be searched for tool calls: tools were offered and not switched off."""
    return bool(tools) and tool_choice != "none"


def tools_prompt(tools: Sequence[ToolSpec], tool_choice: str | None = None) -> str:
    """The system-message text that describes the tools and the calling convention."""
    lines = ["You can call the following tools.", ""]
    for tool in tools:
        lines.append(f"Tool: {tool.name}")
        if tool.description:
            lines.append(f"Description: {tool.description}")
        lines.append(f"Arguments (JSON Schema): {json.dumps(tool.parameters, ensure_ascii=False, sort_keys=True)}")
        lines.append("")
    lines.append("To call a tool, write exactly:")
    lines.append(f'{OPEN}{{"name": "TOOL_NAME", "arguments": {{...}}}}{CLOSE}')
    lines.append("with the arguments as a JSON object that matches the tool's schema, one block per call. "
                 "Each result comes back as <tool_response name=\"TOOL_NAME\">...</tool_response>.")
    if tool_choice == "required":
        lines.append("You must call at least one tool now.")
    elif tool_choice == "none":
        lines.append("Do not call any tool now: answer directly.")
    else:
        lines.append("If no tool is needed, answer normally.")
    return "\n".join(lines)


def render_tool_call(call: ToolCall) -> str:
    """One call as the block the model would have written (raw arguments when they are not JSON)."""
    try:
        arguments = json.dumps(json.loads(call.arguments or "{}"), ensure_ascii=False)
    except (ValueError, RecursionError):
        arguments = call.arguments
    return f'{OPEN}{{"name": {json.dumps(call.name, ensure_ascii=False)}, "arguments": {arguments}}}{CLOSE}'


def render_with_tools(messages: Iterable[Message], tools: Sequence[ToolSpec] = (),
                      tool_choice: str | None = None) -> list[Message]:
    """`messages` in system/user/assistant roles only, with the tools described in the system
    message (one is created when absent; none is touched when there are no tools)."""
    out: list[Message] = []
    names: dict[str, str] = {}  # tool_call_id -> tool name, for results that do not name their tool
    pending: list[str] = []  # consecutive tool results, merged into one user message

    def flush() -> None:
        if pending:
            out.append(Message(role="user", content="\n".join(pending)))
            pending.clear()

    for m in messages:
        if m.role == "tool":
            name = m.name or names.get(m.tool_call_id or "", "")
            pending.append(f'<tool_response name="{_attr(name)}">{m.content}</tool_response>')
            continue
        flush()
        if m.role == "assistant" and m.tool_calls:
            for call in m.tool_calls:
                names[call.id] = call.name
            blocks = "\n".join(render_tool_call(c) for c in m.tool_calls)
            out.append(Message(role="assistant", content=f"{m.content}\n{blocks}" if m.content else blocks))
        elif m.tool_calls or m.tool_call_id is not None or m.name is not None:
            out.append(Message(role=m.role, content=m.content, images=m.images))
        else:
            out.append(m)
    flush()
    if tools:
        described = tools_prompt(tools, tool_choice)
        system = next((i for i, m in enumerate(out) if m.role == "system"), None)
        if system is None:
            out.insert(0, Message(role="system", content=described))
        else:
            content = out[system].content
            out[system] = Message(role="system", content=f"{content}\n\n{described}" if content else described)
    return out


def needs_rendering(messages: Iterable[Message]) -> bool:
    """Whether any message uses the tool fields (so a text-only chat template cannot take it as is)."""
    return any(m.role == "tool" or m.tool_calls or m.tool_call_id is not None or m.name is not None
               for m in messages)


def parse_tool_calls(text: str) -> tuple[str, list[ToolCall]]:
    """(the text with the tool-call blocks removed, the calls in order). Never raises; linear time.
    Without any block the text comes back unchanged."""
    if not isinstance(text, str) or OPEN not in text:
        return text if isinstance(text, str) else "", []
    kept: list[str] = []
    calls: list[ToolCall] = []
    pos = 0
    close = -2  # position of the next CLOSE at or after the current block, -1 when there is none
    while True:
        start = text.find(OPEN, pos)
        if start < 0:
            break
        body_start = start + len(OPEN)
        if close != -1 and close < body_start:
            close = text.find(CLOSE, body_start)
        following = text.find(OPEN, body_start)
        if close >= 0 and (following < 0 or close < following):
            body, end, closed = text[body_start:close], close + len(CLOSE), True
        elif following >= 0:  # opened, never closed, and another block starts: this one ends there
            body, end, closed = text[body_start:following], following, False
        else:  # left open at the end of the text
            body, end, closed = text[body_start:], len(text), False
        call = _call_from_body(body, len(calls), closed)
        if call is None:
            kept.append(text[pos:end])
        else:
            kept.append(text[pos:start])
            calls.append(call)
        pos = end
    kept.append(text[pos:])
    if not calls:
        return text, []
    remaining = re.sub(r"\n{3,}", "\n\n", "".join(kept)).strip()
    return remaining, calls


def _call_from_body(body: str, index: int, closed: bool) -> ToolCall | None:
    inner = _unfence(body)
    name: str | None = None
    arguments: str | None = None
    value = _decode(inner[inner.find("{"):] if "{" in inner else inner)  # text before or after the object is ignored
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        name = value["name"]
        raw = value.get("arguments", value.get("parameters", {}))
        if isinstance(raw, str):  # OpenAI style: the arguments as JSON text
            try:
                raw = json.loads(raw)
            except (ValueError, RecursionError):
                arguments = value.get("arguments", value.get("parameters"))
        if arguments is None:
            arguments = _dumps(raw)
    else:
        found = _NAME.search(inner)
        if found:
            name = found.group(1)
        elif not closed:
            return None
        args = _ARGS.search(inner)
        raw_args = inner[args.end():].rstrip() if args else inner
        parsed = _decode(raw_args)
        if parsed is not None:
            arguments = _dumps(parsed)
        elif args and raw_args.endswith("}"):
            arguments = raw_args[:-1].rstrip()  # less the outer object's closing brace
        else:
            arguments = raw_args
        name = name or ""
    digest = hashlib.sha256(f"{name}\0{arguments}".encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return ToolCall(id=f"call_{index}_{digest}", name=name, arguments=arguments)


def _decode(text: str):
    """The JSON value at the start of `text` (whatever follows it is ignored), or None."""
    try:
        return _decoder.raw_decode(text)[0]
    except (ValueError, RecursionError):
        return None


def _unfence(body: str) -> str:
    inner = body.strip()
    if inner.startswith("```"):
        inner = inner[3:]
        inner = inner[_LANG.match(inner).end():]  # ```json
        if inner.rstrip().endswith("```"):
            inner = inner.rstrip()[:-3]
        inner = inner.strip()
    return inner


def _dumps(value) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError, TypeError):  # pragma: no cover - decoded JSON always dumps
        return "{}"


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;")
