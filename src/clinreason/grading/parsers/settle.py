"""Settling several answers in one response: the last one stands when the model changed its mind
(a correction or a conclusion frames it) or stated it as the conclusion of numbered steps; a switch
with no such marker is a conflict, never a guess."""

from __future__ import annotations

import re

from ...items import Item
from .answer_phrase import Occurrence
from .options import norm
from .slots import CONFLICT

# What frames a later, different answer as a correction ("On reflection, ...", "No: ...", "However, ...")
# or as a conclusion ("so the answer is", "Refined answer:"), looked for just before it.
_CORRECTION = (
    r"\b(?:wait|actually|however|but|sorry|correct(?:ion|ed)|oops|instead|rather|reconsider\w*|mistake|wrong"
    r"|incorrect|reflection|second\s+thought|re-?evaluat\w*|revis\w*|refine\w*|update\w*"
    r"|espera|corrijo|en\s+realidad|attendez|je\s+corrige|en\s+fait|warte|korrektur)\b|待って|訂正|等等|更正|\bno\b[ \t]*+[:,.!]"
    # Hindi (no \b: Python counts its vowel signs as non-word characters): but, wait, correction, actually,
    # mistake, "(I) change (my answer)"
    r"|लेकिन|परंतु|परन्तु|रुकिए|रुको|सुधार|दरअसल|गलती|बदलता|बदलती|बदल\s*रहा|बदल\s*रही"
)
# ("overall" only as a sentence adverb, "Overall, ...": "overall metabolic balance" concludes nothing)
_CONCLUSION = (r"\b(?:therefore|thus|hence|so|conclu\w*|summary|overall(?=[ \t]*+,)|final(?:ly)?|ultimately|choose|select"
               r"|pick|decide)\b"
               r"|इसलिए|अतः|निष्कर्ष|अंततः")
_RECONSIDER = re.compile(rf"(?i){_CORRECTION}|{_CONCLUSION}")
_CORRECTS = re.compile(rf"(?i){_CORRECTION}")
# an answer stated flatly, as the response's opening ("The answer is A."): a later "Therefore, the answer
# is C" with no correction in between contradicts it rather than concluding from it
_FLAT = re.compile(r"(?i)[\W_]*+(?:the\s+)?(?:(?:correct|right|best)\s+)?answer\s+is\b")

_STEP_LINE = re.compile(r"(?i)[ \t*_#>-]*+(?:step[ \t]*+)?\d{1,2}[.):]")
# a lead-in that names itself final, or a correction ("所以更正为 C"), concludes whatever came before
_FINAL_LEADIN = re.compile(r"(?i)\bfinal\b|\bin\s+conclusion\b|最终|最終|更正|改为|改為|改成|改选|訂正")


def _changed_mind(between: str, item: Item) -> bool:
    """Does the text between two different answers change the model's mind: some reasoning (not just
    option text), and the later answer framed as a correction or a conclusion right before it?"""
    hay = norm(between)
    for option in item.options.values():
        hay = hay.replace(norm(option), " ")
    size = sum(1 if w.isascii() else max(1, len(w) // 2) for w in hay.split() if len(w) > 1 or not w.isascii())
    return bool(_RECONSIDER.search(between[-250:])) and (size >= 3 or len(between) < 250)


def _step(text: str, pos: int) -> bool:
    """Is `pos` on a numbered step of a review ("3. The answer is C ...", "Step 2: ...")?"""
    return bool(_STEP_LINE.match(text, text.rfind("\n", 0, pos) + 1))


def settle(found: list[Occurrence], text: str, item: Item) -> str:
    """The last occurrence's answer; CONFLICT when the model switched answers without changing its mind:
    at the last switch (the last occurrence of another answer, then the next one), nothing in between
    marks a correction or conclusion ("A. Muscle biopsy\\n\\nThe correct answer is D.\\n...The correct
    answer is D." is two answers). A lead-in that names itself final ("The final answer is") concludes."""
    if not _step(text, found[-1][0]) and any(_step(text, occ[0]) for occ in found):
        # "1. The answer is D ... 2. The answer is A ...\n\nThe answer is D.": steps, then the conclusion. When
        # the steps call three or more answers correct in turn (a loop), the last step stays (round 9): a
        # conclusion that differs from it with no "final" lead-in or change of mind ("... 8. The correct answer
        # is C.\n\nThe correct answer is D.") only adds one more answer to the loop
        steps = [occ for occ in found if _step(text, occ[0])]
        keep = steps[-1] if len({occ[2] for occ in steps}) >= 3 else None
        found = [occ for occ in found if not _step(text, occ[0]) or occ is keep]
    answer = found[-1][2]
    switch = next((i for i in range(len(found) - 2, -1, -1) if found[i][2] != answer), None)
    if switch is None:
        return answer
    start, end, _ = found[switch + 1]
    if _FINAL_LEADIN.search(text[start:end]):
        return answer
    between = text[found[switch][1] : start]
    # (round 9) an occurrence may end before its own word: "is no. The answer ... is yes" -- that "no." is the
    # earlier answer itself, not a "No: ..." taking it back
    between = re.sub(rf"(?i)^[ \t*_]*+{re.escape(found[switch][2])}\b", "", between, count=1)
    if not _changed_mind(between, item):
        return CONFLICT
    first = found[switch]
    if first is found[0] and not text[: first[0]].strip() and _FLAT.match(text, first[0]) \
            and not _CORRECTS.search(between[-250:]):
        return CONFLICT  # "The answer is A. <reasons> Therefore, the correct answer is C."
    return answer
