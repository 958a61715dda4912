"""Images the items of runs show, stored once each by content (sha256), so a run's items can be
shown again (a resume, a report, another machine after a merge) when the image files are gone."""

from __future__ import annotations

import sqlite3
from typing import Iterable

from ..images import image_bytes, item_images
from ..items import Item

_CHUNK = 500


class ImagesMixin:
    db: sqlite3.Connection

    def get_image(self, sha256: str) -> tuple[str, bytes] | None:
        """(media type, bytes) of a stored image, else None."""
        row = self.db.execute("SELECT media_type, data FROM images WHERE sha256 = ?", (sha256,)).fetchone()
        return (row[0], bytes(row[1])) if row else None

    def _images_to_save(self, items: Iterable[Item]) -> list[tuple[str, str, bytes]]:
        """(sha256, media type, bytes) of the items' images the store lacks, read (and verified)
        now: an unreadable image fails (ImageError naming the file) before anything is written."""
        wanted = item_images(items)
        have: set[str] = set()
        shas = list(wanted)
        for start in range(0, len(shas), _CHUNK):
            chunk = shas[start:start + _CHUNK]
            have.update(r[0] for r in self.db.execute(
                f"SELECT sha256 FROM images WHERE sha256 IN ({','.join('?' * len(chunk))})", chunk))
        return [(sha, part.media_type, image_bytes(part)) for sha, part in wanted.items() if sha not in have]

    def _save_images(self, images: list[tuple[str, str, bytes]]) -> None:
        """Inside the caller's transaction: each image once (an image already stored stays)."""
        self.db.executemany("INSERT OR IGNORE INTO images (sha256, media_type, data) VALUES (?, ?, ?)", images)
