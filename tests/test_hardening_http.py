"""The OpenAI-compatible backend against replies that are wrong in ways the first faults did not
cover: HTTP 200 bodies that are not chat completions, a body trickled one byte at a time, a gzip
bomb, and error bodies that echo the API key. Each is met through the real HTTP stack
(clinreason.testing.fault_server) and must end as a named, per-item error: never a crash, an
unbounded wait, an unbounded body or a stored secret."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
import tracemalloc

import pytest

from clinreason import engine
from clinreason.methods import build_method
from clinreason.models import load_model
from clinreason.models.gateway import RetryPolicy
from clinreason.models.openai_compat import OpenAICompatModel
from clinreason.models.protocol import Message, ModelError, SamplingParams, TransientModelError
from clinreason.store import Store
from clinreason.testing.fault_server import MALFORMED_FAULTS, FaultServer, _gzip_bomb, letter_reply

from conftest import make_item

HI = [Message(role="user", content="hi")]
# What each malformed reply's error must name.
NAMED = {"non_utf8": "UTF-8", "lone_surrogate": "surrogate", "content_number": "content",
         "content_garbled": "content", "bad_finish_reason": "finish_reason", "usage_string": "usage",
         "usage_negative": "usage", "usage_list": "usage", "choice_not_object": "choices[0]",
         "no_message": "message", "message_not_object": "message"}


def complete(model: OpenAICompatModel, messages=HI, params: SamplingParams | None = None, *, bound_s: float = 30):
    """One request, within the test's own bound (so a test of a missing bound fails, not hangs)."""
    async def go():
        try:
            return await asyncio.wait_for(model.complete(messages, params or SamplingParams()), bound_s)
        finally:
            await model.aclose()

    return asyncio.run(go())


def run(spec: str, items, store: Store, *, concurrency=4, retry=None, timeout_s=10.0, api_key_env=None):
    model = load_model(spec, timeout_s=timeout_s, concurrency=concurrency, api_key_env=api_key_env)
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec=spec, method=build_method("direct"), items=items)

    async def go():
        try:
            return await engine.execute(plan, model, store, concurrency=concurrency,
                                        retry=retry or RetryPolicy(max_attempts=2, base_delay_s=0, max_delay_s=0))
        finally:
            await model.aclose()

    return asyncio.run(go()), plan.run_id(model)


# --- 2. malformed HTTP 200 replies ------------------------------------------------------------

@pytest.mark.parametrize("fault", MALFORMED_FAULTS)
def test_malformed_200_reply_is_a_transient_error_naming_what_is_wrong(fault):
    with FaultServer(faults=[fault], lifetime_s=30) as url:
        with pytest.raises(TransientModelError) as err:
            complete(OpenAICompatModel(url, "fault"))
        assert complete(OpenAICompatModel(url, "fault")).text == letter_reply([{"role": "user", "content": "hi"}])
    message = str(err.value)
    assert message.startswith("malformed response") and NAMED[fault] in message, message
    message.encode("utf-8")  # storable as it is: no surrogate, no stray bytes


def test_list_of_text_parts_content_is_joined():
    """OpenAI's list-of-parts content is legitimate: its text parts are the text."""
    with FaultServer(faults=["content_parts"], lifetime_s=30) as url:
        completion = complete(OpenAICompatModel(url, "fault"))
    assert completion.text == letter_reply([{"role": "user", "content": "hi"}])


def test_malformed_replies_in_a_20_item_run_end_as_per_item_errors(tmp_path):
    """Every malformed reply, three times over, at the head of a 20-item run with 2 attempts per
    call: the run completes, each item with a stored prediction (ok or error), every malformed
    reply stored as a failed attempt. The first 33 requests all fail, so between 13 and 16 items
    (whatever the order of arrival) meet two in a row and are recorded as errors."""
    items = [make_item(i, answer="ABCD"[i % 4]) for i in range(20)]
    sequence = list(MALFORMED_FAULTS) * 3
    store = Store(tmp_path)
    server = FaultServer(faults=sequence, lifetime_s=60)
    with server as url:
        summary, run_id = run(f"openai-compat:{url}#fault", items, store)
    predictions = store.predictions(run_id)
    assert sorted(p["item_id"] for p in predictions) == sorted(i.id for i in items)
    statuses = [p["status"] for p in predictions]
    assert set(statuses) == {"ok", "error"} and 13 <= statuses.count("error") <= 16
    assert summary["n_done"] == 20 and summary["errors"] == statuses.count("error")
    assert summary["failed_attempts_stored"] == len(sequence) == server.requests - statuses.count("ok")
    for p in predictions:
        if p["status"] == "error":
            assert p["error"].startswith("gave up after 2 attempts: malformed response"), p["error"]


# --- 3. a bound on the whole request ----------------------------------------------------------

def test_trickled_body_gives_up_at_the_request_timeout():
    """One byte every 0.5 s never trips a per-read timeout of 1 s; the whole request is bounded."""
    with FaultServer(faults=["trickle"], trickle_s=0.5, lifetime_s=60) as url:
        start = time.perf_counter()
        with pytest.raises(TransientModelError, match="timed out") as err:
            complete(OpenAICompatModel(url, "fault", timeout_s=1), bound_s=10)
        elapsed = time.perf_counter() - start
    assert 0.9 <= elapsed < 5, elapsed
    assert "1 s" in str(err.value)


# --- 6. a cap on the response body ------------------------------------------------------------

