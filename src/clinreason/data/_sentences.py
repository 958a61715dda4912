"""Case text cut into sentences and atomic facts: shared by the episode loaders (AgentClinic prose)
and the `interactive` item transform. Conservative on purpose: a fact cut in the wrong place is
worse for a fact-retrieval patient than a fact that stays a little long."""

from __future__ import annotations

import re

# Words whose trailing period does not end a sentence (titles, Latin, units).
_ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "prof", "vs", "e.g", "i.e", "etc", "approx", "no", "fig", "st", "mt",
                  "al", "ca", "wt", "ht", "min", "max", "mg", "ml", "dl", "sr", "jr", "inc", "co"}
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+")
_SEMICOLON = re.compile(r";\s+")
_AND = re.compile(r",\s+and\s+")


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`, in order; line breaks (bullets, numbered lists) also end a sentence."""
    sentences: list[str] = []
    for line in (text or "").splitlines():
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line).strip()
        if not line:
            continue
        start = 0
        for match in _BOUNDARY.finditer(line):
            before = line[start:match.start()].rstrip(".!?\"')]")
            last_word = before.rsplit(None, 1)[-1].lower() if before.split() else ""
            if last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word):
                continue  # "Dr. Smith", "e.g. fever", an initial
            sentences.append(line[start:match.start()].strip())
            start = match.end()
        sentences.append(line[start:].strip())
    return [s for s in sentences if s]


def split_clauses(sentence: str, min_words: int = 3) -> list[str]:
    """A sentence cut on ';' and ', and' when every piece keeps at least `min_words` words (so
    "nausea, vomiting, and diarrhea" stays whole: the last piece would be one word)."""
    out = []
    for part in _cut(sentence, _SEMICOLON, min_words):
        out.extend(_cut(part, _AND, min_words))
    return out


def _cut(text: str, pattern: re.Pattern, min_words: int) -> list[str]:
    pieces = [p.strip(" ,;") for p in pattern.split(text)]
    if len(pieces) > 1 and all(len(p.split()) >= min_words for p in pieces):
        return pieces
    return [text.strip()]


def atomic_facts(text: str) -> list[str]:
    """Atomic facts of a case text: its sentences, each cut into clauses where that is safe."""
    return [clause for sentence in split_sentences(text) for clause in split_clauses(sentence)]


def strip_number(fact: str) -> str:
    """"3. Patient complains of fever." -> "Patient complains of fever." (MediQ numbers its facts)."""
    return _NUMBERED.sub("", fact, count=1).strip()
