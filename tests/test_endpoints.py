"""Several endpoints serving one model (`openai-compat:URL1,URL2#MODEL`, clinreason.models.endpoints),
against real fault-injecting servers on 127.0.0.1: the items are shared, a failing endpoint loses
no item, the cache is one, an unreachable endpoint is refused before any work, no secret is stored."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clinreason import engine
from clinreason.cli import app
from clinreason.methods import build_method
from clinreason.models import load_model
from clinreason.models.endpoints import EndpointPool, split_urls
from clinreason.models.gateway import RetryPolicy
from clinreason.store import Store
from clinreason.testing.fault_server import FaultServer

from _server import free_port

pytestmark = pytest.mark.server

FAST = RetryPolicy(max_attempts=3, base_delay_s=0.0, max_delay_s=0.2)


@contextlib.contextmanager
def serving(*servers: FaultServer):
    """The servers, started (their .url set), stopped on the way out."""
    with contextlib.ExitStack() as stack:
        for server in servers:
            stack.enter_context(server)
        yield servers


def pool_spec(*urls: str) -> str:
    return f"openai-compat:{','.join(urls)}#fault"


def run(spec, items, store, *, concurrency=4, timeout_s=30.0, retry=FAST):
    model = load_model(spec, timeout_s=timeout_s, concurrency=concurrency)
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec=spec, method=build_method("direct"), items=items)

    async def go():
        try:
            return await engine.execute(plan, model, store, retry=retry, concurrency=concurrency)
        finally:
            await model.aclose()

    return asyncio.run(go()), plan.run_id(model), model


def predictions(store: Store, run_id: str) -> list[tuple]:
    return store.db.execute("SELECT item_id, status FROM predictions WHERE run_id = ?", (run_id,)).fetchall()


def failed_attempts(store: Store) -> list[str]:
    return [r[0] for r in store.db.execute("SELECT error FROM calls WHERE error IS NOT NULL")]


def data_file(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps({"id": f"q{i}", "question": f"Endpoint question {i}?", "answer": "ABCD"[i % 4],
                                        "options": {"A": "a", "B": "b", "C": "c", "D": "d"}}) + "\n"
                            for i in range(n)))
    return path


def invoke(*args) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, " ".join(result.output.split())


# --- sharing, one cache ---------------------------------------------------------------------------
def test_cli_run_shares_items_between_two_endpoints_and_one_cache(tmp_path):
    data, out = data_file(tmp_path, 12), tmp_path / "results"
    with serving(FaultServer(delay_s=0.02, lifetime_s=120), FaultServer(delay_s=0.02, lifetime_s=120),
                 FaultServer(lifetime_s=120)) as (a, b, c):
        def clinreason_run(*urls, name=None) -> None:
            extra = ["--run-name", name] if name else []
            code, output = invoke("run", data, "--out", out, "-m", pool_spec(*urls), "--method", "direct", "-c", "4",
                                  *extra)
            assert code == 0, output

        clinreason_run(a.url, b.url)
        first = (a.requests, b.requests)
        summary = json.loads((out / "runs").glob("*.json").__next__().read_text())
        served = {e["endpoint"]: e["requests"] for e in summary["endpoints"]}  # the summary shows each one's share
        assert sorted(served.values()) == sorted(first), summary["endpoints"]
        assert a.requests > 0 and b.requests > 0 and a.requests + b.requests == 12, first
        clinreason_run(b.url, a.url)  # reversed: the same run (resumed: nothing left to do)
        clinreason_run(c.url, a.url, name="other")  # another replica set, a new run: all from the one cache
        assert (a.requests, b.requests, c.requests) == (*first, 0)
    store = Store(out)
    runs = [r[0] for r in store.db.execute("SELECT id FROM runs ORDER BY created_at")]
    assert len(runs) == 2 and runs[1] == "other"
    for run_id in runs:
        assert sorted(status for _, status in predictions(store, run_id)) == ["ok"] * 12
    assert [r[0] for r in store.db.execute("SELECT DISTINCT model FROM calls")] == ["openai-compat:endpoints#fault"]


def test_identity_and_run_id_do_not_depend_on_the_endpoints_or_their_order(toy_items):
    specs = [pool_spec("http://h1:8000/v1", "http://h2:8000/v1"), pool_spec("http://h2:8000/v1", "http://h1:8000/v1"),
             pool_spec("http://u:pw-9f8e7d@h3:8000/v1", "http://h1:8000/v1/", "https://h4/v1")]
    models = [load_model(s, preflight=False) for s in specs]
    assert {m.identity for m in models} == {"openai-compat:endpoints#fault"}
    run_ids = {engine.RunPlan(benchmark="toy", subset=None, model_spec=s, method=build_method("direct"),
                              items=toy_items).run_id(m) for s, m in zip(specs, models)}
    assert len(run_ids) == 1
    assert isinstance(models[0], EndpointPool) and models[0].max_concurrency == 16  # 8 per endpoint
    # The single-URL form is unchanged (its identity names its URL, as before: old caches still hit).
    single = load_model("openai-compat:http://u:pw-9f8e7d@h1:8000/v1#fault")
    assert not isinstance(single, EndpointPool)
    assert single.identity == "openai-compat:http://u:[REDACTED]@h1:8000/v1#fault"
    for model in (*models, single):
        asyncio.run(model.aclose())


def test_split_urls_keeps_commas_that_start_no_url():
    assert split_urls("http://u:a,b@h1/v1") == ["http://u:a,b@h1/v1"]
    assert split_urls("http://h1/v1, https://h2/v1,http://h3/x,y") == ["http://h1/v1", "https://h2/v1", "http://h3/x,y"]


@pytest.mark.parametrize("spec, words", [
    (pool_spec("http://h1/v1", "ftp://h2/v1"), "'ftp://h2/v1' is not an http:// or https:// URL"),
    (pool_spec("http://h1/v1", "http://h1/v1/"), "named twice"),
])
def test_bad_endpoint_lists_are_refused(spec, words):
    from clinreason.models import ModelError

    with pytest.raises(ModelError, match=words):
        load_model(spec, preflight=False)


# --- balancing and fail-over ----------------------------------------------------------------------
def test_the_faster_endpoint_takes_more_work(tmp_path, toy_items):
    """Least outstanding requests: the slow endpoint keeps its requests longer, so gets fewer."""
    with serving(FaultServer(delay_s=0.25, lifetime_s=60), FaultServer(lifetime_s=60)) as (slow, fast):
        summary, _, model = run(pool_spec(slow.url, fast.url), toy_items, Store(tmp_path), concurrency=2)
    assert summary["n_done"] == 12 and summary["errors"] == 0
    assert 0 < slow.requests < fast.requests, (slow.requests, fast.requests)
    assert [s["requests"] for s in model.stats()] == [slow.requests, fast.requests]


class StopsAtThirdRequest(FaultServer):
    """A server that dies while its third request is in flight (as a killed replica does): that
    request's connection is reset, later ones are refused."""

    def next_fault(self) -> str:
        fault = super().next_fault()
        if self.requests == 3:
            self._loop.call_soon_threadsafe(self._stopped.set)
        return fault


