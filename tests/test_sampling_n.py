"""Several samples of one prompt: one request with `n` where the server honours it, parallel single
requests where it ignores or refuses `n`, the same stored samples either way; request slots that
a wide request holds several of; adaptive voting in batches that draws exactly the samples
one-at-a-time stopping would."""

from __future__ import annotations

import asyncio
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinreason import engine
from clinreason.methods import build_method
from clinreason.methods._common import leader
from clinreason.methods.cot_sc import SelfConsistencyParams, _batch_size, _should_stop
from clinreason.models import load_model
from clinreason.models.gateway import Gateway, RetryPolicy
from clinreason.models.openai_compat import _share_out
from clinreason.models.slots import Slots
from clinreason.store import Store
from clinreason.testing.fault_server import FaultServer
from clinreason.testing.llama_server import free_port

FAST = RetryPolicy(max_attempts=3, base_delay_s=0.0, max_delay_s=0.1)


def run_sc(url, items, store, *, concurrency=4, run_name=None, **params):
    """(summary, run id, the run's gateway: what it learnt of the server's `n` is `_n_mode()`)."""
    spec = f"openai-compat:{url}#fault"
    model = load_model(spec, timeout_s=5, concurrency=concurrency)
    method = build_method("cot_sc", {"n": 5, **params})
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec=spec, method=method, items=items, name=run_name)
    gateways: list[Gateway] = []
    init = Gateway.__init__

    def recording_init(self, *args, **kw):  # wherever the engine builds its gateway
        init(self, *args, **kw)
        gateways.append(self)

    async def go():
        try:
            return await engine.execute(plan, model, store, retry=FAST, concurrency=concurrency)
        finally:
            await model.aclose()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Gateway, "__init__", recording_init)
        summary = asyncio.run(go())
    return summary, plan.run_id(model), next(g for g in gateways if g.role == "model")


def votes(store: Store, run_id: str) -> dict:
    return {p["item_id"]: (p["answer"], p["info"]["answers"]) for p in store.predictions(run_id)}


@pytest.mark.parametrize("adaptive", [False, True])
def test_n_requests_give_the_samples_single_requests_give(tmp_path, toy_items, adaptive):
    """A server honouring n (choice j seeded seed + j, as llama-server) and servers ignoring or
    refusing it yield the very same samples; only the number of requests differs."""
    results = {}
    for mode in ("honour", "ignore", "reject"):
        server = FaultServer(n_mode=mode, lifetime_s=120)
        with server as url:
            store = Store(tmp_path / mode)
            summary, run_id, gateway = run_sc(url, toy_items[:6], store, adaptive=adaptive)
        assert summary["n_done"] == 6 and summary["errors"] == 0
        assert summary["session"]["multi_sample_requests"] == server.n_requests
        samples = sum(len(a) for _, a in votes(store, run_id).values())
        results[mode] = (votes(store, run_id), samples, server.requests, server.n_requests, gateway._n_mode())
    honour, ignore, reject = results["honour"], results["ignore"], results["reject"]
    assert honour[0] == ignore[0] == reject[0]  # same answers, same votes, sample by sample
    assert honour[4] is True and ignore[4] is False and reject[4] is False
    # honoured: one request per batch, fewer requests than samples
    assert 0 < honour[3] and honour[2] < honour[1]
    # ignored: the n request yields its first sample, the rest go singly; every sample once
    assert ignore[2] == ignore[1]
    # refused: learnt from the first refusal (an n=1 retry of the same request), then single requests
    assert reject[3] == 1 and reject[2] == reject[1]


def test_samples_from_an_n_request_serve_single_requests_from_the_cache(tmp_path, toy_items):
    store, port = Store(tmp_path), free_port()  # the same URL: the model identity is part of the key
    with FaultServer(n_mode="honour", lifetime_s=60, port=port) as url:
        first, _, _ = run_sc(url, toy_items[:4], store, adaptive=False)
    server = FaultServer(n_mode="ignore", lifetime_s=60, port=port)
    with server as url:
        again, _, _ = run_sc(url, toy_items[:4], store, adaptive=False, run_name="again")
    assert first["n_done"] == again["n_done"] == 4
    assert server.requests == 0 and again["session"]["model_calls"] == 0
    assert again["session"]["cache_hits"] == 20


def test_n_is_capped_at_the_request_slots(tmp_path, toy_items):
    """A server caps n at its parallel slots: with -c 2, five samples go out as n=2, 2, 1."""
    store = Store(tmp_path)
    server = FaultServer(n_mode="honour", lifetime_s=60)
    with server as url:
        summary, run_id, _ = run_sc(url, toy_items[:3], store, concurrency=2, adaptive=False)
    assert summary["n_done"] == 3
    assert server.n_asked == {2: 6, 1: 3}
    rows = store.db.execute("SELECT item_id, sample FROM calls").fetchall()
    assert sorted((r["item_id"], r["sample"]) for r in rows) == sorted(
        (item.id, i) for item in toy_items[:3] for i in range(5))


