"""Images items show the model (VQA-RAD): reading and checking an image file, its bytes again
later (from the file, verified, or from the store), and the data URL a vision API is sent.

An image is named by the SHA-256 of its bytes (`chat.ImagePart`), never by its path: the same
image read from another folder is the same image, so item hashes, cache keys and run ids do not
depend on where the data lives.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Protocol

from .chat import ImagePart

MAX_BYTES = 20 * 2**20  # what the large vision APIs accept per image

# Magic bytes -> media type. WebP is RIFF....WEBP (checked below).
_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# How a well-formed file of each type ends (a truncated download lacks it).
_TRAILER = {"image/jpeg": b"\xff\xd9", "image/png": b"IEND\xaeB`\x82", "image/gif": b"\x3b"}


class ImageError(ValueError):
    """An image that cannot be used; the message names the file."""


class ImageSource(Protocol):
    """Where stored images come from (clinreason.store.Store)."""

    def get_image(self, sha256: str) -> tuple[str, bytes] | None: ...


def media_type(data: bytes) -> str | None:
    """The media type the magic bytes say (jpeg, png, gif, webp), else None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_image(data: bytes, where: str) -> str:
    """The media type of `data`; ImageError naming `where` when it is empty, too large, not an
    image or visibly truncated."""
    if not data:
        raise ImageError(f"{where}: the image file is empty")
    if len(data) > MAX_BYTES:
        raise ImageError(f"{where}: image of {len(data) / 2**20:.1f} MB; at most {MAX_BYTES // 2**20} MB")
    kind = media_type(data)
    if kind is None:
        raise ImageError(f"{where}: not an image (expected JPEG, PNG, GIF or WebP; starts with {data[:8]!r})")
    trailer = _TRAILER.get(kind)
    # JPEG writers may pad after the end marker: look for it near the end, not only at it.
    if trailer and trailer not in data[-64:]:
        raise ImageError(f"{where}: truncated {kind} (no end marker): a partial download?")
    if kind == "image/webp" and int.from_bytes(data[4:8], "little") + 8 > len(data):
        raise ImageError(f"{where}: truncated image/webp (the header promises more bytes)")
    return kind


def read_image(path: str | Path) -> ImagePart:
    """The image at `path`, checked (exists, readable, an image by its magic bytes, at most 20 MB,
    not truncated); ImageError naming the file otherwise."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ImageError(f"{path}: not a file")
        if size > MAX_BYTES:
            raise ImageError(f"{path}: image of {size / 2**20:.1f} MB; at most {MAX_BYTES // 2**20} MB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImageError(f"{path}: image file not found") from None
    except OSError as e:
        raise ImageError(f"{path}: cannot read the image: {e.strerror or e}") from None
    kind = check_image(data, str(path))
    return ImagePart(sha256=hashlib.sha256(data).hexdigest(), media_type=kind, path=str(path))


def image_bytes(part: ImagePart, store: ImageSource | None = None) -> bytes:
    """The image's bytes: from `part.path` when it is there and still holds this image (verified by
    SHA-256), else from `store`. ImageError when neither has it."""
    problem = "no path and no store given"
    if part.path:
        try:
            data = Path(part.path).read_bytes()
        except OSError as e:
            problem = f"{part.path}: {e.strerror or e}"
        else:
            if hashlib.sha256(data).hexdigest() == part.sha256:
                return data
            problem = f"{part.path}: the file changed since it was read (SHA-256 differs)"
    if store is not None:
        found = store.get_image(part.sha256)
        if found is not None:
            return found[1]
        problem += "; not in the store either"
    raise ImageError(f"image {part.sha256[:12]} ({part.path or 'no path'}) is not available: {problem}")


def data_url(part: ImagePart, data: bytes) -> str:
    """`data` as a data URL of the part's media type: "data:image/jpeg;base64,..."."""
    return f"data:{part.media_type};base64,{base64.b64encode(data).decode('ascii')}"


def item_images(items) -> dict[str, ImagePart]:
    """sha256 -> image, each image once, of every item (and every message of a conversation item)."""
    out: dict[str, ImagePart] = {}
    for item in items:
        for part in getattr(item, "images", ()) or ():
            out.setdefault(part.sha256, part)
        for message in getattr(item, "messages", None) or ():
            for part in message.images:
                out.setdefault(part.sha256, part)
    return out
