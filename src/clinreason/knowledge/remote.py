"""`http`: a search service at a URL the user gives (a dense MedCPT server, an Elasticsearch proxy...).

Request: `POST URL` with JSON `{"query": "...", "k": 5}`. Response: JSON `{"passages": [{"id": "...",
"text": "...", "title": "...", "score": 1.2}, ...]}` (or the bare list); `title` and `score` optional.
The URL may carry a secret (`https://user:key@host/search`, `?api_key=...`): it is used to connect,
but what is recorded and shown (run config, traces, errors) is the public form without it."""

from __future__ import annotations

import httpx

from ..redact import public_spec
from . import RETRIEVERS, Passage, RetrievalError

TIMEOUT_S = 10.0
MAX_PASSAGES = 100
MAX_TEXT = 20_000  # characters of one passage kept: a runaway service cannot flood a prompt


@RETRIEVERS.register("http")
class HttpRetriever:
    def __init__(self, url: str, timeout_s: float = TIMEOUT_S, retries: int = 1):
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"http retriever: {public_spec(url)!r} is not an http(s) URL")
        self.url, self.public_url = url, public_spec(url)
        self.name = "http:" + httpx.URL(url).host
        self.retries = retries
        self.client = httpx.Client(timeout=httpx.Timeout(timeout_s), follow_redirects=False)

    @classmethod
    def identity(cls, arg: str, *, data_dir=None) -> dict:
        return {"spec": public_spec(arg)}  # a remote index has no content hash we can know

    @classmethod
    def open(cls, arg: str, *, data_dir=None, cache_dir=None) -> "HttpRetriever":
        return cls(arg)

    def search(self, query: str, k: int) -> list[Passage]:
        for attempt in range(self.retries + 1):
            try:
                response = self.client.post(self.url, json={"query": query, "k": k})
                break
            except httpx.TransportError as e:  # timeouts and refused connections: one retry, then fail
                if attempt == self.retries:
                    raise RetrievalError(f"search service {self.public_url}: {type(e).__name__}") from None
        if response.status_code != 200:
            raise RetrievalError(f"search service {self.public_url}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise RetrievalError(f"search service {self.public_url}: the response is not JSON") from None
        rows = body.get("passages") if isinstance(body, dict) else body
        if not isinstance(rows, list):
            raise RetrievalError(f"search service {self.public_url}: expected {{\"passages\": [...]}}")
        return [self._passage(row, n) for n, row in enumerate(rows[:min(k, MAX_PASSAGES)])]

    def _passage(self, row, n: int) -> Passage:
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise RetrievalError(f"search service {self.public_url}: passage {n} has no 'text'")
        score = row.get("score", 0.0)
        title = row.get("title") or ""
        return Passage(id=f"{self.name}:{row.get('id', n)}", text=row["text"][:MAX_TEXT],
                       title=title if isinstance(title, str) else str(title),
                       score=float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else 0.0)

    def close(self) -> None:
        self.client.close()
