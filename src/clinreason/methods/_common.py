"""Pieces shared by the sampling and multi-agent methods: answer extraction per sample,
majority votes with adaptive stopping, choice shuffling, and few-shot message building."""

from __future__ import annotations

import random
from collections import Counter

from ..grading.parsers import parse_answer
from ..items import Item, option_letters
from ..models.protocol import Message
from ..prompts import render
from ..results import Prediction


class Read(str):
    """A sample's answer as the parser read it: the answer itself (votes count it as plain text),
    carrying the rule that read it and whether that was the strict `format` rule."""

    rule: str
    strict: bool

    def __new__(cls, answer: str, rule: str, strict: bool) -> Read:
        read = super().__new__(cls, answer)
        read.rule, read.strict = rule, strict
        return read

    def as_(self, answer: str) -> Read:
        """Another answer read the same way (a shuffled sample's letter mapped back)."""
        return Read(answer, self.rule, self.strict)


def answer_of(text: str, item: Item) -> Read | None:
    """What a sample answers, read by the same per-format parser the scorer uses: votes count what
    the grade would read (numbers and dates included), and know how strictly it was read."""
    read = parse_answer(text, item)
    return None if read.answer is None else Read(read.answer, read.rule, read.strict)


def plain(answers: list) -> list:
    """Answers as plain JSON values, for a prediction's info (nested lists of rounds included)."""
    return [plain(a) if isinstance(a, list) else (None if a is None else str(a)) for a in answers]


def tally(answers: list[str | None]) -> Counter:
    return Counter(a for a in answers if a is not None)


def leader(answers: list[str | None]) -> str | None:
    """Majority answer; ties go to the answer that reached the top count first (deterministic,
    and equal to what a fixed-n vote decides once adaptive stopping has fired)."""
    counts = tally(answers)
    if not counts:
        return None
    top = max(counts.values())
    seen: Counter = Counter()
    for a in answers:
        if a is None:
            continue
        seen[a] += 1
        if seen[a] == top and counts[a] == top:
            return a
    return None  # unreachable


def vote_is_settled(answers: list[str | None], remaining: int) -> bool:
    """True when the remaining samples cannot change the fixed-n majority: the leader's margin over
    the runner-up exceeds the samples left (a tie would still be possible at equality)."""
    counts = tally(answers).most_common()
    if not counts:
        return remaining == 0
    first = counts[0][1]
    second = counts[1][1] if len(counts) > 1 else 0
    return first - second > remaining


def vote_strictness(answers: list[str | None]) -> bool | None:
    """A vote is strict when every counted sample (every one whose answer entered the tally) was read
    by the strict `format` rule, so `cot_sc` reports the strict share `cot` would for the same
    texts. None when no counted answer says how it was read (answers from outside `answer_of`)."""
    counted = [a for a in answers if a is not None]
    known = [a.strict for a in counted if isinstance(a, Read)]
    if not known:
        return None
    return len(known) == len(counted) and all(known)


def voted_prediction(texts: list[str], answers: list[str | None], **info) -> Prediction:
    """The method decides: the voted answer (rule "vote", strict when every counted sample was read
    by the `format` rule); output is a sample that gave it (for reading)."""
    winner = leader(answers)
    output = next((t for t, a in zip(texts, answers) if a == winner), texts[0] if texts else "")
    info = {key: plain(value) if key.startswith("answers") and isinstance(value, list) else value
            for key, value in info.items()}
    info = {"votes": {str(a): n for a, n in tally(answers).items()}, "answers": plain(answers),
            "sample_rules": [a.rule if isinstance(a, Read) else (None if a is None else "method") for a in answers],
            **info}
    if winner is not None and answers:
        # The share of all samples drawn (unparsed ones included) that gave the voted answer: a
        # confidence for calibration (grading/calibration.py).
        info["confidence_vote"] = tally(answers)[winner] / len(answers)
    if winner is None:
        return Prediction(output=output, info=info)
    return Prediction(output=output, answer=str(winner), rule="vote", strict=vote_strictness(answers), info=info)


def shuffle_options(options: dict[str, str], rng: random.Random) -> tuple[dict[str, str], dict[str, str]]:
    """Permute option texts under fresh letters. -> (shown letter -> text, shown letter -> original letter)."""
    original = list(options)
    order = original[:]
    rng.shuffle(order)
    letters = option_letters(len(order))
    shown = {new: options[old] for new, old in zip(letters, order)}
    back = dict(zip(letters, order))
    return shown, back


def fewshot_messages(item: Item, exemplars: list[Item], template: str, *, reasoning: bool,
                     options: dict[str, str] | None = None) -> list[Message]:
    """System, then one user/assistant turn per exemplar, then the item (through `template`)."""
    messages = [Message(role="system", content=render("system", language=item.language))]
    for ex in exemplars:
        messages.append(Message(role="user", content=render(template, item=ex, options=ex.options)))
        messages.append(Message(role="assistant", content=render(
            "fewshot_answer", explanation=ex.explanation if reasoning else None, answer=ex.answer)))
    opts = item.options if options is None else options
    messages.append(Message(role="user", content=render(template, item=item, options=opts)))
    return messages


def shown_item_text(item: Item, options: dict[str, str] | None = None) -> str:
    """The item as plain text (context, question, options) for prompts that embed it."""
    return render("_question", item=item, options=item.options if options is None else options)