@pytest.mark.parametrize("failure", ["500", "reset", "stop", "hang"])
def test_an_endpoint_failing_mid_run_loses_no_item(tmp_path, toy_items, failure):
    """After 3 requests one endpoint fails (HTTP 500s, connection resets, a server killed mid-request,
    or hangs past the timeout): its requests move to the other, and no item sees an error."""
    good = FaultServer(delay_s=0.05, lifetime_s=60)
    if failure == "stop":
        bad = StopsAtThirdRequest(delay_s=0.05, lifetime_s=60)
    else:
        bad = FaultServer(faults=["ok"] * 3, default=failure, delay_s=0.05, hang_s=5, lifetime_s=60)
    with serving(good, bad):
        store = Store(tmp_path)
        summary, run_id, model = run(pool_spec(bad.url, good.url), toy_items, store,
                                     timeout_s=2.0 if failure == "hang" else 30.0)
    assert summary["n_done"] == 12 and summary["errors"] == 0
    assert summary["failed_attempts_stored"] == 0 and failed_attempts(store) == []
    assert sorted(status for _, status in predictions(store, run_id)) == ["ok"] * 12
    bad_stats, good_stats = model.stats()
    assert bad_stats["failures"] >= 1 and good_stats["failures"] == 0
    answered_by_bad = bad_stats["requests"] - bad_stats["failures"]
    assert answered_by_bad >= (0 if failure == "stop" else 3) and good.requests > 0
    # One answer per item: a request lost on the failing endpoint (in flight when the server stopped
    # included) was asked again of the other, never twice of a healthy one.
    assert answered_by_bad + good.requests == 12
    assert bad_stats["outstanding"] == good_stats["outstanding"] == 0


