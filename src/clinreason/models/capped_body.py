"""Reading an HTTP reply body within bounds: at most `cap` bytes, counted decompressed.

A gzip bomb is refused as it inflates, never held whole: gzip/deflate are inflated here a bounded
step at a time, so memory stays about `cap` however well the body compresses.
"""

from __future__ import annotations

import zlib

import httpx

from .protocol import TransientModelError


async def _read_capped(response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    """The body, decompressed, and whether it is over `cap` bytes (reading stops there, so at most
    about `cap` bytes are ever held, however well the body compresses)."""
    length = response.headers.get("content-length")
    encoding = (response.headers.get("content-encoding") or "identity").strip().lower()
    if encoding == "identity" and length and length.isdigit() and int(length) > cap:
        return b"", True
    body = _Body(cap, encoding)
    # gzip/deflate are inflated here, `cap` at a time; any other encoding (the server sent one we
    # did not ask for) by httpx's decoder, counted as it comes.
    chunks = response.aiter_raw() if body.inflates else response.aiter_bytes()
    async for chunk in chunks:
        if not body.feed(chunk):
            return body.value(), True
    return body.value(), not body.finish()


class _Body:
    def __init__(self, cap: int, encoding: str):
        self.cap, self.size, self.parts = cap, 0, []
        self.encoding = encoding
        self.inflates = encoding in ("identity", "gzip", "x-gzip", "deflate")
        self._z = None
        self._fresh = True
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self._z = zlib.decompressobj(zlib.MAX_WBITS)

    def feed(self, data: bytes) -> bool:
        """Take a chunk; False once the body is over the cap."""
        if self._z is None:
            return self._add(data)
        try:
            while data and not self._z.eof:
                out = self._z.decompress(data, self.cap - self.size + 1)  # never more than the room left + 1
                self._fresh = False
                if not self._add(out):
                    return False
                data = self._z.unconsumed_tail
        except zlib.error as e:
            if self._fresh and self.encoding == "deflate":  # "deflate" sent raw, without the zlib header
                self._z, self._fresh = zlib.decompressobj(-zlib.MAX_WBITS), False
                return self.feed(data)
            raise TransientModelError(f"malformed response: the {self.encoding} body does not inflate ({e})") \
                from None
        return True

    def finish(self) -> bool:
        return self._add(self._z.flush()) if self._z is not None and not self._z.eof else True

    def _add(self, out: bytes) -> bool:
        self.parts.append(out[: self.cap - self.size])
        self.size += len(out)
        return self.size <= self.cap

    def value(self) -> bytes:
        return b"".join(self.parts)
