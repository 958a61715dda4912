"""Cross-lingual consistency: the same questions asked in two languages, paired item by item.

The loaders give a question the same id in every language (data/igakuqa.py: igakuqa and igakuqa_en
by problem_id; data/mmlu_translated.py: mmlu_fr, mmlu_es, mmlu_hi by the English `mmlu` id) and
keep its options in the same order, so the same letter is the same answer. Agreement is then how
often the two runs gave the same answer, among the questions both answered; the accuracy gap and
its paired interval come from `paired.compare_pairs`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .paired import Pair

# Benchmarks whose items pair by id across languages (see the loaders named above).
LANGUAGE_FAMILIES = (
    frozenset({"igakuqa", "igakuqa_en"}),
    frozenset({"mmlu", "mmlu_fr", "mmlu_es", "mmlu_hi"}),
)


def known_pair(benchmark_a: str, benchmark_b: str) -> bool:
    """Two different benchmarks that are translations of one another."""
    return benchmark_a != benchmark_b and any({benchmark_a, benchmark_b} <= f for f in LANGUAGE_FAMILIES)


@dataclass(frozen=True)
class Agreement:
    n: int  # pairs
    both_answered: int  # pairs where both runs read an answer
    agreed: int  # ... and it was the same
    both_right: int
    both_wrong_same: int  # the same wrong answer in both languages

    @property
    def rate(self) -> float | None:
        return self.agreed / self.both_answered if self.both_answered else None

    def as_dict(self) -> dict:
        return {"n": self.n, "both_answered": self.both_answered, "agreed": self.agreed, "agreement": self.rate,
                "both_right": self.both_right, "both_wrong_same_answer": self.both_wrong_same}


def agreement(pairs: Sequence[Pair]) -> Agreement:
    answered = [p for p in pairs if p.answer_a is not None and p.answer_b is not None]
    same = [p for p in answered if p.answer_a == p.answer_b]
    return Agreement(n=len(pairs), both_answered=len(answered), agreed=len(same),
                     both_right=sum(1 for p in pairs if p.a and p.b),
                     both_wrong_same=sum(1 for p in same if not p.a and not p.b))
