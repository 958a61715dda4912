"""Engine, gateway, store and cache, driven by a deterministic in-process model."""

from __future__ import annotations

import asyncio
import re

import pytest

from clinreason import engine
from clinreason.methods import build_method
from clinreason.models.protocol import ModelError, TransientModelError
from clinreason.models.gateway import RetryPolicy
from clinreason.models.scripted import ScriptedModel
from clinreason.store import Store
from clinreason.summary import summarize_run

FAST_RETRY = RetryPolicy(max_attempts=3, base_delay_s=0.0, max_delay_s=0.0)


def answer_gold(messages, params, i):
    """Knows the gold: option text "option b of 3" -> answers B in the requested format."""
    prompt = messages[-1].content
    n = re.search(r"Toy question (\d+)", prompt).group(1)
    return f"Reasoning...\nANSWER: {'ABCD'[int(n) % 4]}"


def plan(items, method="cot", **kw):
    return engine.RunPlan(benchmark="toy", subset="test", model_spec="scripted", method=build_method(method),
                          items=items, **kw)


def run(plan_, model, store, **kw):
    return asyncio.run(engine.execute(plan_, model, store, retry=FAST_RETRY, **kw))


def test_run_scores_and_summarizes(tmp_path, toy_items):
    store = Store(tmp_path)
    summary = run(plan(toy_items), ScriptedModel(answer_gold), store)
    assert summary["n_done"] == summary["n_items"] == 12
    assert summary["accuracy"] == 1.0
    assert summary["accuracy_strict_format"] == 1.0
    assert summary["answer_rules"] == {"format": 12}
    assert summary["chance_accuracy"] == pytest.approx(0.25)
    assert summary["calls_per_item"] == 1.0
    assert set(summary["breakdown"]["subject"]) == {"s1", "s2"}
    lo, hi = summary["ci95"]
    assert lo <= 1.0 <= hi


def test_wrong_and_unparsed_are_counted_separately(tmp_path, toy_items):
    replies = ["ANSWER: A", "I am not sure.", "the answer is (C)"]
    summary = run(plan(toy_items[:3]), ScriptedModel(replies), Store(tmp_path))
    # item 0 gold A -> correct (format); item 1 unparsed; item 2 gold C -> correct via a loose rule
    assert summary["accuracy"] == pytest.approx(2 / 3)
    assert summary["unparsed"] == 1
    assert summary["accuracy_strict_format"] == pytest.approx(1 / 3)
    assert summary["answer_rules"]["unparsed"] == 1


def test_identical_rerun_makes_zero_model_calls(tmp_path, toy_items):
    store = Store(tmp_path)
    first = ScriptedModel(answer_gold)
    run(plan(toy_items), first, store)
    assert len(first.calls) == 12
    # Same settings, new run name: every response comes from the cache.
    again = ScriptedModel(answer_gold)
    summary = run(plan(toy_items, name="rerun"), again, store)
    assert again.calls == []
    assert summary["session"]["model_calls"] == 0 and summary["session"]["cache_hits"] == 12
    assert summary["accuracy"] == 1.0


def test_resume_skips_finished_items(tmp_path, toy_items):
    store = Store(tmp_path)
    p = plan(toy_items)
    run(engine.RunPlan(**{**p.__dict__, "items": toy_items}), ScriptedModel(answer_gold), store)
    run_id = p.run_id(ScriptedModel(answer_gold))
    # Forget 5 predictions, as if the process had died before writing them.
    store.db.execute("DELETE FROM predictions WHERE run_id=? AND item_id IN ('q0','q1','q2','q3','q4')", (run_id,))
    model = ScriptedModel(answer_gold)
    summary = run(p, model, store, use_cache=False)
    assert len(model.calls) == 5
    assert summary["n_done"] == 12
    assert store.db.execute("SELECT COUNT(*) FROM predictions WHERE run_id=?", (run_id,)).fetchone()[0] == 12


