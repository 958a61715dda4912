"""MediQ's abstention modules: before each turn the doctor is asked whether it can answer yet.

binary: "confident enough to answer? YES/NO"; numerical: a confidence in [0, 1] against a threshold
(default 0.8); scale: a 1-5 Likert rating against a threshold (default 4). With self-consistency
(k > 1) the decision is the majority of k sampled decisions (fixed seeds; a tie keeps asking). A
reply that cannot be read counts as "not yet": the doctor keeps gathering information."""

from __future__ import annotations

import re

DEFAULT_THRESHOLD = {"numerical": 0.8, "scale": 4.0}
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(%?)")


def read_decision(text: str, strategy: str, threshold: float | None) -> bool | None:
    """True = answer now, False = keep asking, None = unreadable."""
    text = text or ""
    if strategy == "binary":
        found = re.search(r"\b(yes|no)\b", text, re.I)
        return None if not found else found.group(1).lower() == "yes"
    limit = DEFAULT_THRESHOLD[strategy] if threshold is None else threshold
    for number, percent in _NUMBER.findall(text):
        value = float(number) / (100 if percent else 1)
        if strategy == "numerical" and 0 <= value <= 1:
            return value >= limit
        if strategy == "scale" and 1 <= value <= 5 and value == int(value):
            return value >= limit
    return None


async def decide(runner, turn: int) -> bool:
    p, lm = runner.p, runner.ctx.lm
    k = p.self_consistency
    messages = runner.messages("consult_confidence", kind=p.strategy, turn=turn)
    temperature = p.temperature if k == 1 else p.sc_temperature
    params = [runner.params(p.confidence_tokens, sample=i, temperature=temperature) for i in range(k)]
    if k == 1:
        replies = [await lm(messages, params[0], tag=f"confidence{turn}")]
    else:
        replies = await lm.samples(messages, params, list(range(k)), tag=f"confidence{turn}_")
    votes = [read_decision(r.text, p.strategy, p.threshold) for r in replies]
    yes = sum(v is True for v in votes)
    return yes * 2 > k
