"""Thumbnails of item images for the report's item browser, read from the store (the report needs no
data directory) and re-encoded here: every image becomes a small JPEG that we encoded ourselves, put
in the page as a data: URL that we built. Nothing a model or a dataset provides (a URL, a file name,
a media type) reaches an `src` attribute.

An image shared by several items (VQA-RAD asks many questions about one scan) is embedded once. The
total is bounded (THUMB_BUDGET_BYTES of base64 text per report): past it, the remaining images are
left out and the report says how many and why."""

from __future__ import annotations

import base64
import io
from typing import Any

THUMB_MAX_SIDE = 160  # pixels, long side
THUMB_QUALITY = 70  # JPEG quality
THUMB_BUDGET_BYTES = 4 * 1024 * 1024  # data: URL text per report, all thumbnails together
DATA_URL_PREFIX = "data:image/jpeg;base64,"  # the only kind of URL a thumbnail ever has (report.js checks it)


def thumbnail(data: bytes, max_side: int = THUMB_MAX_SIDE, quality: int = THUMB_QUALITY) -> bytes | None:
    """A JPEG of at most `max_side` px on its long side (first frame of an animation; transparency over
    white), or None when Pillow cannot read the bytes (or they decode to a decompression bomb)."""
    from PIL import Image  # Pillow (a matplotlib dependency): only when a report has images

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale (fast on big scans)
            img.seek(0)
            img.thumbnail((max_side, max_side))
            if img.mode in ("RGBA", "LA", "P"):
                img = img.convert("RGBA")
                flat = Image.new("RGB", img.size, "white")
                flat.paste(img, mask=img.getchannel("A"))
                img = flat
            elif img.mode != "RGB":
                img = img.convert("RGB")
            out = io.BytesIO()
            img.save(out, "JPEG", quality=quality, optimize=True)
            return out.getvalue()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, EOFError):
        return None


def _stored(store, sha256: str) -> bytes | None:
    get = getattr(store, "get_image", None)  # a store from before images has no images table
    if get is None:
        return None
    try:
        found = get(sha256)
    except (OSError, ValueError, KeyError):
        return None
    return None if found is None else found[1]


def embed_thumbnails(store, items: list[dict], budget: int = THUMB_BUDGET_BYTES) -> dict[str, Any]:
    """Thumbnails for the report's items (data.collect's `items`, each with "images": [{"sha256", ...}]):
    -> {"thumbs": {sha256: data URL}, "n_images", "n_embedded", "n_over_budget", "n_missing",
    "n_unreadable", "bytes", "budget", "note"}. Items keep their hashes; the page looks them up in
    `thumbs` (an image left out shows as a placeholder). Images are taken in item order."""
    thumbs: dict[str, str] = {}
    seen: set[str] = set()
    total = over = missing = unreadable = 0
    for item in items:
        for image in item.get("images") or ():
            sha = str(image.get("sha256") or "")
            if not sha or sha in seen:
                continue
            seen.add(sha)
            if over:  # the budget is spent: later images are only counted (not read, not decoded)
                over += 1
                continue
            data = _stored(store, sha)
            if data is None:
                missing += 1
                continue
            small = thumbnail(data)
            if small is None:
                unreadable += 1
                continue
            url = DATA_URL_PREFIX + base64.b64encode(small).decode("ascii")
            if total + len(url) > budget:
                over += 1
                continue
            thumbs[sha] = url
            total += len(url)
    notes = []
    if over:
        notes.append(f"{over} of {len(seen)} images left out: the report's thumbnails are capped at "
                     f"{budget / 1024 / 1024:.1f} MB (THUMB_BUDGET_BYTES in clinreason/report/images.py)")
    if missing:
        notes.append(f"{missing} images not in the store (saved by runs made before images were stored)")
    if unreadable:
        notes.append(f"{unreadable} images could not be decoded")
    return {"thumbs": thumbs, "n_images": len(seen), "n_embedded": len(thumbs), "n_over_budget": over,
            "n_missing": missing, "n_unreadable": unreadable, "bytes": total, "budget": budget,
            "note": "; ".join(notes) + "." if notes else None}
