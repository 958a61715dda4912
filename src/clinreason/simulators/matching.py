"""Which facts answer a question: BM25 over an item's short fact list, with no model.

The fact lists are tiny (5-40 sentences), so the index is built per question in microseconds and
the ranking is a pure function of (question, facts): reproducible on any machine. Tokens are
truncated to 5 characters (a crude, well-known stemmer: "examination" and "examined" meet), and a
fact must also cover enough of the question's distinct terms, so one shared word ("blood") does
not answer a question about something else ("complete blood count")."""

from __future__ import annotations

import math
import re
from collections import Counter

_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset("""a about above after again all also am an and any are as at be been before being below
between both but by can could did do does doing done during each else ever few for from further had has have having
he her here hers him his how i if in into is it its just may me might more most my no nor not now of off on once
only or other our out over own please same she should so some such tell than that the their them then there these
they this those through to too under until up very was we were what when where which while who whom why will with
would you your yours yourself describe any anything recent recently currently current experienced experiencing
noticed patient patients""".split())
_ALIASES = {"exam": "exami", "exams": "exami", "lab": "labor", "labs": "labor", "xray": "radio", "bp": "press",
            "temp": "tempe", "hr": "heart", "ekg": "ecg", "old": "age", "years": "age", "year": "age"}
K1, B = 1.2, 0.75


def terms(text: str) -> list[str]:
    out = []
    for word in _WORD.findall((text or "").lower()):
        if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]  # "works" meets "work" (5-character truncation alone would not)
        out.append(_ALIASES.get(word, word[:5]))
    return out


def rank(query: str, facts: list[str]) -> list[tuple[int, float, float]]:
    """(fact index, BM25 score, share of the query's distinct terms the fact contains), best first;
    facts sharing no term with the query are left out."""
    q = list(dict.fromkeys(terms(query)))
    if not q or not facts:
        return []
    docs = [Counter(terms(f)) for f in facts]
    avg = sum(sum(d.values()) for d in docs) / len(docs) or 1.0
    df = Counter(t for d in docs for t in d)
    n = len(docs)
    ranked = []
    for i, doc in enumerate(docs):
        length = sum(doc.values())
        score = 0.0
        for t in q:
            tf = doc.get(t, 0)
            if tf:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg))
        if score > 0:
            ranked.append((i, score, sum(1 for t in q if t in doc) / len(q)))
    ranked.sort(key=lambda r: (-r[1], r[0]))
    return ranked


def matching_facts(query: str, facts: list[str], *, min_score: float, min_coverage: float, top_k: int,
                   relative: float = 0.5) -> list[int]:
    """Indices of the facts that answer `query`: scored at least `min_score`, covering at least
    `min_coverage` of its terms, within `relative` of the best score; at most `top_k`, in fact order."""
    ranked = rank(query, facts)
    if not ranked:
        return []
    best = ranked[0][1]
    chosen = [i for i, score, cover in ranked
              if score >= min_score and cover >= min_coverage and score >= relative * best][:top_k]
    return sorted(chosen)
