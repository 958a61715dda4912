"""The openai-compat backend against a real server: llama-cpp-python's OpenAI-compatible
server on 127.0.0.1 serving the same GGUF as the embedded backend. No mocked HTTP."""

from __future__ import annotations

import asyncio
import pytest

from clinreason import engine
from clinreason.data import load_items
from clinreason.methods import build_method
from clinreason.models import load_model
from clinreason.models.protocol import Message, ModelError, SamplingParams
from clinreason.models.llamacpp import bundled_smollm2
from clinreason.store import Store

from _server import free_port, llama_server

pytestmark = [pytest.mark.server, pytest.mark.model]


@pytest.fixture(scope="module")
def server_url():
    try:
        with llama_server(bundled_smollm2()) as url:
            yield url
    except RuntimeError as e:
        pytest.fail(str(e))


def test_completion_has_text_usage_and_latency(server_url):
    async def go():
        model = load_model(f"openai-compat:{server_url}#smollm2")
        try:
            return await model.complete([Message(role="user", content="Name one organ.")], SamplingParams(max_tokens=16))
        finally:
            await model.aclose()

    completion = asyncio.run(go())
    assert completion.text.strip()
    assert completion.usage.prompt_tokens > 0 and 0 < completion.usage.completion_tokens <= 16
    assert completion.latency_s > 0


def test_same_answers_as_in_process_backend(server_url, shared_data, tmp_path):
    """Greedy decoding of the same GGUF by the same library: the extracted answers should agree."""
    items = load_items("medqa", "test_hard", shared_data)[:6]
    method = build_method("direct")

    def answers(spec: str, out) -> list[str]:
        model = load_model(spec)
        store = Store(out)
        p = engine.RunPlan(benchmark="medqa", subset="test_hard", model_spec=spec, method=method, items=items)

        async def go():
            try:
                return await engine.execute(p, model, store, concurrency=2)
            finally:
                await model.aclose()

        summary = asyncio.run(go())
        assert summary["n_done"] == 6 and summary["errors"] == 0
        return [s["label"] for s in sorted(store.scores(p.run_id(model)), key=lambda s: s["item_id"])]

    served = answers(f"openai-compat:{server_url}#smollm2", tmp_path / "served")
    local = answers("smollm2", tmp_path / "local")
    assert served == local


def test_unreachable_server_is_a_recorded_error(tmp_path, toy_items):
    """Connection refused is retried within bounds, then recorded per item (not a crash)."""
    from clinreason.models.gateway import RetryPolicy

    spec = f"openai-compat:http://127.0.0.1:{free_port()}/v1#none"
    model = load_model(spec, timeout_s=2)
    p = engine.RunPlan(benchmark="toy", subset=None, model_spec=spec, method=build_method("direct"),
                       items=toy_items[:2])

    async def go():
        try:
            return await engine.execute(p, model, Store(tmp_path), retry=RetryPolicy(2, 0.0, 0.0))
        finally:
            await model.aclose()

    summary = asyncio.run(go())
    assert summary["n_done"] == 2 and summary["errors"] == 2
    assert summary["failed_attempts_stored"] == 4


def test_missing_api_key_env_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("CLINREASON_TEST_KEY", raising=False)
    with pytest.raises(ModelError, match="CLINREASON_TEST_KEY"):
        load_model("openai-compat:http://127.0.0.1:9/v1#m", api_key_env="CLINREASON_TEST_KEY")
