"""With no data directory and no network, a missing benchmark fails fast (well under 5 s) with
the message that lists every place looked: HF_HUB_OFFLINE=1 is honoured, and otherwise one short
bounded probe of the Hub endpoint comes before hf_hub_download (no retries)."""

from __future__ import annotations

import socket
import time

import pytest

from clinreason.data import DataNotFound, load_items
from clinreason.data import locate as locate_mod

RELPATH = "medagentsbench/medqa/test_hard.jsonl"


@pytest.fixture
def online_env(tmp_path, monkeypatch):
    """No local data, an empty Hub cache, and the Hub *not* declared offline."""
    cache = tmp_path / "user-cache"
    monkeypatch.delenv("CLINREASON_DATA", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(locate_mod, "user_cache_data_dir", lambda: cache)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    return cache


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there: connections are refused
    return port


@pytest.fixture
def black_hole():
    """A port that accepts TCP connections into its backlog and never answers a byte."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    yield s.getsockname()[1]
    s.close()


def assert_fast_not_found(tmp_path, cache, budget_s=5.0):
    start = time.monotonic()
    with pytest.raises(DataNotFound) as err:
        load_items("medqa", "test_hard", tmp_path / "mine")
    elapsed = time.monotonic() - start
    assert elapsed < budget_s, f"took {elapsed:.1f} s"
    text = str(err.value)
    for place in (tmp_path / "mine" / RELPATH, cache / RELPATH):
        assert str(place) in text
    assert "$CLINREASON_DATA (not set)" in text and "super-dainiu/medagents-benchmark" in text
    assert len(err.value.looked) == 4
    return text


def test_closed_endpoint_fails_fast(online_env, tmp_path, monkeypatch):
    port = closed_port()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    text = assert_fast_not_found(tmp_path, online_env)
    assert f"127.0.0.1:{port}" in text


def test_black_hole_endpoint_fails_fast(online_env, tmp_path, monkeypatch, black_hole):
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{black_hole}")
    text = assert_fast_not_found(tmp_path, online_env)
    assert f"127.0.0.1:{black_hole}" in text


def test_hf_hub_offline_never_touches_the_network(online_env, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")

    def no_network(*args, **kwargs):
        raise AssertionError("the network was used although HF_HUB_OFFLINE=1")

    monkeypatch.setattr(socket, "create_connection", no_network)
    assert_fast_not_found(tmp_path, online_env, budget_s=3.0)