def test_run_id_depends_on_settings(toy_items):
    model = ScriptedModel(answer_gold)
    base = plan(toy_items).run_id(model)
    assert plan(toy_items).run_id(model) == base
    assert plan(toy_items[:5]).run_id(model) != base
    assert plan(toy_items, seed=1).run_id(model) != base
    assert plan(toy_items, method="direct").run_id(model) != base


def test_transient_errors_are_retried_within_bounds(tmp_path, toy_items):
    failures = {"left": 2}

    class Flaky(ScriptedModel):
        async def complete(self, messages, params):
            if failures["left"] > 0:
                failures["left"] -= 1
                raise TransientModelError("HTTP 503", retry_after=0)
            return await super().complete(messages, params)

    store = Store(tmp_path)
    summary = run(plan(toy_items[:2]), Flaky(answer_gold), store)
    assert summary["errors"] == 0 and summary["accuracy"] == 1.0
    assert summary["failed_attempts_stored"] == 2


def test_persistent_errors_are_recorded_per_item_then_repaired(tmp_path, toy_items):
    class Down(ScriptedModel):
        async def complete(self, messages, params):
            raise TransientModelError("connection reset")

    store = Store(tmp_path)
    p = plan(toy_items[:3])
    summary = run(p, Down(answer_gold), store)
    assert summary["n_done"] == 3 and summary["errors"] == 3 and summary["accuracy"] == 0.0
    assert summary["failed_attempts_stored"] == 3 * FAST_RETRY.max_attempts
    # A plain rerun keeps the recorded errors; --retry-errors repairs them.
    assert run(p, ScriptedModel(answer_gold), store)["errors"] == 3
    repaired = run(p, ScriptedModel(answer_gold), store, retry_errors=True)
    assert repaired["errors"] == 0 and repaired["accuracy"] == 1.0 and repaired["n_done"] == 3


def test_fatal_model_error_is_not_retried(tmp_path, toy_items):
    class BadRequest(ScriptedModel):
        async def complete(self, messages, params):
            self.calls.append(None)
            raise ModelError("HTTP 400: bad request")

    model = BadRequest(answer_gold)
    summary = run(plan(toy_items[:1]), model, Store(tmp_path))
    assert len(model.calls) == 1 and summary["errors"] == 1


def test_identical_requests_in_flight_share_one_call(tmp_path, toy_items):
    same = [toy_items[0].model_copy(update={"id": f"dup{i}"}) for i in range(4)]
    model = ScriptedModel(answer_gold, delay_s=0.05)
    summary = run(plan(same), model, Store(tmp_path), concurrency=4)
    assert len(model.calls) == 1
    assert summary["n_done"] == 4 and summary["accuracy"] == 1.0


def test_trace_links_every_call(tmp_path, toy_items):
    store = Store(tmp_path)
    p = plan(toy_items[:2])
    model = ScriptedModel(answer_gold)
    run(p, model, store)
    preds = store.predictions(p.run_id(model))
    calls = store.get_calls([t["call_id"] for pr in preds for t in pr["trace"]])
    assert len(calls) == 2
    for pr in preds:
        call = calls[pr["trace"][0]["call_id"]]
        assert call["response"] == pr["output"]
        assert "Toy question" in call["messages"]


def test_changed_items_under_same_run_name_are_refused(tmp_path, toy_items):
    store = Store(tmp_path)
    run(plan(toy_items[:2], name="fixed"), ScriptedModel(answer_gold), store)
    with pytest.raises(ValueError, match="different items"):
        run(plan(toy_items[:3], name="fixed"), ScriptedModel(answer_gold), store)


def test_store_migrates_once_and_reopens(tmp_path, toy_items):
    store = Store(tmp_path)
    run(plan(toy_items[:2]), ScriptedModel(answer_gold), store)
    store.close()
    reopened = Store(tmp_path)
    assert reopened.db.execute("PRAGMA user_version").fetchone()[0] >= 1
    (run_row,) = reopened.list_runs()
    assert summarize_run(reopened, run_row["id"])["n_done"] == 2
