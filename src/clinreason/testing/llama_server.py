"""llama-cpp-python's OpenAI-compatible server on 127.0.0.1, for integration tests and benches:
started, waited for (bounded), always stopped."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator, Sequence

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(command: list[str], ready_url: str, start_timeout_s: float = 180,
          log_path: str | Path | None = None) -> Iterator[None]:
    """Run a server process until `ready_url` answers 200 (bounded), then always stop it.
    Its logs go to a file (`log_path`, else a temporary one): a pipe nobody reads fills up and
    blocks the server."""
    log = open(log_path, "w+b") if log_path else tempfile.TemporaryFile()
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + start_timeout_s
    try:
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"server exited: {log.read().decode(errors='replace')[-2000:]}")
            try:
                if httpx.get(ready_url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start within {start_timeout_s:.0f} s")
            time.sleep(0.3)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        log.close()


@contextlib.contextmanager
def llama_server(model_path: str | Path | None = None, alias: str = "smollm2", n_ctx: int = 4096,
                 n_threads: int | None = None, start_timeout_s: float = 180) -> Iterator[str]:
    """llama-cpp-python's server; yields its /v1 URL. `model_path` defaults to the embedded SmolLM2."""
    model_path = model_path or _smollm2()
    port = free_port()
    threads = ["--n_threads", str(n_threads), "--n_threads_batch", str(n_threads)] if n_threads else []
    url = f"http://127.0.0.1:{port}/v1"
    with serve([sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--model_alias", alias,
                "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx), *threads],
               f"{url}/models", start_timeout_s):
        yield url


@contextlib.contextmanager
def llama_cpp_binary_server(binary: str | Path, model_path: str | Path | None = None, alias: str = "smollm2",
                            parallel: int = 4, n_ctx: int = 8192, threads: int = 2,
                            start_timeout_s: float = 180, log_path: str | Path | None = None,
                            extra_args: Sequence[str] = ()) -> Iterator[str]:
    """llama.cpp's own `llama-server` (continuous batching over --parallel slots); yields its /v1 URL.
    Its log (`log_path`) times every request: see bench/_common.server_busy_s."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serve([str(binary), "-m", str(model_path or _smollm2()), "--host", "127.0.0.1", "--port", str(port),
                "--parallel", str(parallel), "-c", str(n_ctx), "-t", str(threads), "-a", alias,
                "--log-prefix", "--log-timestamps", *extra_args],
               f"{base}/health", start_timeout_s, log_path):
        yield f"{base}/v1"


def _smollm2() -> Path:
    from ..models.llamacpp import bundled_smollm2

    return bundled_smollm2()
