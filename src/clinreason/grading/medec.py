"""MEDEC (clinical-note error detection and correction) scoring, in the benchmark's own terms:
error-flag accuracy, erroneous-sentence accuracy, and a text-similarity score (ROUGE-L F1,
plus ROUGE-1) between the predicted and the reference corrected sentence. No model involved."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\w+")
_FLAG = re.compile(r"^\W*error\w*\W*[:=]\s*(yes|no|1|0|true|false)\b", re.IGNORECASE | re.MULTILINE)
_SENTENCE = re.compile(r"^\W*sentence(?:\s*id)?\W*[:=]\s*(-?\d+|none|na|n/a)", re.IGNORECASE | re.MULTILINE)
_CORRECTION = re.compile(r"^\W*correct(?:ion|ed sentence)\W*[:=]\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
NO_CORRECTION = {"", "na", "n/a", "none", "-"}


def tokens(text: str) -> list[str]:
    return _TOKEN.findall((text or "").lower())


def _lcs(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def overlap_f1(overlap: int, n_pred: int, n_ref: int) -> float:
    """F1 of `overlap` matched tokens out of `n_pred` predicted and `n_ref` reference tokens."""
    if overlap == 0:
        return 0.0
    p, r = overlap / n_pred, overlap / n_ref
    return 2 * p * r / (p + r)


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F1 on lower-cased word tokens (longest common subsequence)."""
    a, b = tokens(prediction), tokens(reference)
    if not a or not b:
        return float(a == b)
    return overlap_f1(_lcs(a, b), len(a), len(b))


def rouge_1(prediction: str, reference: str) -> float:
    from collections import Counter

    a, b = Counter(tokens(prediction)), Counter(tokens(reference))
    if not a or not b:
        return float(a == b)
    return overlap_f1(sum((a & b).values()), sum(a.values()), sum(b.values()))


def parse_medec(output: str) -> dict:
    """The requested lines `ERROR: yes|no`, `SENTENCE: <id>`, `CORRECTION: <sentence>`.
    -> {flag: 0/1/None, sentence_id: int/None, correction: str/None, parsed: bool}."""
    text = output or ""
    flag_m, sent_m, corr_m = _FLAG.findall(text), _SENTENCE.findall(text), _CORRECTION.findall(text)
    flag = None
    if flag_m:
        flag = int(flag_m[-1].lower() in ("yes", "1", "true"))
    sentence_id = None
    if sent_m and re.fullmatch(r"-?\d+", sent_m[-1]):
        sentence_id = int(sent_m[-1])
    correction = corr_m[-1].strip() if corr_m else None
    if correction is not None and correction.strip(" .\"'").lower() in NO_CORRECTION:
        correction = None
    if flag == 0:
        sentence_id, correction = -1, None
    return {"flag": flag, "sentence_id": sentence_id, "correction": correction, "parsed": flag is not None}


def score_medec(output: str, gold_flag: int, gold_sentence_id: int, gold_correction: str | None) -> dict:
    """Per-note scores. Sentence accuracy counts a correct 'no error' (-1) as right, as MEDEC
    does; correction similarity is scored on notes with an error (for error-free notes a
    missing correction is exactly right and any correction is wrong)."""
    pred = parse_medec(output)
    flag_ok = pred["flag"] == gold_flag
    sentence_ok = flag_ok and (gold_flag == 0 or pred["sentence_id"] == gold_sentence_id)
    if gold_flag == 1:
        predicted = pred["correction"] or ""
        rl, r1 = rouge_l(predicted, gold_correction or ""), rouge_1(predicted, gold_correction or "")
    else:
        rl = r1 = float(pred["correction"] is None and pred["flag"] == 0)  # unparsed output earns nothing
    return {"flag_correct": float(flag_ok), "sentence_correct": float(sentence_ok), "rouge_l": rl,
            "rouge_1": r1, "prediction": pred}
