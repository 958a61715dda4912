"""Where a prediction's confidence comes from, read into `prediction.info`:

- `confidence`: the model's own statement, a "CONFIDENCE: 80%" line it was asked for
  (`--param confidence=true` on direct / cot);
- `confidence_logprob`: the probability of the chosen option letter among the option letters, from
  the top logprobs of the answer token (`--param logprobs=true`; llama.cpp and OpenAI-compatible
  servers return them);
- `confidence_vote`: the share of self-consistency samples that gave the voted answer (cot_sc,
  medprompt, debate record it with every vote).

`calibration_summary` turns a run's stored confidences and answer grades (Store.confidences) into
the metrics of grading/calibration.py, per source."""

from __future__ import annotations

import math
import re
from typing import Any, Iterable

SOURCES = {"confidence": "stated", "confidence_logprob": "logprob", "confidence_vote": "vote share"}

_STATED = re.compile(r"confidence\s*[:=]\s*\**\s*(\d{1,3}(?:\.\d+)?)\s*(%?)", re.IGNORECASE)
_ANSWER = re.compile(r"answer\s*[:=]", re.IGNORECASE)
_LETTER_TOKEN = re.compile(r"^[\s(*\[]*([A-Za-z])[\s).*\],:]*$")


def parse_stated_confidence(text: str | None) -> float | None:
    """The last "CONFIDENCE: N%" in the reply as a probability. N is read on the 0-100 scale that
    was asked for; a bare decimal at most 1 ("0.8") is taken as already a probability, because
    "0.8%" is never what a model that writes it means. None when absent or out of range."""
    found = _STATED.findall(text or "")
    if not found:
        return None
    number, percent = found[-1]
    value = float(number)
    if not percent and "." in number and value <= 1:
        return value
    return value / 100 if value <= 100 else None


def option_distribution(logprobs: list[dict[str, Any]] | None, letters: Iterable[str]) -> dict[str, float] | None:
    """P(letter) over the option letters at the answer token (see `_answer_token`): the
    probabilities of the top-logprob alternatives that are option letters (" B", "B", "(B") are
    summed per letter and renormalised over the letters, so the mass the model put on other tokens
    is left out. None when the reply has no logprobs or no answer token."""
    found = _answer_token(logprobs, {str(x).upper() for x in letters})
    return None if found is None else _renormalised(found[0], {str(x).upper() for x in letters})


def logprob_confidence(logprobs: list[dict[str, Any]] | None, options: dict[str, str] | None) -> dict:
    """info fields for the logprob source: the letter distribution and the probability of the
    letter the model wrote ({} when there is nothing to read)."""
    letters = {str(x).upper() for x in (options or {})}
    found = _answer_token(logprobs, letters)
    dist = None if found is None else _renormalised(found[0], letters)
    if not dist:
        return {}
    return {"option_probs": {k: round(v, 6) for k, v in dist.items()},
            "confidence_logprob": dist.get(found[1], 0.0)}


def _answer_token(logprobs: list[dict[str, Any]] | None, letters: set[str]) -> tuple[dict, str] | None:
    """(logprob entry, letter) of the answer token: the first non-blank token after the last
    "ANSWER:" (a reply without that line: its first non-blank token), when it is an option letter."""
    if not logprobs or not letters:
        return None
    tokens = [str(t.get("token", "")) for t in logprobs]
    anchors = list(_ANSWER.finditer("".join(tokens)))
    start_char = anchors[-1].end() if anchors else 0
    offset = 0
    for entry, token in zip(logprobs, tokens):
        offset += len(token)
        if offset <= start_char or not token.strip(" \t*(["):
            continue  # before the anchor, or blank / markup before the letter
        letter = _letter(token)
        return (entry, letter) if letter in letters else None
    return None


def _letter(token: str) -> str | None:
    match = _LETTER_TOKEN.match(token)
    return match.group(1).upper() if match else None


def _renormalised(entry: dict[str, Any], letters: set[str]) -> dict[str, float] | None:
    alternatives = entry.get("top_logprobs") or [{"token": entry.get("token"), "logprob": entry.get("logprob")}]
    mass: dict[str, float] = {}
    for alt in alternatives:
        letter, logprob = _letter(str(alt.get("token", ""))), alt.get("logprob")
        if letter in letters and isinstance(logprob, (int, float)) and math.isfinite(logprob):
            mass[letter] = mass.get(letter, 0.0) + math.exp(logprob)
    total = sum(mass.values())
    return {k: v / total for k, v in sorted(mass.items())} if total > 0 else None


def pairs_by_source(rows: Iterable[dict]) -> dict[str, list[tuple[float, float]]]:
    """{source: [(confidence, correct)]} from rows {"value": the answer grade (1.0 right; 0.0
    wrong or unparsed), "confidence": ..., "confidence_logprob": ..., "confidence_vote": ...}."""
    out: dict[str, list[tuple[float, float]]] = {}
    for row in rows:
        if row.get("value") is None:
            continue
        for key, source in SOURCES.items():
            value = as_probability(row.get(key))
            if value is not None:
                out.setdefault(source, []).append((value, 1.0 if row["value"] == 1.0 else 0.0))
    return out


def calibration_summary(rows: Iterable[dict]) -> dict:
    """{source: calibration metrics} (grading/calibration.py) for every source the rows carry."""
    from .calibration import calibration_metrics

    return {source: calibration_metrics(pairs) for source, pairs in pairs_by_source(rows).items()}


def as_probability(value) -> float | None:
    """A stored confidence in [0, 1] (percentages above 1 are rescaled, as the report always did)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        return None
    value = float(value) / 100 if 1 < value <= 100 else float(value)
    return value if 0 <= value <= 1 else None
