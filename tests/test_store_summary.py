"""The summary is generic over scorers: each declared Metric is computed in SQL."""

from __future__ import annotations

import pytest
from conftest import make_item

from clinreason.results import Score
from clinreason.store import Store
from clinreason.summary import summarize_run

ITEMS = [make_item(i, answer="A", metadata={"subject": "s1" if i % 2 else "s2"}) for i in range(4)]


def medec(sentence: float, flag: float, rouge: float, parsed: bool = True) -> Score:
    return Score(value=sentence, label="parsed" if parsed else "unparsed", version="1",
                 detail={"flag_correct": flag, "sentence_correct": sentence, "rouge_l": rouge, "rouge_1": rouge})


def test_primary_scorer_metrics_and_roles(tmp_path):
    store = Store(tmp_path)
    store.start_run({"id": "r", "benchmark": "toy", "model": "m", "model_identity": "m", "method": "direct",
                     "config": {"scorers": ["medec", "answer"]}}, ITEMS)
    rows = [(1.0, 1.0, 0.5, True), (0.0, 1.0, 0.25, True), (1.0, 0.0, 1.0, True), (0.0, 0.0, 0.0, False)]
    for item, (sentence, flag, rouge, parsed) in zip(ITEMS, rows):
        answer = {"value": 1.0, "label": "A", "detail": {"rule": "format", "strict": True}, "version": "2"}
        store.save_result("r", item.id, {"status": "ok", "output": "x"},
                          {"medec": medec(sentence, flag, rouge, parsed), "answer": answer})
    for role, key in (("model", "a"), ("patient", "b"), ("patient", "c")):
        store.record_call(cache_key=key, run_id="r", item_id="q0", model="m", role=role, messages=[], params={},
                          response=key, prompt_tokens=5, completion_tokens=1)

    s = summarize_run(store, "r")
    m = s["scores"]["medec"]
    assert (s["accuracy"], s["n_graded"], s["ci95"]) == (0.5, 4, m["sentence_accuracy"]["ci95"])
    assert m["flag_accuracy"]["mean"] == 0.5 and m["unparsed_rate"] == 0.25
    assert m["rouge_l"]["mean"] == pytest.approx(0.4375) and m["rouge_l"]["n"] == 4  # bootstrap CI
    assert m["rouge_l"]["ci95"][0] <= 0.4375 <= m["rouge_l"]["ci95"][1]
    assert set(s["breakdown"]["subject"]) == {"s1", "s2"}  # from the primary (medec) rows
    assert s["scores"]["answer"]["accuracy"]["mean"] == 1.0 and s["accuracy_strict_format"] == 1.0
    assert s["answer_rules"] == {"format": 4} and s["chance_accuracy"] == 0.25
    assert s["roles"] == {"model": {"calls": 1, "prompt_tokens": 5, "completion_tokens": 1},
                          "patient": {"calls": 2, "prompt_tokens": 10, "completion_tokens": 2}}


def test_runs_without_an_answer_scorer_have_empty_legacy_keys(tmp_path):
    store = Store(tmp_path)
    store.start_run({"id": "r", "benchmark": "toy", "model": "m", "model_identity": "m", "method": "direct",
                     "config": {"scorers": ["medec"]}}, ITEMS)
    store.save_result("r", "q0", {"status": "ok", "output": "x"}, {"medec": medec(1.0, 1.0, 1.0)})
    s = summarize_run(store, "r")
    assert s["accuracy"] == 1.0 and s["unparsed"] is None and s["answer_rules"] == {}
    assert "roles" not in s and set(s["scores"]) == {"medec"}


def test_time_per_item_counts_only_items_whose_calls_were_made(tmp_path, capsys):
    """Cache replays take milliseconds: timed apart, in the summary and in `show` (as the report does)."""
    from clinreason.cli._common import print_summary

    store = Store(tmp_path)
    store.start_run({"id": "r", "benchmark": "toy", "model": "m", "model_identity": "m", "method": "direct",
                     "config": {}}, ITEMS)
    answer = {"value": 1.0, "label": "A", "detail": {"rule": "format", "strict": True}, "version": "2"}
    for item, (made, cached, wall) in zip(ITEMS, [(1, 0, 2.0), (1, 0, 4.0), (0, 1, 0.01), (0, 1, 0.03)]):
        store.save_result("r", item.id, {"status": "ok", "output": "x", "n_calls": made, "n_cached": cached,
                                         "wall_s": wall}, {"answer": answer})
    s = summarize_run(store, "r")
    assert s["wall_s_made_per_item"] == pytest.approx(3.0) and s["n_timed"] == 2
    assert s["n_replayed"] == 2 and s["wall_s_replayed_per_item"] == pytest.approx(0.02)
    assert s["wall_s_per_item"] == pytest.approx(6.04 / 4)  # every item, as before
    print_summary(s)
    out = capsys.readouterr().out
    assert "3.00 s" in out and "2 replayed items: 0.02 s" in out