def test_only_when_every_endpoint_fails_the_gateway_sees_an_error(tmp_path, toy_items):
    with serving(FaultServer(faults=["503"], lifetime_s=60), FaultServer(faults=["500"], lifetime_s=60)) as (a, b):
        store = Store(tmp_path)
        summary, _, _ = run(pool_spec(a.url, b.url), toy_items[:1], store, concurrency=1)
    assert summary["n_done"] == 1 and summary["errors"] == 0
    (error,) = failed_attempts(store)  # one attempt, naming both endpoints' failures; the retry succeeded
    assert "all 2 endpoints failed" in error and a.url in error and b.url in error and "503" in error


# --- before any work --------------------------------------------------------------------------------
def test_unreachable_endpoint_is_a_clear_error_before_any_work(tmp_path):
    out = tmp_path / "results"
    dead = f"http://user:pw-unreach-5150@127.0.0.1:{free_port()}/v1"
    with serving(FaultServer(lifetime_s=60)) as (a,):
        code, output = invoke("run", data_file(tmp_path, 3), "--out", out, "-m", pool_spec(a.url, dead),
                              "--method", "direct")
        assert a.requests == 0  # no chat request was made
    assert code == 2, output
    assert "1 of 2 endpoints" in output and "unreachable" in output and "could not connect" in output
    assert dead.replace("pw-unreach-5150", "[REDACTED]") in output
    assert "pw-unreach-5150" not in output and "Traceback" not in output
    assert not out.exists()


def test_an_endpoint_whose_server_errs_at_start_is_refused(tmp_path):
    from clinreason.models import ModelError

    with serving(FaultServer(lifetime_s=60)) as (a,):
        with pytest.raises(ModelError, match=r"unreachable .*could not connect"):
            load_model(pool_spec(a.url, f"http://127.0.0.1:{free_port()}/v1"), timeout_s=2)
        load_model(pool_spec(a.url, a.url.replace("/v1", "/v1/x")), timeout_s=2)  # answers (404): reachable


# --- secrets -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("via", ["url", "key"])
def test_secrets_of_endpoints_never_reach_the_store(tmp_path, toy_items, monkeypatch, via):
    """Credentials in the endpoints' URLs (a password each, sent as Basic auth) or an API key (Bearer),
    echoed back by both servers in an error body: the store holds them in no form."""
    key = "sk-endpoints-FAKE-0a1b2c3d4e"
    monkeypatch.setenv("CLINREASON_TEST_POOL_KEY", key)
    passwords = ["pw-alpha-7c1e", "pw-beta-92dd"]
    echoing = [FaultServer(faults=["echo_500"], lifetime_s=60) for _ in passwords]
    with serving(*echoing) as (a, b):
        urls = [a.url, b.url]
        if via == "url":
            urls = [u.replace("http://", f"http://user:{pw}@") for u, pw in zip(urls, passwords)]
        spec = pool_spec(*urls)
        model = load_model(spec, api_key_env="CLINREASON_TEST_POOL_KEY" if via == "key" else None, concurrency=1)
        plan = engine.RunPlan(benchmark="toy", subset=None, model_spec=spec, method=build_method("direct"),
                              items=toy_items[:2])
        store = Store(tmp_path)

        async def go():
            try:
                return await engine.execute(plan, model, store, retry=FAST, concurrency=1)
            finally:
                await model.aclose()

        summary = asyncio.run(go())
    assert summary["n_done"] == 2 and summary["errors"] == 0
    (error,) = failed_attempts(store)  # both echoed the credential: the one attempt failed, redacted
    scheme = "Basic" if via == "url" else "Bearer"
    assert error.count(f"Incorrect API key provided: {scheme} [REDACTED]") == 2, error
    store.db.close()
    needles = [key, *passwords, *(base64.b64encode(f"user:{pw}".encode()).decode() for pw in passwords)]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files
    for path in files:
        blob = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in blob, f"{needle} in {path}"
