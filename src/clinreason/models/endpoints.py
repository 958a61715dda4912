"""Several OpenAI-compatible endpoints serving one model, as one Model (e.g. one vLLM replica per GPU node).

    openai-compat:http://h1:8000/v1,http://h2:8000/v1#MODEL

Each request goes to the endpoint with the fewest requests outstanding (ties in turn). An endpoint
that fails (connection error, timeout, 5xx, 429, a garbled reply: anything `OpenAICompatModel`
calls transient) is backed off, exponentially and within bounds, and the request moves at once to
another endpoint; only when every endpoint failed it does the gateway see an error (and retry by
its own policy). A backed-off endpoint is tried again, one probe request at a time, once its
back-off ends. A refusal (4xx) is about the request, not the endpoint: it is not moved.

One gateway, one cache, one cost account: the identity names the model, never the endpoints
(`openai-compat:endpoints#MODEL`), so adding, dropping or reordering replicas keeps every cached
answer and the run id. The replicas are trusted to serve the same model under that name. (A
single-URL spec keeps its URL-bearing identity, unchanged, so its caches stay valid; a pool does
not share cache entries with single-URL runs.)

Before any work, every endpoint must answer `GET /models` within a few seconds (`preflight`): an
unreachable endpoint at the start is a clear error naming it (secrets redacted); one failing later
is tolerated. Per-endpoint counters: `stats()`.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Awaitable, Callable, TypeVar
from urllib.parse import urlsplit

import httpx

from ..redact import redact_url
from .openai_compat import OpenAICompatModel, _transport_fault
from .protocol import Backend, Completion, Message, ModelError, SamplingParams, TransientModelError

POOL_IDENTITY = "openai-compat:endpoints#{model}"
PREFLIGHT_TIMEOUT_S = 5.0  # per endpoint, all checked at once
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 30.0

# A comma starts the next endpoint only where a URL starts: a comma inside a password or a path stays.
_NEXT_URL = re.compile(r"\s*,\s*(?=[A-Za-z][A-Za-z0-9+.-]*://)")

T = TypeVar("T")


def split_urls(text: str) -> list[str]:
    """The base URLs of a comma-separated list (one URL: a list of one, the text unchanged)."""
    return _NEXT_URL.split(text) if "," in text else [text]


@dataclass
class _Endpoint:
    backend: OpenAICompatModel
    name: str  # the public URL: what messages and stats show
    requests: int = 0  # requests sent (attempts)
    failures: int = 0  # of which failed
    outstanding: int = 0  # in flight now
    streak: int = 0  # consecutive failures: the back-off grows with it, a success resets it
    until: float = 0.0  # time.monotonic() before which it is backed off

    def ready(self, now: float) -> bool:
        # After a back-off, one probe at a time: a still-dead endpoint costs one request, not a burst.
        return self.streak == 0 or (now >= self.until and self.outstanding == 0)

    def failed(self, retry_after: float | None) -> None:
        self.failures += 1
        self.streak += 1
        delay = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (self.streak - 1))
        if retry_after is not None:
            delay = min(BACKOFF_MAX_S, max(delay, retry_after))
        self.until = time.monotonic() + delay


class EndpointPool(Backend):
    """One model over several `OpenAICompatModel` backends (see the module's doc)."""

    def __init__(self, backends: list[OpenAICompatModel], model: str):
        if len(backends) < 2:
            raise ModelError("an endpoint pool needs at least two endpoints")
        self._endpoints = [_Endpoint(b, redact_url(b.base_url)) for b in backends]
        self.model = model
        self.identity = POOL_IDENTITY.format(model=model)
        self.capabilities = backends[0].capabilities  # replicas of one server: the same declarations
        # Concurrency is per endpoint: the pool serves as many requests at once as its endpoints together.
        self.max_concurrency = sum(b.max_concurrency for b in backends)
        self.secrets = tuple(sorted({s for b in backends for s in b.secrets}))
        self._turn = 0  # rotates the tie-break among equally loaded endpoints

    @classmethod
    def open(cls, urls: list[str], model: str, *, spec: str, api_key_env: str | None = None,
             max_concurrency: int = 8, timeout_s: float = 120.0, preflight: bool = True) -> "EndpointPool":
        """The pool of `urls` (each checked, then each reachable when `preflight`), or a ModelError naming
        the endpoint that is wrong. `max_concurrency` is per endpoint."""
        shown = redact_url(spec)
        seen: set[str] = set()
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ModelError(f"model spec {shown!r}: endpoint {redact_url(url)!r} is not an http:// or https:// "
                                 "URL (several endpoints: URL1,URL2#MODEL)")
            key = url.rstrip("/")
            if key in seen:
                raise ModelError(f"model spec {shown!r}: endpoint {redact_url(url)!r} is named twice")
            seen.add(key)
        backends = [OpenAICompatModel(url, model, api_key_env=api_key_env, max_concurrency=max_concurrency,
                                      timeout_s=timeout_s) for url in urls]
        pool = cls(backends, model)
        if preflight:
            pool.preflight(min(PREFLIGHT_TIMEOUT_S, timeout_s), api_key_env)
        return pool

    # --- before any work ---------------------------------------------------------------------------
    def preflight(self, timeout_s: float = PREFLIGHT_TIMEOUT_S, api_key_env: str | None = None) -> None:
        """Every endpoint answers GET /models within `timeout_s` (all asked at once), else a ModelError
        naming each that does not. Synchronous: it runs where the model is built, before any store is
        opened. Only the status is read, never the body."""
        import os

        key = os.environ.get(api_key_env) if api_key_env else None
        headers = {"Authorization": f"Bearer {key}"} if key else {}

        def check(ep: _Endpoint) -> str | None:
            url = ep.backend.base_url
            try:
                # Basic auth from a URL's userinfo is httpx's own doing, as for the requests themselves.
                with httpx.Client(headers=headers, timeout=timeout_s, verify=url.startswith("https://")) as client:
                    with client.stream("GET", f"{url}/models") as response:
                        status = response.status_code
            except httpx.HTTPError as e:
                return f"{_transport_fault(e)} ({type(e).__name__}: {e})"
            if status >= 500:
                return f"HTTP {status} from GET /models"
            if status in (401, 403):
                return f"HTTP {status} from GET /models: the credentials were refused"
            return None  # it answered: reachable (a 404 on /models alone is not worth refusing a server)

        with ThreadPoolExecutor(max_workers=min(32, len(self._endpoints))) as threads:  # 32 at once: bounded
            problems = list(threads.map(check, self._endpoints))
        bad = [f"{ep.name}: {problem}" for ep, problem in zip(self._endpoints, problems) if problem]
        if bad:
            raise ModelError(self.redact(
                f"{len(bad)} of {len(self._endpoints)} endpoints of {self.identity} unreachable "
                f"(checked GET /models within {timeout_s:g} s, before any work): " + "; ".join(bad)
                + ". Start them, or leave them out of the spec"))

    # --- requests ----------------------------------------------------------------------------------
    async def complete(self, messages: list[Message], params: SamplingParams) -> Completion:
        return await self._route(lambda b: b.complete(messages, params))

    async def complete_n(self, messages: list[Message], params: list[SamplingParams]) -> list[Completion]:
        return await self._route(lambda b: b.complete_n(messages, params))

    async def _route(self, call: Callable[[OpenAICompatModel], Awaitable[T]]) -> T:
        """`call` on the least-loaded endpoint; on a transient failure, on the next one not yet tried
        for this request; a TransientModelError naming each endpoint's failure once all failed."""
        tried: set[int] = set()
        errors: list[str] = []
        retry_after: list[float] = []
        while (i := self._pick(tried)) is not None:
            tried.add(i)
            ep = self._endpoints[i]
            ep.requests += 1
            ep.outstanding += 1
            try:
                result = await call(ep.backend)
            except TransientModelError as e:
                ep.failed(e.retry_after)
                errors.append(f"{ep.name}: {e}")
                if e.retry_after is not None:
                    retry_after.append(e.retry_after)
                continue
            finally:
                ep.outstanding -= 1
            ep.streak = 0
            return result
        raise TransientModelError(self.redact(f"all {len(errors)} endpoints failed: " + "; ".join(errors)),
                                  retry_after=min(retry_after) if retry_after else None)

    def _pick(self, tried: set[int]) -> int | None:
        """The untried endpoint with the fewest requests outstanding among those not backed off (ties in
        turn); when all left are backed off, the one whose back-off ends first (a last resort before the
        request fails); None when every endpoint was tried."""
        now = time.monotonic()
        left = [i for i in range(len(self._endpoints)) if i not in tried]
        if not left:
            return None
        ready = [i for i in left if self._endpoints[i].ready(now)]
        if not ready:
            return min(left, key=lambda i: self._endpoints[i].until)
        start, n = self._turn, len(self._endpoints)
        self._turn = (self._turn + 1) % n
        return min(ready, key=lambda i: (self._endpoints[i].outstanding, (i - start) % n))

    def stats(self) -> list[dict]:
        """Per endpoint (public URL): requests sent, failures, requests in flight, seconds of back-off left."""
        now = time.monotonic()
        return [{"endpoint": ep.name, "requests": ep.requests, "failures": ep.failures,
                 "outstanding": ep.outstanding,
                 "backed_off_s": round(max(0.0, ep.until - now), 3) if ep.streak else 0.0}
                for ep in self._endpoints]

    async def aclose(self) -> None:
        for ep in self._endpoints:
            await ep.backend.aclose()
