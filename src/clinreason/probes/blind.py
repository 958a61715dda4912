"""`blind`: the image-blind baseline. The same question with its images removed and a sentence
saying that no image is available, so a text-only model can answer it and a paired comparison
(`clinreason compare WITH_IMAGE BLIND`, by source item) shows how much of a visual QA set can be
answered without looking. Items that show no image are skipped (nothing to take away)."""

from __future__ import annotations

from ..items import Item
from .base import PROBES, Probe

BLIND_NOTE = "(No image is available: answer from the question alone.)"


def has_images(item: Item) -> bool:
    return bool(getattr(item, "images", ())) or any(getattr(m, "images", ()) for m in item.messages or ())


@PROBES.register("blind", aliases=("image_blind", "no_image"))
class Blind(Probe):
    name = "blind"
    description = "images removed, the question says no image is available (image-blind baseline)"

    def skip_reason(self, item: Item) -> str | None:
        return None if has_images(item) else "shows no image"

    def derive(self, item: Item, seed: int = 0) -> list[Item]:
        changes: dict = {"question": f"{item.question}\n{BLIND_NOTE}", "images": ()}
        if item.messages:
            last_user = max((i for i, m in enumerate(item.messages) if m.role == "user"), default=None)
            changes["messages"] = tuple(
                m.model_copy(update={"images": (), "content": m.content + (f"\n{BLIND_NOTE}" if i == last_user else "")})
                for i, m in enumerate(item.messages))
        return [self.derived(item, "", **changes)]


def blind_items(items: list[Item]) -> tuple[list[Item], int]:
    """(the blind variant of every item that shows an image, how many showed none and were left out)."""
    probe = Blind()
    kept = [item for item in items if probe.skip_reason(item) is None]
    return [d for item in kept for d in probe.derive(item)], len(items) - len(kept)
