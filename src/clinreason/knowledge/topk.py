"""Exact BM25 top-k without scoring every document that shares a common word (MaxScore pruning).

A query's very common words have postings as long as the corpus, yet each adds little to any score.
With each term's largest weight known, the terms whose weights, summed at their maxima, stay below
the k-th best score found so far cannot lift a document into the top k on their own: only
documents holding one of the other ("essential") terms are candidates, and the common terms are
added to those candidates alone, by binary search in their (document-sorted) postings. The result
is the same as scoring every document (ties at the k-th score aside, which both orders by corpus
position); a test checks it against exhaustive scoring. (Turtle & Flood 1995, "MaxScore".)"""

from __future__ import annotations

import numpy as np

SEED_POSTINGS = 20_000  # how much of the rarest terms' postings give the first k-th-best estimate


def term_maxima(data: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Each term's largest weight over its postings (0 for a term without any)."""
    lengths = np.diff(indptr)
    maxima = np.zeros(len(lengths), dtype=np.float32)
    present = lengths > 0
    if present.any():
        maxima[present] = np.maximum.reduceat(data, indptr[:-1][present])
    return maxima


class Postings:
    """The index's term -> (documents, weights) lists, in the column layout bm25s stores."""

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, maxima: np.ndarray):
        self.data, self.indices, self.indptr, self.maxima = data, indices, indptr, maxima

    def docs(self, term: int) -> np.ndarray:
        return self.indices[self.indptr[term]:self.indptr[term + 1]]

    def weights(self, term: int) -> np.ndarray:
        return self.data[self.indptr[term]:self.indptr[term + 1]]

    def df(self, term: int) -> int:
        return int(self.indptr[term + 1] - self.indptr[term])


def _accumulate(p: Postings, terms, counts, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """(documents, scores) over the union of `terms`' postings: what each document gets from them."""
    docs = np.concatenate([p.docs(t) for t in terms])
    weights = np.concatenate([p.weights(t).astype(np.float64) * c for t, c in zip(terms, counts)])
    if len(docs) > n_docs // 32:  # long postings: one dense pass over the corpus is cheaper than sorting them
        dense = np.bincount(docs, weights=weights, minlength=n_docs)
        hit = np.flatnonzero(dense)
        return hit, dense[hit]
    unique, inverse = np.unique(docs, return_inverse=True)
    return unique, np.bincount(inverse, weights=weights)


def _add_lookups(p: Postings, candidates: np.ndarray, scores: np.ndarray, terms, counts) -> np.ndarray:
    """`scores` plus what `terms` give each candidate, by binary search in each term's postings."""
    scores = scores.copy()
    for term, count in zip(terms, counts):
        docs = p.docs(term)
        if not len(docs):
            continue
        pos = np.minimum(np.searchsorted(docs, candidates), len(docs) - 1)
        found = docs[pos] == candidates
        scores[found] += p.weights(term)[pos[found]].astype(np.float64) * count
    return scores


def _kth(scores: np.ndarray, k: int) -> float:
    return float(np.partition(scores, len(scores) - k)[len(scores) - k]) if len(scores) >= k else 0.0


def top_k(p: Postings, token_ids: list[int], k: int, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """(documents, scores) of the best k documents for the query tokens (repeats count again, as in
    bm25s), best first, ties by corpus order; only documents with a positive score."""
    terms, counts = np.unique(np.asarray(token_ids, dtype=np.int64), return_counts=True)
    terms = [int(t) for t in terms]
    counts = [int(c) for c in counts]
    total = sum(p.df(t) for t in terms)
    if total <= 4 * SEED_POSTINGS or len(terms) == 1:  # short postings: scoring them all is cheapest
        docs, scores = _accumulate(p, terms, counts, n_docs)
    else:
        docs, scores = _pruned(p, terms, counts, k, n_docs)
    if not len(docs):
        return docs, scores
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.lexsort((docs[top], -scores[top]))]
    keep = scores[top] > 0
    return docs[top][keep], scores[top][keep]


def _pruned(p: Postings, terms: list[int], counts: list[int], k: int, n_docs: int):
    # 1. A lower bound on the k-th best score: the rarest terms' documents, the most promising of
    # them scored exactly (every term looked up). Any true score is a valid bound, so a few suffice.
    by_df = sorted(range(len(terms)), key=lambda i: p.df(terms[i]))
    seed, budget = [], 0
    for i in by_df:
        if seed and budget + p.df(terms[i]) > SEED_POSTINGS:
            break
        seed.append(i)
        budget += p.df(terms[i])
    docs, partial = _accumulate(p, [terms[i] for i in seed], [counts[i] for i in seed], n_docs)
    if not len(docs):
        return _accumulate(p, terms, counts, n_docs)
    promising = np.argpartition(-partial, min(len(partial), 8 * k) - 1)[:8 * k]
    rest = [i for i in range(len(terms)) if i not in seed]
    exact = _add_lookups(p, docs[promising], partial[promising], [terms[i] for i in rest], [counts[i] for i in rest])
    theta = _kth(exact, k)
    # 2. Non-essential terms: the smallest maxima whose sum stays below theta. A document holding
    # none of the other terms scores below theta, so it cannot be in the top k.
    by_max = sorted(range(len(terms)), key=lambda i: float(p.maxima[terms[i]]) * counts[i])
    bound, cut = 0.0, 0
    for i in by_max:
        if bound + float(p.maxima[terms[i]]) * counts[i] >= theta:
            break
        bound += float(p.maxima[terms[i]]) * counts[i]
        cut += 1
    essential, lookup = by_max[cut:], by_max[:cut]
    if not essential:  # theta 0 (fewer than k candidates): nothing can be pruned
        return _accumulate(p, terms, counts, n_docs)
    docs, partial = _accumulate(p, [terms[i] for i in essential], [counts[i] for i in essential], n_docs)
    # 3. A candidate whose score so far plus the maxima of the terms still to add stays below theta
    # cannot reach the top k: the look-ups go largest term first, dropping such candidates as the
    # bound shrinks, so the long postings of the most common words are searched for few documents.
    remaining = bound
    for i in reversed(lookup):
        keep = partial + remaining + 1e-6 >= theta  # slack: float sums must never drop a tie
        docs, partial = docs[keep], partial[keep]
        partial = _add_lookups(p, docs, partial, [terms[i]], [counts[i]])
        remaining -= float(p.maxima[terms[i]]) * counts[i]
    return docs, partial
