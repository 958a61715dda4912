"""The arithmetic of consultation episodes (issue 15), pure functions over what a consult method
recorded (THE TRACE CONTRACT): `prediction.info["episode"]` and the trace's `turn` and
`model_call` events, read as the stored JSON dicts so traces from any version parse.

Patient faithfulness, rule-based: a model patient's reply is checked word by word against the
item's facts and the doctor's question it answers. A content word (not a function word, not a
stock conversational word) that appears in no fact and not in the question is *unsupported*; a
reply with one or more is counted unfaithful. Limits, on purpose kept simple and documented:
- paraphrase reads as invented: "my chest hurts" against the fact "chest pain" flags "hurts", so
  the rule over-counts unfaithfulness (read it as an upper bound; `judge:faithfulness` is the check
  that understands meaning);
- a contradiction made of the facts' own words passes: "no fever" against "fever for 3 days", or a
  number moved between facts ("3 weeks" when the facts say "3 days" and "2 weeks");
- matching is on crude stems (plural/-ed/-ing stripped) and English only; number words one..twenty
  count as their digits.
Deterministic (fact-retrieval) patients, whose turns carry no model role, reply with the facts'
own text and are not checked: their faithfulness is None, not 1.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

PATIENT, DOCTOR = "patient", "doctor"
_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)?")
_NUMBERS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
# Function words and what any patient says in any reply ("yes doctor, I've been feeling ..."): never evidence.
STOPWORDS = frozenset("""
a about above after again against all also am an and any anything are as at be because been before being
below between both but by can cannot could did do does doing don done down during each else ever every few
for from further had has have having he her here hers herself him himself his how i if in into is it its
itself just me more most much my myself no nor not now of off on once only or other our ours out over own
really same she should so some something than that the their theirs them then there these they this those
through to too under until up upon very was we were what when where which while who whom why will with
would you your yours yourself yes yeah okay ok well sure think know dont didnt doesnt isnt wasnt havent
ive im its thats theres doctor doc feel feeling felt get got getting bit lot little kind sort quite maybe
actually like just still sometimes usually thing things anything nothing say said tell told remember noticed
notice been ve ll re s t d m
""".split())


def episode_info(info: dict | None) -> dict | None:
    """The episode record a consult method stored (info["episode"]), or None for plain predictions."""
    episode = (info or {}).get("episode")
    return episode if isinstance(episode, dict) else None


def turn_events(trace: Iterable[Any] | None) -> list[dict]:
    """The dialogue turns of a trace (stored dicts or typed events), in order."""
    out = []
    for event in trace or []:
        data = event.model_dump(mode="json") if hasattr(event, "model_dump") else event
        if isinstance(data, dict) and data.get("type") == "turn":
            out.append(data)
    return out


def info_gained(episode: dict) -> float | None:
    """Facts elicited / facts the case has (None when the case has no facts)."""
    n_facts = episode.get("n_facts")
    if not isinstance(n_facts, int) or n_facts <= 0:
        return None
    revealed = {f for f in episode.get("facts_revealed") or [] if isinstance(f, int) and 0 <= f < n_facts}
    return len(revealed) / n_facts


def tokens_per_turn(trace: Iterable[Any] | None, turns: int | None) -> tuple[float | None, dict[str, float]]:
    """(all model tokens / turns, the same per model role) from the trace's model calls; cached
    calls count (they are the episode's cost when not replayed)."""
    if not turns:
        return None, {}
    by_role: dict[str, int] = {}
    for event in trace or []:
        data = event.model_dump(mode="json") if hasattr(event, "model_dump") else event
        if not isinstance(data, dict) or data.get("type", "model_call") != "model_call":
            continue
        tokens = int(data.get("prompt_tokens") or 0) + int(data.get("completion_tokens") or 0)
        role = str(data.get("role") or "model")
        by_role[role] = by_role.get(role, 0) + tokens
    return sum(by_role.values()) / turns, {role: n / turns for role, n in sorted(by_role.items())}


def _stem(word: str) -> str:
    word = _NUMBERS.get(word, word)
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: len(word) - len(suffix)] + repl
    return word


def content_words(text: str) -> list[str]:
    """Lower-cased words that carry content (no stopwords, no single letters), apostrophes dropped."""
    words = _WORD.findall((text or "").lower().replace("'", "").replace("\u2019", ""))
    return [w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def unsupported_words(reply: str, facts: Iterable[str], question: str = "") -> list[str]:
    """The reply's content words found (as stems) in no fact and not in the question, once each."""
    known = {_stem(w) for text in (*facts, question) for w in content_words(text)}
    out: list[str] = []
    for word in content_words(reply):
        if _stem(word) not in known and word not in out:
            out.append(word)
    return out


def faithfulness(trace: Iterable[Any] | None, facts: Iterable[str]) -> dict:
    """Rule-based check of every model-patient reply: {checked, unfaithful, faithfulness (share of
    checked replies with no unsupported word; None when none was checked), replies: [{turn,
    unsupported}] for the unfaithful ones}."""
    facts = list(facts)
    question, checked, flagged = "", 0, []
    for turn in turn_events(trace):
        if turn.get("speaker") == DOCTOR:
            question = str(turn.get("text") or "")
        elif turn.get("speaker") == PATIENT and turn.get("role"):
            checked += 1
            words = unsupported_words(str(turn.get("text") or ""), facts, question)
            if words:
                flagged.append({"turn": turn.get("turn"), "unsupported": words[:12]})
    return {"checked": checked, "unfaithful": len(flagged),
            "faithfulness": (checked - len(flagged)) / checked if checked else None, "replies": flagged[:20]}


def carried_curve(correct_after: list[float | None], final: float | None, length: int) -> list[float | None]:
    """Correctness after turns 1..length of one episode: its intermediate answers, and its final
    answer for the turns after it stopped (a consultation that ended keeps its answer)."""
    return [correct_after[k] if k < len(correct_after) else final for k in range(length)]


def accuracy_curve(episodes: list[tuple[list[float | None], float | None]]) -> list[dict]:
    """Accuracy against the number of turns (questions and tests asked), over episodes given as
    (correct_after per turn, final correctness): [{"turns": k, "accuracy", "n"}], k = 1..the longest.
    An unread intermediate answer counts as wrong, as an unparsed final answer does."""
    length = max((len(c) for c, _ in episodes), default=0)
    points = []
    for k in range(length):
        values = [v for c, f in episodes if (v := carried_curve(c, f, length)[k]) is not None]
        points.append({"turns": k + 1, "accuracy": sum(values) / len(values) if values else None, "n": len(values)})
    return points
