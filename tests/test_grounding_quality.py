"""Grounding quality: the `judge:citations` rubric (does the evidence an answer cites support it),
the paired comparison of a grounded run with the same model without grounding, and `compare`."""

from __future__ import annotations

import asyncio
import json

import pytest
from typer.testing import CliRunner

from clinreason.cli import app
from clinreason.grading.paired import compare_scores, mcnemar_exact
from clinreason.judges import Judge, judge_run, judge_summary, resolve_rubrics
from clinreason.judges.citations import evidence_from_prediction, evidence_from_trace
from clinreason.models.gateway import RetryPolicy
from clinreason.models.scripted import ScriptedModel
from clinreason.store import Store
from conftest import make_item

FAST = RetryPolicy(max_attempts=2, base_delay_s=0.0, max_delay_s=0.0)
RETRIEVAL = {"type": "retrieval", "source": "medquad", "query": "q", "doc_ids": ["medquad:1/7#0", "medquad:3/2#1"],
             "scores": [2.0, 1.0], "passages": ["Metformin lowers hepatic glucose output.", "Unrelated text."]}


def test_mcnemar_matches_the_exact_binomial():
    scipy_stats = pytest.importorskip("scipy.stats")
    for b, c in [(17, 33), (0, 10), (5, 5), (1, 0), (12, 3)]:
        assert mcnemar_exact(b, c) == pytest.approx(scipy_stats.binomtest(b, b + c, 0.5).pvalue if b + c else 1.0)


def test_compare_scores_counts_flips_on_shared_items_only():
    a = {"i1": 1.0, "i2": 1.0, "i3": 0.0, "i4": 0.0, "only_a": 1.0, "unscored": None}
    b = {"i1": 1.0, "i2": 0.0, "i3": 1.0, "i4": 1.0, "only_b": 0.0, "unscored": 1.0}
    r = compare_scores(a, b, {"i1": "A", "i2": "B", "i3": "C", "i4": "D"}, {"i1": "A", "i2": "C", "i3": "A", "i4": "D"})
    assert (r.n, r.a_correct, r.b_correct, r.right_to_wrong, r.wrong_to_right) == (4, 2, 3, 1, 2)
    assert r.diff == pytest.approx(0.25) and r.answer_changed == 2
    lo, hi = r.ci95
    assert -1 <= lo <= r.diff <= hi <= 1
    assert compare_scores({"x": 1.0}, {"y": 1.0}).n == 0


def test_identical_runs_have_a_zero_width_interval_and_p_one():
    a = {f"i{k}": float(k % 2) for k in range(40)}
    r = compare_scores(a, dict(a))
    assert r.diff == 0 and r.ci95 == (0.0, 0.0) and r.p_value == 1.0


def test_evidence_and_citations_read_from_the_trace_and_the_methods_info():
    evidence = evidence_from_trace([{"type": "model_call"}, RETRIEVAL])
    assert evidence == {"medquad:1/7#0": "Metformin lowers hepatic glucose output.", "medquad:3/2#1": "Unrelated text."}
    # the labels the model saw ([P1], [P2] in the order shown), and the ids its answer cited as the
    # method read them (info.cited); a cited id that was never shown is dropped
    shown = {"trace": [RETRIEVAL], "info": {"passages": ["medquad:3/2#1", "medquad:1/7#0"],
                                            "cited": ["medquad:1/7#0", "medquad:9/9#9"]}}
    assert evidence_from_prediction(shown) == {
        "passages": {"P1": "Unrelated text.", "P2": "Metformin lowers hepatic glucose output."},
        "ids": {"P1": "medquad:3/2#1", "P2": "medquad:1/7#0"}, "cited": ["P2"]}
    assert evidence_from_prediction({"trace": [RETRIEVAL], "info": {}}) == {}  # nothing numbered for the model


def _grounded_store(tmp_path):
    store = Store(tmp_path)
    items = [make_item(i, answer="A") for i in range(3)]
    store.start_run({"id": "g", "benchmark": "toy", "subset": None, "model": "m", "model_identity": "m",
                     "method": "rag", "config": {}}, items)
    outputs = ["Per [P1], it lowers glucose output. ANSWER: A", "No citation at all. ANSWER: A", "ANSWER: B"]
    traces = [[RETRIEVAL], [RETRIEVAL], []]
    shown = RETRIEVAL["doc_ids"]
    infos = [{"passages": shown, "cited": shown[:1]}, {"passages": shown, "cited": []}, {}]  # as `rag` records them
    for item, output, trace, info in zip(items, outputs, traces, infos):
        store.save_result("g", item.id, {"status": "ok", "output": output, "trace": trace, "info": info},
                          {"answer": {"value": 1.0, "label": "x", "detail": {}}})
    return store


def test_citations_rubric_judges_only_cited_evidence(tmp_path):
    store = _grounded_store(tmp_path)
    model = ScriptedModel(['{"supported": true, "supporting_ids": ["P1", "P7"]}'], identity="j")
    progress = asyncio.run(judge_run(store, "g", Judge(model, store, "g", retry=FAST), resolve_rubrics(["citations"])))
    assert progress.total == 2  # the item without retrieved evidence is not a citations unit
    scores = {s["item_id"]: s for s in store.scores("g", "judge:citations")}
    assert scores["q0"]["label"] == "supported" and scores["q0"]["detail"]["supporting_ids"] == ["P1"]
    assert scores["q0"]["detail"]["cited_ids"] == ["medquad:1/7#0"]
    assert scores["q1"]["label"] == "no_citation" and scores["q1"]["value"] == 0.0
    assert len(model.calls) == 1  # an answer citing nothing costs no judge call
    prompt = model.calls[0][0][-1].content
    assert "Metformin lowers hepatic glucose output." in prompt and "Unrelated text." not in prompt
    assert judge_summary(store, "g")["judge:citations"]["n"] == 2


def test_compare_cli_paired_output_and_no_shared_items(tmp_path):
    store = Store(tmp_path)
    items = [make_item(i, answer="A") for i in range(6)]
    for run_id, values in (("base", [1, 0, 0, 1, 0, 1]), ("rag", [1, 1, 1, 0, 0, 1])):
        store.start_run({"id": run_id, "benchmark": "toy", "subset": None, "model": "m", "model_identity": "m",
                         "method": run_id, "config": {}}, items)
        for item, v in zip(items, values):
            store.save_result(run_id, item.id, {"status": "ok", "output": "x", "answer": "A" if v else "B"},
                              {"answer": {"value": float(v), "label": "x", "detail": {}}})
    store.start_run({"id": "other", "benchmark": "toy", "subset": None, "model": "m", "model_identity": "m",
                     "method": "x", "config": {}}, [make_item(99)])
    store.close()
    runner = CliRunner()
    result = runner.invoke(app, ["compare", "base", "rag", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["n"], data["right_to_wrong"], data["wrong_to_right"]) == (6, 1, 2)
    assert data["diff"] == pytest.approx(1 / 6)
    table = runner.invoke(app, ["compare", "base", "rag", "--out", str(tmp_path)])
    assert table.exit_code == 0 and "McNemar" in table.output
    none = runner.invoke(app, ["compare", "base", "other", "--out", str(tmp_path)])
    assert none.exit_code != 0 and "share no items" in none.output
