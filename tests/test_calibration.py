"""Calibration: the arithmetic against hand-computed values (and scipy for AUROC), the three
confidence sources, Wilson intervals for tiny n, and `clinreason show` printing it all."""

from __future__ import annotations

import asyncio
import re

import pytest
from typer.testing import CliRunner

from clinreason import engine
from clinreason.cli import app
from clinreason.grading.calibration import auroc, brier, calibration_metrics, ece, reliability_bins, risk_coverage
from clinreason.grading.confidence import logprob_confidence, option_distribution, parse_stated_confidence
from clinreason.grading.stats import _binomial_ci, mean_with_ci, proportion_with_ci
from clinreason.methods import build_method
from clinreason.models.gateway import RetryPolicy
from clinreason.models.protocol import Capabilities, Completion
from clinreason.models.scripted import ScriptedModel
from clinreason.store import Store
from clinreason.summary import summarize_run

PAIRS = [(0.9, 1), (0.8, 1), (0.7, 0), (0.6, 1), (0.3, 0), (0.2, 0)]


# --- pure arithmetic ----------------------------------------------------------------------------
def test_ece_brier_and_bins_by_hand():
    # bins: [0.2]->acc 0, [0.3]->0, [0.6]->1, [0.7]->0, [0.8]->1, [0.9]->1; each holds one pair, so
    # ECE = mean |acc - conf| = (0.2 + 0.3 + 0.4 + 0.7 + 0.2 + 0.1) / 6 = 1.9 / 6
    assert ece(PAIRS) == pytest.approx(1.9 / 6)
    # Brier = mean (conf - correct)^2 = (.01 + .04 + .49 + .16 + .09 + .04) / 6
    assert brier(PAIRS) == pytest.approx(0.83 / 6)
    bins = reliability_bins([(0.05, 1), (0.08, 0), (1.0, 1)])
    assert len(bins) == 10 and bins[0]["n"] == 2 and bins[0]["accuracy"] == 0.5
    assert bins[0]["confidence"] == pytest.approx(0.065)
    assert bins[9]["n"] == 1 and bins[5]["n"] == 0 and bins[5]["accuracy"] is None  # 1.0 lands in the last bin
    # two pairs in one bin: |0.5 - 0.065| weighted 2/3, plus |1 - 1| / 3
    assert ece([(0.05, 1), (0.08, 0), (1.0, 1)]) == pytest.approx(2 / 3 * 0.435)
    assert ece([]) is None and brier([]) is None


def test_auroc_matches_scipy_mann_whitney():
    from scipy.stats import mannwhitneyu

    cases = [PAIRS, [(0.5, 1), (0.5, 0), (0.5, 1), (0.9, 0), (0.1, 1)], [(0.7, 1), (0.7, 0)]]
    for pairs in cases:
        right = [c for c, k in pairs if k]
        wrong = [c for c, k in pairs if not k]
        expected = mannwhitneyu(right, wrong).statistic / (len(right) * len(wrong))
        assert auroc(pairs) == pytest.approx(expected)
    assert auroc(PAIRS) == pytest.approx(8 / 9)  # 8 of the 9 right/wrong pairs ordered right
    assert auroc([(0.9, 1), (0.2, 1)]) is None and auroc([(0.9, 0)]) is None  # one class: undefined


def test_risk_coverage_by_hand():
    rc = risk_coverage(PAIRS)
    # most confident first: right, right, wrong, right, wrong, wrong -> risks 0, 0, 1/3, 1/4, 2/5, 1/2
    assert [p["risk"] for p in rc["points"]] == pytest.approx([0, 0, 1 / 3, 1 / 4, 2 / 5, 1 / 2])
    assert rc["aurc"] == pytest.approx((1 / 3 + 1 / 4 + 2 / 5 + 1 / 2) / 6)
    assert rc["selective_accuracy"] == {"50%": pytest.approx(2 / 3), "80%": pytest.approx(3 / 5)}
    tied = risk_coverage([(0.5, 1), (0.5, 0), (0.9, 1)])  # a threshold cannot split equal confidences
    assert [p["coverage"] for p in tied["points"]] == pytest.approx([1 / 3, 1])
    assert tied["aurc"] == pytest.approx((0 + 2 * (1 / 3)) / 3)
    assert risk_coverage([]) is None


