"""Identical requests in flight in two PROCESSES share one model call, as they do within one
process: a lease in the store (call_leases) says who is asking; the other waits for the answer
in the cache, within bounds, and takes over a lease that expires or whose holder died."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import textwrap
import time

from clinreason.models.gateway import Gateway, RetryPolicy
from clinreason.models.protocol import Message, SamplingParams
from clinreason.models.scripted import ScriptedModel
from clinreason.store import Store
from clinreason.testing.fault_server import FaultServer

# One judge-like process: the same 8 requests as its twin, started at the same moment.
WORKER = textwrap.dedent("""
    import asyncio, json, os, sys, time
    from clinreason import engine
    from clinreason.items import Item
    from clinreason.methods import build_method
    from clinreason.models import load_model
    from clinreason.store import Store

    url, out, me, other = sys.argv[1:]
    spec = f"openai-compat:{url}#fault"
    items = [Item(id=f"q{i}", benchmark="toy", question=f"Shared question {i}?",
                  options={"A": "a", "B": "b", "C": "c", "D": "d"}, answer="ABCD"[i % 4]) for i in range(8)]
    store = Store(out)
    model = load_model(spec, concurrency=4, timeout_s=30)
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec=spec, method=build_method("direct"), items=items)
    open(me, "w").close()
    deadline = time.time() + 30  # start together: both ask while the other's requests are in flight
    while not os.path.exists(other) and time.time() < deadline:
        time.sleep(0.005)

    async def go():
        try:
            return await engine.execute(plan, model, store, concurrency=4)
        finally:
            await model.aclose()

    print(json.dumps(asyncio.run(go())))
""")


def test_two_processes_pay_each_request_once(tmp_path):
    server = FaultServer(delay_s=0.5, lifetime_s=120)
    out = tmp_path / "results"
    with server as url:
        Store(out).close()  # created (and migrated) before the race
        barrier = [str(tmp_path / "a.ready"), str(tmp_path / "b.ready")]
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, url, str(out), *pair],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for pair in (barrier, barrier[::-1])]
        results = [p.communicate(timeout=120) for p in procs]
    for proc, (stdout, stderr) in zip(procs, results):
        assert proc.returncode == 0, stderr[-3000:]
        summary = json.loads(stdout.strip().splitlines()[-1])
        assert summary["n_done"] == 8 and summary["errors"] == 0
    distinct = {json.dumps(body, sort_keys=True) for body in server.bodies}
    assert len(distinct) == 8
    assert server.requests == 8, f"{server.requests} requests for 8 distinct ones"
    store = Store(out)
    assert store.count_calls() == 8
    assert store.db.execute("SELECT COUNT(*) FROM call_leases").fetchone()[0] == 0  # all released


def test_lease_is_exclusive_until_released_or_expired(tmp_path):
    store = Store(tmp_path)
    assert store.acquire_lease("k", "a", ttl_s=0.3)
    assert store.acquire_lease("k", "a", ttl_s=0.3)  # its holder renews it
    assert not store.acquire_lease("k", "b", ttl_s=0.3)
    store.release_lease("k", "b")  # not b's to release
    assert not store.acquire_lease("k", "b", ttl_s=0.3)
    store.release_lease("k", "a")
    assert store.acquire_lease("k", "b", ttl_s=0.3)
    time.sleep(0.35)
    assert store.acquire_lease("k", "a", ttl_s=0.3)  # b's lease expired


def _gateway(store, **kw) -> tuple[Gateway, ScriptedModel]:
    model = ScriptedModel(["ANSWER: A"], identity="scripted-lease")
    return Gateway(model, store, retry=RetryPolicy(max_attempts=1), **kw), model


def test_gateway_waits_for_another_holder_then_uses_its_answer(tmp_path):
    store = Store(tmp_path)
    gateway, model = _gateway(store, lease_ttl_s=10)
    other, other_model = _gateway(store, use_cache=False)  # stands in for the process holding the lease
    messages, params = [Message(role="user", content="q")], SamplingParams()
    from clinreason.models.gateway import cache_key

    key = cache_key(model.identity, messages, params, 0)
    assert store.acquire_lease(key, "other-process", ttl_s=60)

    async def go():
        waiting = asyncio.create_task(gateway.complete(messages, params, item_id="q"))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # held elsewhere: it waits rather than paying again
        await other.complete(messages, params, item_id="q")  # the holder's answer lands in the store...
        store.release_lease(key, "other-process")  # ... and it lets go
        return await asyncio.wait_for(waiting, 5)

    completion, _ = asyncio.run(go())
    assert completion.cached and len(other_model.calls) == 1 and not model.calls and gateway.calls_made == 0


def test_gateway_takes_over_an_expired_lease_or_one_whose_holder_died(tmp_path):
    store = Store(tmp_path)
    messages, params = [Message(role="user", content="q")], SamplingParams()
    from clinreason.models.gateway import cache_key

    gateway, model = _gateway(store, lease_ttl_s=60)
    key = cache_key(model.identity, messages, params, 0)
    assert store.acquire_lease(key, "elsewhere:1:x", ttl_s=0.5)  # a live-looking holder that never answers
    start = time.perf_counter()
    asyncio.run(gateway.complete(messages, params, item_id="q"))
    assert 0.4 < time.perf_counter() - start < 5 and len(model.calls) == 1

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    holder = f"{socket.gethostname()}:{int(dead.stdout)}:dead"  # this machine, a process that has exited
    messages = [Message(role="user", content="q2")]
    key = cache_key(model.identity, messages, params, 0)
    assert store.acquire_lease(key, holder, ttl_s=600)
    start = time.perf_counter()
    asyncio.run(gateway.complete(messages, params, item_id="q2"))
    assert time.perf_counter() - start < 2 and len(model.calls) == 2


def test_samples_held_elsewhere_are_left_out_of_the_n_request(tmp_path):
    """complete_many: a sample another process is asking for is not asked again; the others go out
    as one n request, and the held one is waited for."""
    from clinreason.models.gateway import cache_key
    from clinreason.models.openai_compat import OpenAICompatModel

    store = Store(tmp_path)
    messages = [Message(role="user", content="q")]
    params = [SamplingParams(temperature=0.7, seed=10 + i) for i in range(3)]
    server = FaultServer(lifetime_s=60)
    with server as url:
        model = OpenAICompatModel(url, "fault")
        gateway = Gateway(model, store, retry=RetryPolicy(max_attempts=1), lease_ttl_s=10)
        held = cache_key(model.identity, messages, params[1], 1)
        assert store.acquire_lease(held, "elsewhere:1:x", ttl_s=60)

        async def go():
            task = asyncio.create_task(gateway.complete_many(messages, params, [0, 1, 2], item_id="q"))
            await asyncio.sleep(0.5)
            assert not task.done() and server.requests == 1 and server.n_asked[2] == 1
            store.record_call(cache_key=held, model=model.identity, response="from elsewhere")
            store.release_lease(held, "elsewhere:1:x")
            try:
                return await asyncio.wait_for(task, 5)
            finally:
                await model.aclose()

        results = asyncio.run(go())
    assert [c.text for c, _ in results][1] == "from elsewhere" and server.requests == 1
