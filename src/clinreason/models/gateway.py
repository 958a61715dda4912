"""The one door to a model: cache, bounded retries, concurrency, and per-item traces.

Every backend goes through here, so caching and retries are written once. A response is
committed to the store the moment it arrives: a crash after that point never pays twice.

Identical requests in flight at once share one model call: within this process by a future per
cache key, across processes (two judges of one run) by a lease in the cache (`cache.Leases`): the
gateway that holds a key's lease asks the model, any other polls the cache for its answer, within
bounds, and takes the lease over once it frees or expires (a killed holder's frees at once on the
same machine, else after its ttl). Everything recorded is first redacted of the backend's secrets
(`protocol.redact`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import time
from dataclasses import dataclass, field

from ..trace import ModelCall, Trace
from .cache import CallCache, Leases
# The pieces live in their own modules (cache keys and rows, leases, the retry policy); their
# names stay importable from here, where callers and tests have always found them.
from .call_rows import _from_row, cache_key
from .lease_holder import LeaseHolder, _dead_here  # noqa: F401
from .protocol import Completion, Message, Model, ModelError, SamplingParams, TransientModelError, redact
from .ratelimit import RateLimiter
from .retry import RetryPolicy
from .slots import Slots


class Gateway(LeaseHolder):
    def __init__(
        self,
        model: Model,
        cache: CallCache,
        *,
        role: str = "model",
        run_id: str | None = None,
        use_cache: bool = True,
        concurrency: int | None = None,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimiter | None = None,
        lease_ttl_s: float = 600.0,
        lease_poll_s: float = 0.05,
    ):
        self.model = model
        self.rate_limit = rate_limit  # optional requests/tokens per minute (models/ratelimit.py)
        self.cache = cache
        self.role = role  # which of the run's models this is (model, patient, judge, ...): stored per call
        self.run_id = run_id
        self.use_cache = use_cache
        self.retry = retry or RetryPolicy()
        self._slots = Slots(concurrency or model.max_concurrency)
        # Identical requests in flight at once share one model call.
        self._inflight: dict[str, asyncio.Future] = {}
        # ... and across processes, by leases in the cache (when it has them; a --no-cache run asks anew).
        self._leases: Leases | None = cache if use_cache and isinstance(cache, Leases) else None
        self.lease_ttl_s = lease_ttl_s  # a lease lasts this long unless renewed (each attempt renews it)
        self.lease_poll_s = lease_poll_s  # first pause between looks at the cache while another holds it
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._held: set[str] = set()
        self._n_probe = asyncio.Lock()
        self._n_honoured: bool | None = None
        self.calls_made = 0  # completions generated (an n-sample request makes n)
        self.cache_hits = 0
        self.requests_n = 0  # requests that asked for several samples at once

    def for_item(self, item_id: str, trace: Trace | None = None) -> "LM":
        return LM(self, item_id, trace if trace is not None else Trace())

    async def complete(
        self, messages: list[Message], params: SamplingParams, *, item_id: str | None, sample: int = 0
    ) -> tuple[Completion, str]:
        _check_tools(self.model, params)
        key = cache_key(self.model.identity, messages, params, sample)
        if self.use_cache:
            row = self.cache.cached_call(key)
            if row is not None:
                self.cache_hits += 1
                return _from_row(row), row["id"]
            if key in self._inflight:
                completion, call_id = await asyncio.shield(self._inflight[key])
                self.cache_hits += 1
                return completion.model_copy(update={"cached": True}), call_id
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            row = await self._await_lease(key) if self._leases else None
            if row is not None:  # another process asked, and its answer is in the cache
                self.cache_hits += 1
                result = _from_row(row), row["id"]
            else:
                record = self._record(key, messages, params, item_id, sample)
                completion = await self._with_retries(record, lambda: self.model.complete(messages, params),
                                                      renew=[key])
                result = completion, self._store_completion(record, completion)
            future.set_result(result)
            return result
        except BaseException as e:
            future.set_exception(e)
            future.exception()  # mark retrieved: nobody may be waiting on it
            raise
        finally:
            self._inflight.pop(key, None)
            self._release(key)

    async def complete_many(
        self, messages: list[Message], params: list[SamplingParams], samples: list[int], *, item_id: str | None
    ) -> list[tuple[Completion, str]]:
        """Several samples of one prompt (`params[j]` for sample `samples[j]`). Cached samples come
        from the store; the rest go out as one request for n completions where the backend can
        (the server processes the shared prompt once), else as parallel single requests. Either
        way each sample is stored under its own cache key, the key a single request would have."""
        keys = [cache_key(self.model.identity, messages, p, s) for p, s in zip(params, samples)]
        results: list[tuple[Completion, str] | None] = [None] * len(keys)
        if self.use_cache:
            for j, key in enumerate(keys):
                if (row := self.cache.cached_call(key)) is not None:
                    self.cache_hits += 1
                    results[j] = _from_row(row), row["id"]
        missing = [j for j, r in enumerate(results) if r is None]
        batchable = missing
        leased: list[str] = []  # the keys this call took leases on (released before the singles below)
        if self._leases and len(missing) > 1 and self._n_mode() is not False:
            # Only samples no other process is asking for go into an n request; the others wait
            # for their answers as single requests do (below), never while holding a lease here.
            batchable = []
            for j in missing:
                if self._acquire(keys[j]):
                    if (row := self.cache.cached_call(keys[j])) is not None:
                        self._release(keys[j])
                        self.cache_hits += 1
                        results[j] = _from_row(row), row["id"]
                    else:
                        batchable.append(j)
                        leased.append(keys[j])
        try:
            while len(batchable) > 1 and self._n_mode() is not False:
                # A server caps n at its parallel slots: at most as many samples per request as we have.
                batch = batchable[: self.model.capabilities.max_n or self._slots.total]
                # While it is unknown whether the server honours n, one request finds out at a time.
                async with self._n_probe if self._n_mode() is None else contextlib.nullcontext():
                    if self._n_mode() is False:
                        break
                    got = await self._sample_batch(messages, [params[j] for j in batch],
                                                   [samples[j] for j in batch], [keys[j] for j in batch], item_id)
                for j, result in zip(batch, got):
                    results[j] = result
                batchable = [j for j in batchable if results[j] is None]
                if len(got) < len(batch):
                    self._n_honoured = False  # the server gave fewer than asked: it does not do n
                    break
                self._n_honoured = True
        finally:
            for key in leased:
                self._release(key)
        missing = [j for j in missing if results[j] is None]
        singles = await asyncio.gather(*(self.complete(messages, params[j], item_id=item_id, sample=samples[j])
                                         for j in missing))
        for j, result in zip(missing, singles):
            results[j] = result
        return results  # type: ignore[return-value]

    def _n_mode(self) -> bool | None:
        """Declared `n` capability; for "the server decides" (None), what its answers showed so far."""
        declared = self.model.capabilities.n
        return declared if declared is not None else self._n_honoured

    async def _sample_batch(self, messages, params, samples, keys, item_id) -> list[tuple[Completion, str]]:
        record = self._record(keys[0], messages, params[0], item_id, samples[0])
        completions = await self._with_retries(record, lambda: self.model.complete_n(messages, params),
                                               slots=len(params), renew=keys)
        self.requests_n += 1
        return [(c, self._store_completion(self._record(key, messages, p, item_id, s), c))
                for c, key, p, s in zip(completions, keys, params, samples)]

    def _record(self, key, messages, params, item_id, sample) -> dict:
        return dict(cache_key=key, run_id=self.run_id, item_id=item_id, model=self.model.identity,
                    role=self.role, messages=[m.wire() for m in messages], params=params.key(), sample=sample)

    def _store_completion(self, record: dict, completion: Completion) -> str:
        self.calls_made += 1
        return self.cache.record_call(
            **record, response=redact(self.model, completion.text), prompt_tokens=completion.usage.prompt_tokens,
            completion_tokens=completion.usage.completion_tokens, latency_s=completion.latency_s,
            finish_reason=completion.finish_reason, logprobs=completion.logprobs,
            tool_calls=[c.model_dump() for c in completion.tool_calls] or None,
        )

    async def _with_retries(self, record: dict, call, slots: int = 1, renew: list[str] = ()):
        """`call()` within bounded retries, holding `slots` request slots (and the rate limit) per
        attempt; every failed attempt is recorded against the item (redacted of the backend's
        secrets). Each attempt renews the leases held on the `renew` keys."""
        for attempt in range(self.retry.max_attempts):
            for key in renew:
                if key in self._held:
                    self._acquire_plain(key)
            async with self._slots.take(slots):
                if self.rate_limit:
                    await self.rate_limit.acquire()
                start = time.perf_counter()
                try:
                    result = await call()
                except TransientModelError as e:
                    error, retry_after = e, e.retry_after
                except ModelError as e:
                    self.cache.record_call(**record, error=redact(self.model, f"{type(e).__name__}: {e}"),
                                           latency_s=time.perf_counter() - start)
                    raise
                else:
                    if self.rate_limit:
                        done = result if isinstance(result, list) else [result]
                        self.rate_limit.spent(sum(c.usage.prompt_tokens + c.usage.completion_tokens for c in done))
                    return result
            self.cache.record_call(
                **record, error=redact(self.model, f"{type(error).__name__} (attempt {attempt + 1}): {error}"),
                latency_s=time.perf_counter() - start)
            if attempt + 1 < self.retry.max_attempts:
                await asyncio.sleep(self.retry.delay(attempt, retry_after))
        raise ModelError(redact(self.model, f"gave up after {self.retry.max_attempts} attempts: {error}"))


def _check_tools(model: Model, params: SamplingParams) -> None:
    if params.tools and model.capabilities.tools == "none":
        raise ModelError(f"{model.identity} cannot use tools (its backend declares no tool support)")


@dataclass
class LM:
    """What a method sees for one model role: call the model, and every call lands in this item's
    trace (shared by all the roles working on the item) as a typed `ModelCall` event."""

    gateway: Gateway
    item_id: str
    trace: Trace = field(default_factory=Trace)

    @property
    def role(self) -> str:
        return self.gateway.role

    @property
    def capabilities(self):
        return self.gateway.model.capabilities

    async def __call__(
        self, messages: list[Message] | str, params: SamplingParams | None = None, *, tag: str = "", sample: int = 0
    ) -> Completion:
        if isinstance(messages, str):
            messages = [Message(role="user", content=messages)]
        completion, call_id = await self.gateway.complete(
            messages, params or SamplingParams(), item_id=self.item_id, sample=sample
        )
        self._trace(call_id, tag, completion)
        return completion

    async def samples(self, messages: list[Message], params: list[SamplingParams], samples: list[int], *,
                      tag: str = "sample") -> list[Completion]:
        """Samples `samples[j]` of one prompt with `params[j]` each (see Gateway.complete_many);
        trace tags are `tag` + the sample number."""
        results = await self.gateway.complete_many(messages, params, samples, item_id=self.item_id)
        for (completion, call_id), i in zip(results, samples):
            self._trace(call_id, f"{tag}{i}", completion)
        return [completion for completion, _ in results]

    def _trace(self, call_id: str, tag: str, completion: Completion) -> None:
        self.trace.append(ModelCall(
            role=self.role, call_id=call_id, tag=tag, cached=completion.cached,
            prompt_tokens=completion.usage.prompt_tokens, completion_tokens=completion.usage.completion_tokens,
            latency_s=completion.latency_s, tool_calls=[c.name for c in completion.tool_calls],
        ))