def test_bad_pairs_are_one_line_errors():
    with pytest.raises(ValueError, match="pair 1: confidence must be between 0 and 1, got 1.5"):
        ece([(0.5, 1), (1.5, 0)])
    with pytest.raises(ValueError, match="correct must be 0 or 1"):
        brier([(0.5, 0.5)])
    with pytest.raises(ValueError, match="n_bins must be at least 1"):
        reliability_bins(PAIRS, 0)


def test_wilson_intervals_for_tiny_n():
    # Wilson, z = 1.95996: 1 of 1 -> (z^2/(1+z^2), 1) = (0.2065, 1); never the degenerate 100%-100%
    assert _binomial_ci(1, 1, 0.95) == pytest.approx((0.206549, 1.0), abs=1e-6)
    assert proportion_with_ci(2, 2)["ci95"] == pytest.approx([0.342380, 1.0], abs=1e-6)
    assert proportion_with_ci(1, 0)["ci95"] == pytest.approx([0.0, 0.793451], abs=1e-6)
    from scipy.stats import binomtest

    for n, k in [(10, 7), (40, 3), (100, 50)]:
        ci = binomtest(k, n).proportion_ci(method="wilson")
        assert proportion_with_ci(n, k)["ci95"] == pytest.approx([ci.low, ci.high])
    assert mean_with_ci([1.0, 0.0, 1.0])["ci95"] == proportion_with_ci(3, 2)["ci95"]  # same path for 0/1 scores
    with pytest.raises(ValueError, match="between 0 and n"):
        _binomial_ci(2, 3, 0.95)


# --- confidence sources -------------------------------------------------------------------------
def test_stated_confidence_parser():
    assert parse_stated_confidence("Reasoning.\nCONFIDENCE: 85%\nANSWER: B") == 0.85
    assert parse_stated_confidence("confidence: 0.7\nANSWER: B") == 0.7  # a probability already
    assert parse_stated_confidence("Confidence = 40 %") == 0.4
    assert parse_stated_confidence("CONFIDENCE: 250%") is None and parse_stated_confidence("ANSWER: B") is None
    assert parse_stated_confidence(None) is None


def _lp(token, logprob, top=()):
    return {"token": token, "logprob": logprob, "top_logprobs": [{"token": t, "logprob": v} for t, v in top]}


def test_option_probability_from_top_logprobs():
    import math

    logprobs = [_lp("Because", -0.1), _lp("\nANSWER", 0.0), _lp(":", 0.0),
                _lp(" B", math.log(0.6), [(" B", math.log(0.6)), (" A", math.log(0.2)), ("B", math.log(0.1)),
                                          (" the", math.log(0.1))])]
    info = logprob_confidence(logprobs, {"A": "x", "B": "y", "C": "z"})
    # " B" and "B" are one letter: 0.7 of the 0.9 that went to option letters
    assert info["confidence_logprob"] == pytest.approx(0.7 / 0.9)
    assert info["option_probs"] == {"A": pytest.approx(0.2 / 0.9, abs=1e-6), "B": pytest.approx(0.7 / 0.9, abs=1e-6)}
    direct = [_lp("C", math.log(0.5), [("C", math.log(0.5)), ("D", math.log(0.5))])]  # no ANSWER line: first token
    assert option_distribution(direct, "ABCD") == {"C": 0.5, "D": 0.5}
    assert logprob_confidence([_lp("ANSWER:", 0), _lp(" maybe", -1)], {"A": "x"}) == {}
    assert logprob_confidence(None, {"A": "x"}) == {} and logprob_confidence(logprobs, None) == {}


FAST = RetryPolicy(max_attempts=2, base_delay_s=0.0, max_delay_s=0.0)


def _run(tmp_path, items, method, params, model):
    plan = engine.RunPlan(benchmark="toy", subset="test", model_spec="scripted",
                          method=build_method(method, params), items=items)
    store = Store(tmp_path)
    summary = asyncio.run(engine.execute(plan, model, store, retry=FAST))
    return store, summary


def _gold_of(messages) -> str:
    return "ABCD"[int(re.search(r"Toy question (\d+)", messages[-1].content).group(1)) % 4]