def test_usage_of_an_n_request_is_counted_once(tmp_path, toy_items):
    store = Store(tmp_path)
    with FaultServer(n_mode="honour", lifetime_s=60) as url:
        run_sc(url, toy_items[:1], store, adaptive=False, concurrency=5)
    prompt = [r[0] for r in store.db.execute("SELECT prompt_tokens FROM calls ORDER BY sample")]
    assert prompt[0] > 0 and prompt[1:] == [0, 0, 0, 0]  # the shared prompt was processed once


@given(st.integers(0, 200), st.lists(st.integers(0, 100), min_size=2, max_size=40))
def test_share_out_adds_up_and_is_proportional(total, weights):
    shares = _share_out(total, [w + 1 for w in weights])
    assert sum(shares) == total and all(s >= 0 for s in shares)
    exact = [total * (w + 1) / sum(w + 1 for w in weights) for w in weights]
    assert all(abs(s - e) < 1 for s, e in zip(shares, exact))


@settings(max_examples=300)
@given(st.integers(1, 9), st.lists(st.sampled_from(["A", "B", "C", None]), min_size=9, max_size=9),
       st.one_of(st.none(), st.sampled_from([0.6, 0.75, 1.0])))
def test_batched_adaptive_draws_exactly_what_one_at_a_time_draws(n, stream, share):
    p = SelfConsistencyParams(n=n, stop_share=share, min_samples=3)
    one_by_one = []
    for a in stream[:n]:
        one_by_one.append(a)
        if _should_stop(p, one_by_one, n - len(one_by_one)):
            break
    batched = []
    while len(batched) < n:
        batched += stream[len(batched): len(batched) + _batch_size(p, batched, n - len(batched))]
        if _should_stop(p, batched, n - len(batched)):
            break
    assert batched == one_by_one and leader(batched) == leader(one_by_one)


def test_a_wide_request_waits_for_its_slots_first_come_first_served():
    async def go():
        slots, order = Slots(4), []

        async def hold(name, count, seconds):
            async with slots.take(count):
                order.append(name)
                await asyncio.sleep(seconds)

        tasks = [asyncio.create_task(hold("a", 3, 0.05))]
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(hold("wide", 4, 0.01)))  # needs all 4: waits for a
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(hold("b", 1, 0.01)))  # 1 is free, but wide came first
        await asyncio.gather(*tasks)
        return order, slots.free

    order, free = asyncio.run(go())
    assert order == ["a", "wide", "b"] and free == 4


def test_slots_survive_cancellation():
    async def go():
        slots = Slots(2)
        rng = random.Random(7)

        async def hold(count):
            async with slots.take(count):
                await asyncio.sleep(rng.random() / 100)

        tasks = [asyncio.create_task(hold(rng.choice([1, 2, 3]))) for _ in range(40)]
        await asyncio.sleep(0.01)
        for t in tasks[::3]:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return slots.free, slots._waiters

    free, waiters = asyncio.run(go())
    assert free == 2 and not waiters


def test_llama_server_usage_counts_its_first_choice_only():
    """llama-server answers n=3 with the usage of choice 0 alone (seen on 0.3.36's vendored build):
    choice 0 keeps it, the others are estimated, not given a share of one choice's count."""
    from clinreason.models.protocol import SamplingParams
    from clinreason.models.openai_compat import _completions

    data = {"choices": [
        {"index": 1, "finish_reason": "length", "message": {"content": "In the context of biology, a simple yet"}},
        {"index": 0, "finish_reason": "length", "message": {"content": "One organ is the human brain, which"}},
        {"index": 2, "finish_reason": "stop", "message": {"content": "One organ"}}],
        "usage": {"completion_tokens": 16, "prompt_tokens": 34}, "timings": {"prompt_n": 34, "predicted_n": 16}}
    got = _completions(data, SamplingParams(max_tokens=16), 0.5)
    assert [c.text[:5] for c in got] == ["One o", "In th", "One o"]
    assert [c.usage.prompt_tokens for c in got] == [34, 0, 0]
    assert [c.usage.completion_tokens for c in got] == [16, 16, round(9 * 16 / 35)]
    # an OpenAI-style total is shared out instead
    del data["timings"]
    assert sum(c.usage.completion_tokens for c in _completions(data, SamplingParams(max_tokens=16), 0.5)) == 16
