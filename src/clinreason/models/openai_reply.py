"""Parsing an OpenAI-compatible chat reply into Completions, strictly.

Anything that is not a chat completion (non-UTF-8 bytes, a lone surrogate, content or usage of the
wrong type, ...) is a TransientModelError naming what was wrong: servers under load and proxies
garble replies, so asking again is worth it. Every text taken from a reply passes the backend's
`redact` before it can reach a message or the store.
"""

from __future__ import annotations

import hashlib
import json
import reprlib
from dataclasses import dataclass
from typing import Any, Callable

import pydantic

from . import tool_text
from .protocol import Completion, SamplingParams, ToolCall, TransientModelError, Usage

MAX_TOKEN_COUNT = 10**12  # a usage count above this is garbage (and would not fit an SQLite integer)


def _same(text: str) -> str:
    """The redact of a caller with no secrets to hide (the default)."""
    return text


Redact = Callable[[str], str]


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