def test_cot_with_stated_confidence_reaches_the_summary_and_show(tmp_path, toy_items):
    def script(messages, params, i):
        asked = "CONFIDENCE: N%" in messages[-1].content
        gold = _gold_of(messages)
        right = i % 3 != 0  # every third answer wrong, and said with low confidence
        answer = gold if right else ("B" if gold == "A" else "A")
        return f"Thinking.\nCONFIDENCE: {90 if right else 20}%\nANSWER: {answer}" if asked else "ANSWER: A"

    store, summary = _run(tmp_path, toy_items, "cot", {"confidence": True}, ScriptedModel(script))
    stated = summary["calibration"]["stated"]
    assert stated["n"] == 12 and stated["accuracy"] == pytest.approx(8 / 12)
    assert stated["auroc"] == 1.0  # confidence separates right from wrong perfectly
    assert stated["ece"] == pytest.approx((8 * 0.1 + 4 * 0.2) / 12)
    assert stated["bins"][9]["n"] == 8 and stated["bins"][2]["n"] == 4
    assert set(summary["calibration"]) == {"stated"}
    result = CliRunner().invoke(app, ["show", summary["run_id"], "--out", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "calibration" in result.output and "stated" in result.output and "ECE" in result.output
    assert "0.133" in result.output  # the ECE, as computed above
    off = engine.RunPlan(benchmark="toy", subset="test", model_spec="scripted", method=build_method("cot"),
                         items=toy_items)  # confidence off: the run id of a run stored before it existed
    assert "confidence" not in off.config(ScriptedModel(script))["method"]


def test_cot_sc_vote_share_is_a_confidence(tmp_path, toy_items):
    def script(messages, params, i):
        gold = _gold_of(messages)
        return f"ANSWER: {gold if (params.seed or 0) % 5 != 4 else 'D' if gold != 'D' else 'A'}"

    store, summary = _run(tmp_path, toy_items[:4], "cot_sc", {"n": 5, "adaptive": False}, ScriptedModel(script))
    vote = summary["calibration"]["vote share"]
    assert vote["n"] == 4 and vote["mean_confidence"] == pytest.approx(0.8)
    assert all(p["info"]["confidence_vote"] == 0.8 for p in store.predictions(summary["run_id"]))


def test_logprobs_need_a_backend_that_returns_them(tmp_path, toy_items):
    store, summary = _run(tmp_path, toy_items[:2], "direct", {"logprobs": True}, ScriptedModel(["ANSWER: A"]))
    assert summary["errors"] == 2
    error = store.predictions(summary["run_id"])[0]["error"]
    assert "does not return logprobs" in error


def test_logprob_confidence_from_a_backend_with_logprobs(tmp_path, toy_items):
    import math

    class WithLogprobs(ScriptedModel):
        capabilities = Capabilities(n=False, tools="text", logprobs=True)

        async def complete(self, messages, params):
            assert params.logprobs and params.top_logprobs == 20
            gold = _gold_of(messages)
            top = [(f" {gold}", math.log(0.75)), (" A" if gold != "A" else " B", math.log(0.25))]
            return Completion(text=f"ANSWER: {gold}", logprobs=[_lp("ANSWER", 0), _lp(":", 0), _lp(f" {gold}", top[0][1], top)])

    store, summary = _run(tmp_path, toy_items[:4], "direct", {"logprobs": True}, WithLogprobs(["unused"]))
    lp = summary["calibration"]["logprob"]
    assert lp["n"] == 4 and lp["mean_confidence"] == pytest.approx(0.75) and lp["auroc"] is None  # all right


def test_report_draws_reliability_and_risk_coverage_per_source(tmp_path, toy_items):
    from clinreason.report import build_report

    def script(messages, params, i):
        return f"CONFIDENCE: {70 + i}%\nANSWER: {_gold_of(messages) if i % 2 else 'A'}"

    store, summary = _run(tmp_path, toy_items[:6], "cot", {"confidence": True}, ScriptedModel(script))
    html = build_report(store, [summary["run_id"]])
    assert 'id="chart-reliability"' in html and 'id="chart-risk-coverage"' in html
    assert 'id="calibration-table"' in html and "scripted · cot · stated" in html
