"""How a model call is keyed in the cache, and read back from a cached row.

The key is the identity of a request: changing how it is computed would orphan every stored call.
"""

from __future__ import annotations

import hashlib
import json

from .protocol import Completion, Message, SamplingParams, ToolCall, Usage


def cache_key(identity: str, messages: list[Message], params: SamplingParams, sample: int) -> str:
    # Message.wire() / params.key() keep the pre-tools shape for plain requests: old caches still hit.
    blob = json.dumps(
        {"model": identity, "messages": [m.wire() for m in messages],
         "params": params.key(), "sample": sample},
        sort_keys=True, ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def _from_row(row) -> Completion:
    return Completion(
        text=row["response"] or "",
        usage=Usage(prompt_tokens=row["prompt_tokens"] or 0, completion_tokens=row["completion_tokens"] or 0),
        latency_s=row["latency_s"] or 0.0,
        finish_reason=row["finish_reason"],
        logprobs=json.loads(row["logprobs"]) if row["logprobs"] else None,
        tool_calls=[ToolCall(**c) for c in json.loads(row["tool_calls"])] if row.get("tool_calls") else [],
        cached=True,
    )
