"""Images in OpenAI's chat shape: a message with images is sent as a list of content parts, its
text first, then one `image_url` part per image holding a base64 data URL (the bytes never enter a
cache key or the store's call log: those name images by SHA-256, see `chat.Message.wire`)."""

from __future__ import annotations

from functools import lru_cache

from ..chat import ImagePart, Message
from ..images import ImageError, data_url, image_bytes
from .protocol import ModelError


def openai_content(m: Message) -> str | list[dict]:
    """The message's `content` as OpenAI expects it: the text alone without images, else
    [{"type": "text", "text": ...}, {"type": "image_url", "image_url": {"url": "data:..."}}, ...]."""
    if not m.images:
        return m.content
    return [{"type": "text", "text": m.content},
            *({"type": "image_url", "image_url": {"url": _url(image)}} for image in m.images)]


@lru_cache(maxsize=32)  # a method asks several times about one image (votes, rounds): read it once
def _url(image: ImagePart) -> str:
    try:
        return data_url(image, image_bytes(image))
    except ImageError as e:  # the item's image is gone: this item fails, the run goes on
        raise ModelError(str(e)) from None
