"""The JSON a FaultServer answers with: healthy chat completions (deterministic, a function of the
prompt, so a cache or resume bug shows up), tool calls, and the same made malformed on cue."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Callable

Reply = Callable[[list[dict], "int | None"], str]


def letter_reply(messages: list[dict], seed: int | None = None) -> str:
    """A deterministic answer in the format clinreason asks for, chosen by a hash of the prompt
    (and of the seed, when the request has one: sampled requests then differ by seed)."""
    key = messages if seed is None else [messages, seed]
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).digest()
    return f"The answer follows.\nANSWER: {'ABCD'[digest[0] % 4]}"


def _first_message(payload: dict) -> dict:
    return payload["choices"][0]["message"]


# A healthy payload made malformed in one way each (see FAULTS).
_MALFORM: dict[str, Callable[[dict], None]] = {
    "lone_surrogate": lambda p: _first_message(p).update(content="The answer \udc80 follows.\nANSWER: A"),
    "content_number": lambda p: _first_message(p).update(content=42),
    "content_garbled": lambda p: _first_message(p).update(content=[{"type": "text", "text": 7}, "B"]),
    "bad_finish_reason": lambda p: p["choices"][0].update(finish_reason=3),
    "usage_string": lambda p: p.update(usage="many tokens"),
    "usage_negative": lambda p: p["usage"].update(completion_tokens=-5),
    "usage_list": lambda p: p.update(usage=[1, 2]),
    "choice_not_object": lambda p: p.update(choices=["ANSWER: A"]),
    "no_message": lambda p: p["choices"][0].pop("message"),
    "message_not_object": lambda p: p["choices"][0].update(message="ANSWER: A"),
}
_BOMBS: dict[int, bytes] = {}


def _gzip_bomb(size: int) -> bytes:
    """A gzip body (about size/1000 bytes) inflating to a chat completion of `size` bytes."""
    if size not in _BOMBS:
        import zlib

        packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        head = b'{"object": "chat.completion", "choices": [{"index": 0, "finish_reason": "stop", ' \
               b'"message": {"role": "assistant", "content": "'
        tail = b'"}}]}'
        parts, left = [packer.compress(head)], max(0, size - len(head) - len(tail))
        block = b"A" * 2**20
        while left > 0:
            parts.append(packer.compress(block[:left]))
            left -= len(block)
        parts += [packer.compress(tail), packer.flush()]
        _BOMBS[size] = b"".join(parts)
    return _BOMBS[size]


def _call_first_tool(payload: dict, request: dict, arguments: dict) -> None:
    """Turn each choice into a call of the request's first tool (deterministic id)."""
    try:
        name = request["tools"][0]["function"]["name"]
    except (KeyError, IndexError, TypeError):
        name = "tool"
    key = hashlib.sha1(json.dumps(request["messages"], sort_keys=True).encode()).hexdigest()[:10]
    for choice in payload["choices"]:
        choice["message"] = {"role": "assistant", "content": None, "tool_calls": [{
            "id": f"call_{key}_{choice['index']}", "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)}}]}
        choice["finish_reason"] = "tool_calls"


def _completion(request: dict, texts: list[str]) -> dict:
    prompt_tokens = sum(len(str(m.get("content") or "").split()) for m in request["messages"])
    completion_tokens = sum(len(text.split()) for text in texts)
    return {
        "id": f"chatcmpl-{hashlib.sha1(texts[0].encode()).hexdigest()[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fault"),
        "choices": [{"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                    for i, text in enumerate(texts)],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }
