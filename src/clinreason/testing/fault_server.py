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
import socket
import struct
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

# Faults a chat request can meet. "ok" is a healthy reply (after `delay_s`).
FAULTS = (
    "ok",
    "429",  # rate limited, with a Retry-After header
    "500",
    "503",
    "400",  # a bad request: must not be retried
    "reset",  # TCP reset before any response byte
    "hang",  # accepts the request, never answers (until hang_s): the client's timeout must fire
    "truncated",  # Content-Length promises more body than is sent, then the connection closes
    "invalid_json",  # a complete HTTP 200 whose body is cut-off JSON
    "empty_choices",  # a valid JSON body with "choices": []
    "stream_cut",  # a chunked (or, for stream=true, SSE) response that stops mid-way
    "bad_tool_calls",  # a complete HTTP 200 whose message.tool_calls are malformed
    # Complete HTTP 200 replies, well-formed JSON (except non_utf8) but not a chat completion:
    "non_utf8",  # the body holds bytes that are not UTF-8
    "lone_surrogate",  # content "\udc80" (escaped in JSON): no UTF-8 text can hold it
    "content_number",  # message.content is a number
    "content_garbled",  # message.content is a list, but not of text parts
    "bad_finish_reason",  # finish_reason is a number
    "usage_string",  # usage is a string
    "usage_negative",  # usage.completion_tokens < 0
    "usage_list",  # usage is a list
    "choice_not_object",  # choices holds a string
    "no_message",  # a choice without message
    "message_not_object",  # message is a string
    "trickle",  # a healthy body, one byte every trickle_s, cut after hang_s: no per-read timeout ever fires
    "echo_500",  # HTTP 500 whose body echoes the request's Authorization header (as careless servers do)
    # Not retryable:
    "echo_401",  # HTTP 401 whose body echoes the Authorization header
    "huge",  # a gzip bomb: a small gzip body that inflates to huge_bytes of JSON
    # Healthy replies in another shape:
    "content_parts",  # message.content as OpenAI's list of parts [{"type": "text", "text": ...}]
    "echo_200",  # a healthy reply whose text echoes the Authorization header
)
MALFORMED_FAULTS = ("non_utf8", "lone_surrogate", "content_number", "content_garbled", "bad_finish_reason",
                    "usage_string", "usage_negative", "usage_list", "choice_not_object", "no_message",
                    "message_not_object")
TRANSIENT_FAULTS = ("429", "500", "503", "reset", "hang", "truncated", "invalid_json", "empty_choices", "stream_cut",
                    "bad_tool_calls", *MALFORMED_FAULTS, "trickle", "echo_500")

Reply = Callable[[list[dict], "int | None"], str]
N_MODES = ("honour", "ignore", "reject")


def letter_reply(messages: list[dict], seed: int | None = None) -> str:
    """A deterministic answer in the format clinreason asks for, chosen by a hash of the prompt
    (and of the seed, when the request has one: sampled requests then differ by seed)."""
    key = messages if seed is None else [messages, seed]
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).digest()
    return f"The answer follows.\nANSWER: {'ABCD'[digest[0] % 4]}"


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


async def _read_request(reader: asyncio.StreamReader):
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    body = await reader.readexactly(length) if length else b""
    return method, path, headers, body


def _head(status: int, content_type: str, extra: dict | None = None) -> bytes:
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests",
              500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Status")
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {content_type}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _send(writer, status: int, body: bytes, content_type: str, extra: dict | None = None) -> bool:
    writer.write(_head(status, content_type, {"Content-Length": str(len(body)), **(extra or {})}) + body)
    await writer.drain()
    return True


async def _send_json(writer, status: int, payload: dict, extra: dict | None = None) -> bool:
    return await _send(writer, status, json.dumps(payload).encode(), "application/json", extra)


async def _send_sse(writer, request: dict, text: str, cut: bool) -> bool:
    writer.write(_head(200, "text/event-stream", {"Transfer-Encoding": "chunked"}))
    words = text.split(" ")
    for i, word in enumerate(words):
        if cut and i == len(words) // 2:
            await writer.drain()
            _reset(writer)
            return False
        delta = {"choices": [{"index": 0, "delta": {"content": (" " if i else "") + word}, "finish_reason": None}]}
        _chunk(writer, f"data: {json.dumps(delta)}\n\n".encode())
    end = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    _chunk(writer, f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    return True


def _chunk(writer, data: bytes) -> None:
    writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")


def _reset(writer) -> None:
    """Close with RST (SO_LINGER 0), the way a crashed or overloaded server drops a client."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


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
