"""HTTP/1.1 by hand on asyncio streams, for FaultServer: only at this level can a server lie about
Content-Length, cut a chunked body short or reset the socket, which is what the faults are."""

from __future__ import annotations

import asyncio
import json
import socket
import struct

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
