"""What the gateway needs from a response cache, and nothing more: look a request up by its key,
and record a call (a response, or a failed attempt). `clinreason.store.Store` implements it; so
can anything else (a dict in a test, a remote cache), because the gateway never imports the store.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol


class CallCache(Protocol):
    def cached_call(self, cache_key: str) -> Mapping[str, Any] | None:
        """The stored successful call for this key, or None. The mapping has at least: id, response,
        prompt_tokens, completion_tokens, latency_s, finish_reason, logprobs (JSON text or None),
        tool_calls (JSON text or None)."""

    def record_call(self, **fields: Any) -> str:
        """Store one call (fields: cache_key, run_id, item_id, model, role, messages, params, sample,
        response, tokens, latency_s, finish_reason, logprobs, tool_calls, error) and return its
        content-addressed id."""