def test_gzip_bomb_is_refused_at_the_cap_with_bounded_memory_and_store(tmp_path):
    """A 64 KB gzip body inflating to 64 MB: refused at the default 8 MiB cap (decompressed bytes
    counted), not retried, recorded as the item's error naming the cap and how to raise it."""
    size = 64 * 2**20
    _gzip_bomb(size)  # built before measuring: the server's own memory is not the client's
    server = FaultServer(faults=["huge"], huge_bytes=size, lifetime_s=60)
    store = Store(tmp_path)
    with server as url:
        tracemalloc.start()
        try:
            summary, run_id = run(f"openai-compat:{url}#fault", [make_item(0)], store, concurrency=1,
                                  retry=RetryPolicy(max_attempts=3, base_delay_s=0, max_delay_s=0))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert server.requests == 1, "a body over the cap is not retried"
    assert summary["errors"] == 1
    (prediction,) = store.predictions(run_id)
    assert "8388608" in prediction["error"] and "CLINREASON_MAX_RESPONSE_BYTES" in prediction["error"]
    assert peak < 32 * 2**20, f"peak {peak / 2**20:.0f} MiB"
    store.close()
    stored = sum(p.stat().st_size for p in tmp_path.iterdir() if p.is_file())
    assert stored < 2 * 2**20, f"store is {stored / 2**20:.1f} MiB"


def test_response_cap_is_configurable(monkeypatch):
    """By argument or by environment: a healthy 300-byte reply is over a 100-byte cap (not
    retryable); a 2 MiB body is within a 4 MiB cap and over a 1 MiB one."""
    with FaultServer(faults=["ok"], lifetime_s=30) as url:
        with pytest.raises(ModelError, match="100-byte cap") as err:
            complete(OpenAICompatModel(url, "fault", max_response_bytes=100))
        assert not isinstance(err.value, TransientModelError)
    with FaultServer(faults=["huge", "huge"], huge_bytes=2 * 2**20, lifetime_s=30) as url:
        monkeypatch.setenv("CLINREASON_MAX_RESPONSE_BYTES", str(4 * 2**20))
        assert len(complete(OpenAICompatModel(url, "fault")).text) > 2**20
        monkeypatch.setenv("CLINREASON_MAX_RESPONSE_BYTES", str(2**20))
        with pytest.raises(ModelError, match="1048576-byte cap"):
            complete(OpenAICompatModel(url, "fault"))


# --- 8. secrets echoed by the server ----------------------------------------------------------

def _files(root):
    return [p for p in root.rglob("*") if p.is_file()]


def test_echoed_api_key_never_reaches_the_store(tmp_path, monkeypatch):
    """A server quotes the Authorization header back: in a 500 (retried), in a healthy reply's
    text, and in a 401 (the item's error). The key is sent, and found nowhere in the store's
    files (.db, -wal, -shm, read while open and after closing)."""
    key = "sk-hardening-" + secrets.token_hex(16)
    monkeypatch.setenv("CLINREASON_TEST_ECHO_KEY", key)
    server = FaultServer(faults=["echo_500", "echo_200", "echo_401"], lifetime_s=60)
    store = Store(tmp_path / "results")
    with server as url:
        summary, run_id = run(f"openai-compat:{url}#fault", [make_item(0), make_item(1)], store,
                              concurrency=1, api_key_env="CLINREASON_TEST_ECHO_KEY")
    assert hashlib.sha256(f"Bearer {key}".encode()).hexdigest() in server.auth_hashes  # it was sent
    assert summary["n_done"] == 2 and summary["errors"] == 1
    errors = [r[0] for r in store.db.execute("SELECT error FROM calls WHERE error IS NOT NULL")]
    responses = [r[0] for r in store.db.execute("SELECT response FROM calls WHERE error IS NULL")]
    predictions = store.predictions(run_id)
    assert len(errors) == 2 and all("Bearer [REDACTED]" in e for e in errors), errors
    assert responses == ["You sent Bearer [REDACTED]\nANSWER: A"]
    assert "Bearer [REDACTED]" in next(p["error"] for p in predictions if p["status"] == "error")
    for needle in (key, key[-12:]):
        for path in _files(tmp_path):
            assert needle.encode() not in path.read_bytes(), f"key found in {path} (open)"
    store.close()
    for path in _files(tmp_path):
        assert key[-12:].encode() not in path.read_bytes(), f"key found in {path}"


def test_echoed_url_password_is_redacted_from_errors():
    """A password in the base URL is sent as HTTP Basic auth; an echo of it (the base64 of
    user:password, or the password itself) never survives into an error message."""
    password = "pw-" + secrets.token_hex(12)
    basic = base64.b64encode(f"alice:{password}".encode()).decode()
    server = FaultServer(faults=["echo_500", "echo_401"], lifetime_s=30)
    with server as url:
        secret_url = url.replace("http://", f"http://alice:{password}@")
        with pytest.raises(TransientModelError) as transient:
            complete(OpenAICompatModel(secret_url, "fault"))
        with pytest.raises(ModelError) as fatal:
            complete(OpenAICompatModel(secret_url, "fault"))
    assert hashlib.sha256(f"Basic {basic}".encode()).hexdigest() in server.auth_hashes  # it was sent
    for err in (transient, fatal):
        assert "Basic [REDACTED]" in str(err.value)
        assert password not in str(err.value) and basic not in str(err.value)
    model = OpenAICompatModel(f"http://alice:{password}@127.0.0.1:9/v1", "m")
    assert model.redact(f"x {password} {basic} y") == "x [REDACTED] [REDACTED] y"
