"""A fault-injecting OpenAI-compatible chat server on 127.0.0.1, for resilience tests and benches.

Each chat request takes the next fault from a scripted sequence (then `default`), so a test
states exactly what the client meets: 429 with Retry-After, 5xx, connection resets, hangs,
truncated bodies, invalid JSON, empty choices, garbled tool calls, chunked or SSE streams cut
short. Healthy replies are deterministic (a function of the prompt), so a cache or resume bug
shows up. A request offering `tools` gets a call of its first tool (arguments: `tool_arguments`)
unless its last message is a tool result, which is answered "ANSWER: <the result>".

Written on raw asyncio streams (stdlib only) because the interesting faults live below HTTP:
a framework would not let us reset a socket or lie about Content-Length. The server has a
bounded lifetime and stops by itself, in a thread (`with FaultServer(...) as url:`) or as a
process (`python -m clinreason.testing.fault_server --lifetime 60`, prints its URL).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

# The pieces live in their own modules; their names stay importable from here.
from .fault_catalog import FAULTS, MALFORMED_FAULTS, N_MODES, TRANSIENT_FAULTS  # noqa: F401
from .fault_payloads import (_MALFORM, Reply, _call_first_tool, _completion, _first_message, _gzip_bomb,  # noqa: F401
                             letter_reply)
from .raw_http import _head, _read_request, _reset, _send, _send_json, _send_sse  # noqa: F401


@dataclass
class FaultServer:
    faults: list[str] = field(default_factory=list)  # consumed in order, one per chat request
    default: str = "ok"  # once the sequence is used up
    delay_s: float = 0.0  # per healthy reply: a stand-in for generation time
    retry_after_s: float = 1.0  # the Retry-After header sent with 429
    hang_s: float = 30.0  # how long "hang" holds the connection before closing it (and "trickle" trickles)
    trickle_s: float = 0.5  # "trickle": the pause before each byte of the body
    huge_bytes: int = 64 * 2**20  # "huge": the inflated size of the gzip bomb
    lifetime_s: float = 120.0  # the server stops by itself after this long
    reply: Reply = letter_reply
    # What a request with n > 1 gets: "honour" (n choices, choice j seeded seed + j as llama.cpp's
    # llama-server does), "ignore" (one choice, as llama-cpp-python's server), "reject" (HTTP 400).
    n_mode: str = "honour"
    # The arguments of the tool call a healthy reply to a request with tools makes.
    tool_arguments: dict = field(default_factory=dict)
    port: int = 0
    # What happened, for tests to assert on (never the Authorization header itself).
    served: Counter = field(default_factory=Counter)
    requests: int = 0
    n_requests: int = 0  # requests that asked for n > 1
    n_asked: Counter = field(default_factory=Counter)  # n -> how many requests asked for it
    auth_hashes: set = field(default_factory=set)
    bodies: list = field(default_factory=list)  # every chat request body, parsed, in arrival order

    def __post_init__(self) -> None:
        unknown = set(self.faults) - set(FAULTS) | ({self.default} - set(FAULTS))
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; known: {', '.join(FAULTS)}")
        if self.n_mode not in N_MODES:
            raise ValueError(f"unknown n_mode {self.n_mode!r}; known: {', '.join(N_MODES)}")
        self._queue = list(self.faults)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None
        self._started = threading.Event()
        self._writers: set = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def push(self, *faults: str) -> None:
        """Queue more faults (e.g. between two runs of a test)."""
        with self._lock:
            self._queue.extend(faults)

    def next_fault(self) -> str:
        with self._lock:
            self.requests += 1
            fault = self._queue.pop(0) if self._queue else self.default
            self.served[fault] += 1
            return fault

    # --- lifecycle ------------------------------------------------------------------------
    async def serve(self) -> None:
        """Serve until stop() or lifetime_s, whichever comes first."""
        self._stopped = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        server = await asyncio.start_server(self._connection, "127.0.0.1", self.port)
        self.port = server.sockets[0].getsockname()[1]
        self._started.set()
        async with server:
            try:
                await asyncio.wait_for(self._stopped.wait(), timeout=self.lifetime_s)
            except TimeoutError:
                pass
            for writer in list(self._writers):  # connections still hanging: their clients see a reset
                _reset(writer)

    def start(self) -> str:
        self._thread = threading.Thread(target=lambda: asyncio.run(self.serve()), daemon=True, name="fault-server")
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("fault server did not start")
        return self.url

    def stop(self) -> None:
        if self._loop and self._stopped and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._stopped.set)
            except RuntimeError:  # loop already gone: it stopped by itself
                pass
        if self._thread:
            self._thread.join(10)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- HTTP -----------------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:  # keep-alive: clients reuse connections
                request = await _read_request(reader)
                if request is None:
                    break
                keep_open = await self._handle(*request, writer)
                if not keep_open:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError):
            pass  # the client went away, or the server is stopping
        finally:
            self._writers.discard(writer)
            if not writer.transport.is_closing():
                writer.close()

    async def _handle(self, method: str, path: str, headers: dict, body: bytes, writer) -> bool:
        if auth := headers.get("authorization"):
            # Only a hash is kept: a secrets test can check the key arrived without storing it.
            self.auth_hashes.add(hashlib.sha256(auth.encode()).hexdigest())
        if method == "GET" and path.endswith("/models"):
            return await _send_json(writer, 200, {"object": "list", "data": [{"id": "fault", "object": "model"}]})
        if method == "GET" and path == "/_stats":
            return await _send_json(writer, 200, {"requests": self.requests, "served": dict(self.served)})
        if method != "POST" or not path.endswith("/chat/completions"):
            return await _send_json(writer, 404, {"error": {"message": f"no route {method} {path}"}})
        try:
            request = json.loads(body)
            messages = request["messages"]
        except (json.JSONDecodeError, KeyError, TypeError):
            return await _send_json(writer, 400, {"error": {"message": "body must be JSON with messages"}})
        with self._lock:
            self.bodies.append(request)
        n = request.get("n") or 1
        if not isinstance(n, int) or n < 1:
            return await _send_json(writer, 400, {"error": {"message": "n must be a positive integer"}})
        self.n_asked[n] += 1
        if n > 1:
            self.n_requests += 1
            if self.n_mode == "reject":
                return await _send_json(writer, 400, {"error": {"message": "Only one completion choice is allowed"}})
        fault = self.next_fault()
        if fault.startswith("echo_"):  # only these see the header; it is never kept
            request = {**request, "_authorization": headers.get("authorization")}
        return await self._respond(fault, request, messages, writer)

    async def _respond(self, fault: str, request: dict, messages: list[dict], writer) -> bool:
        if fault == "429":
            return await _send_json(writer, 429, {"error": {"message": "rate limited"}},
                                    {"Retry-After": f"{self.retry_after_s:g}"})
        if fault in ("500", "503", "400"):
            return await _send_json(writer, int(fault), {"error": {"message": f"injected {fault}"}})
        if fault in ("echo_401", "echo_500"):
            # What a careless server does: the credential it refused, quoted back in full.
            sent = request.get("_authorization") or "(none)"
            return await _send_json(writer, int(fault[-3:]), {"error": {
                "message": f"Incorrect API key provided: {sent}. You can find your API key at https://example"}})
        if fault == "huge":
            return await _send(writer, 200, _gzip_bomb(self.huge_bytes), "application/json",
                               {"Content-Encoding": "gzip"})
        if fault == "reset":
            _reset(writer)
            return False
        if fault == "hang":
            await asyncio.sleep(self.hang_s)
            return False
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        n = (request.get("n") or 1) if self.n_mode == "honour" else 1
        seed = request.get("seed")
        last = messages[-1] if messages and isinstance(messages[-1], dict) else {}
        after_tool = last.get("role") == "tool"
        if request.get("tools") and after_tool:
            texts = [f"ANSWER: {last.get('content') or ''}"] * n
        else:
            texts = [self.reply(messages, None if seed is None else seed + j) for j in range(n)]
        text = texts[0]
        payload = _completion(request, texts)
        if request.get("tools") and not after_tool:
            _call_first_tool(payload, request, self.tool_arguments)
        if fault == "empty_choices":
            payload["choices"] = []
        if fault == "bad_tool_calls":
            for choice in payload["choices"]:
                choice["message"]["tool_calls"] = [{"id": "call_bad", "type": "function", "function": "garbled"}]
                choice["finish_reason"] = "tool_calls"
        if fault in _MALFORM:
            _MALFORM[fault](payload)
        if fault == "content_parts":
            for choice in payload["choices"]:
                text = choice["message"]["content"] or ""
                half = len(text) // 2
                choice["message"]["content"] = [{"type": "text", "text": text[:half]},
                                                {"type": "text", "text": text[half:]}]
        if fault == "echo_200":
            for choice in payload["choices"]:
                choice["message"]["content"] = f"You sent {request.get('_authorization') or '(none)'}\nANSWER: A"
        if fault == "non_utf8":
            _first_message(payload)["content"] = "NOT-UTF-8 ANSWER: A"
            raw = json.dumps(payload).encode().replace(b"NOT-UTF-8", b"\xff\xfe\xc0", 1)
            return await _send(writer, 200, raw, "application/json")
        if fault == "trickle":
            raw = json.dumps(payload).encode()
            writer.write(_head(200, "application/json", {"Content-Length": str(len(raw))}))
            give_up = time.monotonic() + self.hang_s
            for i in range(len(raw)):  # bounded by the body's length, and by hang_s: then the body is cut
                await writer.drain()
                await asyncio.sleep(self.trickle_s)
                if writer.transport.is_closing():
                    return False
                if time.monotonic() >= give_up:
                    _reset(writer)
                    return False
                writer.write(raw[i:i + 1])
            await writer.drain()
            return True
        if fault == "invalid_json":
            raw = json.dumps(payload).encode()
            return await _send(writer, 200, raw[: len(raw) // 2], "application/json")
        if fault == "truncated":
            raw = json.dumps(payload).encode()
            head = _head(200, "application/json", {"Content-Length": str(len(raw))})
            writer.write(head + raw[: len(raw) // 2])
            await writer.drain()
            _reset(writer)
            return False
        if request.get("stream"):
            return await _send_sse(writer, request, text, cut=fault == "stream_cut")
        if fault == "stream_cut":
            raw = json.dumps(payload).encode()
            writer.write(_head(200, "application/json", {"Transfer-Encoding": "chunked"}))
            writer.write(f"{len(raw):x}\r\n".encode() + raw[: len(raw) // 2])
            await writer.drain()
            _reset(writer)
            return False
        return await _send_json(writer, 200, payload)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--faults", default="", help=f"comma-separated sequence from: {', '.join(FAULTS)}")
    parser.add_argument("--default", default="ok")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds per healthy reply")
    parser.add_argument("--retry-after", type=float, default=1.0)
    parser.add_argument("--hang", type=float, default=30.0)
    parser.add_argument("--trickle", type=float, default=0.5, help="seconds before each body byte of 'trickle'")
    parser.add_argument("--huge-bytes", type=int, default=64 * 2**20, help="inflated size of the 'huge' gzip bomb")
    parser.add_argument("--lifetime", type=float, default=120.0, help="stop by itself after this many seconds")
    parser.add_argument("--n-mode", choices=N_MODES, default="honour", help="what a request with n > 1 gets")
    args = parser.parse_args(argv)
    server = FaultServer(faults=[f for f in args.faults.split(",") if f], default=args.default,
                         delay_s=args.delay, retry_after_s=args.retry_after, hang_s=args.hang,
                         trickle_s=args.trickle, huge_bytes=args.huge_bytes,
                         lifetime_s=args.lifetime, port=args.port, n_mode=args.n_mode)

    async def run() -> None:
        task = asyncio.create_task(server.serve())
        while not server._started.is_set() and not task.done():
            await asyncio.sleep(0.01)
        print(server.url, flush=True)
        await task

    asyncio.run(run())
    sys.exit(0)


if __name__ == "__main__":
    main()
