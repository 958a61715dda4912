"""What the gateway needs from a response cache, and nothing more: look a request up by its key,
and record a call (a response, or a failed attempt). `clinreason.store.Store` implements it; so
can anything else (a dict in a test, a remote cache), because the gateway never imports the store.

Optionally, leases (`Leases`): identical requests in flight in several processes sharing one cache
(two judges of one run) wait for each other instead of each paying. A cache without them skips
leasing; the gateway still shares identical requests within its own process.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol, runtime_checkable


class CallCache(Protocol):
    def cached_call(self, cache_key: str) -> Mapping[str, Any] | None:
        """The stored successful call for this key, or None. The mapping has at least: id, response,
        prompt_tokens, completion_tokens, latency_s, finish_reason, logprobs (JSON text or None),
        tool_calls (JSON text or None)."""

    def record_call(self, **fields: Any) -> str:
        """Store one call (fields: cache_key, run_id, item_id, model, role, messages, params, sample,
        response, tokens, latency_s, finish_reason, logprobs, tool_calls, error) and return its
        content-addressed id."""

    # Optional (see Leases): acquire_lease, release_lease, lease_holder.


@runtime_checkable
class Leases(Protocol):
    """The optional part of a CallCache: who is asking the model for a key right now, across processes."""

    def acquire_lease(self, cache_key: str, holder: str, ttl_s: float) -> bool:
        """Take (or, for its own holder, renew) the lease on `cache_key` for `ttl_s` seconds; False
        while another holder's lease is live. An expired lease is anyone's: a killed process's lease
        frees itself."""

    def release_lease(self, cache_key: str, holder: str) -> None:
        """Give the lease up, if `holder` holds it (else nothing happens)."""

    def lease_holder(self, cache_key: str) -> str | None:
        """Who holds a live lease on `cache_key`, if anyone."""
