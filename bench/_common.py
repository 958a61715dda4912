"""Shared pieces of the benches: a local llama-cpp-python server, the prompts clinreason sends,
a plain async load generator, tables and JSON results. Benches, not tests: they measure."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import statistics
import time
from contextlib import nullcontext
from pathlib import Path

import httpx

from clinreason.testing.llama_server import llama_cpp_binary_server, llama_server

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
DATA = os.environ.get("CLINREASON_DATA") or str(BENCH.parent.parent / "shared" / "data")


def medqa_bodies(n: int, max_tokens: int, model: str = "smollm2") -> tuple[list, list[dict]]:
    """The first n MedQA (test_hard) items and the exact request bodies clinreason's `direct` sends."""
    from clinreason.data import load_items
    from clinreason.methods import build_method
    from clinreason.models.openai_compat import OpenAICompatModel
    from clinreason.prompts import item_messages

    items = load_items("medqa", "test_hard", DATA)[:n]
    params = build_method("direct", {"max_tokens": max_tokens}).params.sampling()
    encoder = OpenAICompatModel("http://unused/v1", model)
    return items, [encoder.request_body(item_messages("direct", item), params) for item in items]


def llama_cpp_server(n_ctx: int = 2048, n_threads: int = 1, startup_s: float = 180):
    """llama-cpp-python's own OpenAI-compatible server on the embedded SmolLM2 GGUF (serialises requests).
    One thread: on 2 shared, oversubscribed cores, 2 llama.cpp threads ran 3-4x slower per request."""
    return llama_server(n_ctx=n_ctx, n_threads=n_threads, start_timeout_s=startup_s)


def add_server_args(parser) -> None:
    parser.add_argument("--url", help="an already running server (default: start llama-cpp-python's)")
    parser.add_argument("--server", help="llama-server:PATH — start llama.cpp's llama-server (continuous batching)")
    parser.add_argument("--parallel", type=int, default=4, help="llama-server's --parallel slots")
    parser.add_argument("--cache-ram", type=int, default=0,
                        help="llama-server's prompt cache in RAM, MiB (default 0: off, so every pass evaluates "
                             "every prompt as a real evaluation of new items does; each slot still reuses the "
                             "prefix it shares with its previous prompt)")


def server_from_args(parser, args, tmp: Path):
    """(context manager yielding the /v1 URL, a description, the server's log or None). The log
    (llama-server only) times every request: see server_busy_s."""
    if args.url:
        return nullcontext(args.url), args.url, None
    if args.server:
        kind, _, path = args.server.partition(":")
        if kind != "llama-server" or not path:
            parser.error("--server takes llama-server:PATH")
        log_path = tmp / "llama-server.log"
        return (llama_cpp_binary_server(path, parallel=args.parallel, log_path=log_path,
                                        extra_args=["--cache-ram", str(args.cache_ram)]),
                f"llama.cpp llama-server --parallel {args.parallel} -c 8192 -t 2 --cache-ram {args.cache_ram} ({path})",
                log_path)
    return (llama_cpp_server(),
            "llama-cpp-python server (python -m llama_cpp.server, SmolLM2-135M Q4_1, 1 thread, n_ctx 2048)", None)


async def _load(url: str, bodies: list[dict], concurrency: int, timeout_s: float) -> dict:
    usage = {"prompt_tokens": 0, "completion_tokens": 0, "errors": 0}
    async with httpx.AsyncClient(base_url=url, timeout=timeout_s,
                                 limits=httpx.Limits(max_connections=concurrency)) as client:

        texts: list[str | None] = [None] * len(bodies)
        queue = iter(enumerate(bodies))

        async def worker():
            for i, body in queue:
                r = await client.post("/chat/completions", json=body)
                if r.status_code != 200:
                    usage["errors"] += 1
                    continue
                texts[i] = r.json()["choices"][0]["message"]["content"]
                u = r.json().get("usage") or {}
                usage["prompt_tokens"] += u.get("prompt_tokens", 0)
                usage["completion_tokens"] += u.get("completion_tokens", 0)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        usage["wall_s"] = time.perf_counter() - start
    usage["texts"] = texts
    return usage


def raw_pass(url: str, bodies: list[dict], concurrency: int, timeout_s: float = 600) -> dict:
    """The limit: a plain async client keeping `concurrency` requests in flight, nothing else."""
    return asyncio.run(_load(url, bodies, concurrency, timeout_s))


# llama-server's log: "M.SS.mmm.uuu I slot launch_slot_: id  3 | task 7 | processing task" ...
# "... slot      release: id  3 | task 7 | stop processing"; the stamp is minutes.seconds.ms.us.
_SLOT_EVENT = re.compile(r"^(\d+)\.(\d+)\.(\d+)\.(\d+) .*slot\s+(launch_slot_|release): .*\| task (\d+) \|")


def server_busy_s(log_path: Path, offset: int = 0) -> tuple[float, int]:
    """The server's own busy time in its log from byte `offset` on: the union of the intervals in
    which any slot was processing a request (so parallel slots are not counted twice).
    Returns (busy seconds, requests)."""
    with open(log_path, "rb") as f:
        f.seek(offset)
        chunk = f.read()
    starts: dict[str, float] = {}
    spans: list[tuple[float, float]] = []
    for line in chunk.decode(errors="replace").splitlines():
        m = _SLOT_EVENT.match(line)
        if not m:
            continue
        mins, secs, ms, us, event, task = m.groups()
        t = int(mins) * 60 + int(secs) + int(ms) / 1e3 + int(us) / 1e6
        if event == "launch_slot_":
            starts[task] = t
        elif task in starts:
            spans.append((starts.pop(task), t))
    busy, end = 0.0, float("-inf")
    for a, b in sorted(spans):
        if b > end:
            busy += b - max(a, end)
            end = b
    return busy, len(spans)


def timed_on_server(log_path: Path | None, run) -> dict:
    """`run()`'s result dict, plus the server's busy time and request count over exactly that call
    when there is a server log (see server_busy_s)."""
    offset = log_path.stat().st_size if log_path else 0
    result = run()
    if log_path:
        result["server_busy_s"], result["server_requests"] = server_busy_s(log_path, offset)
    return result


def median(values) -> float:
    return statistics.median(values)


def table(rows: list[dict], columns: list[str]) -> str:
    cells = [[str(c) for c in columns]] + [[_fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(v.rjust(w) for v, w in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 10 else f"{v:,.1f}"
    return "–" if v is None else str(v)


def write_result(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
               "loadavg_at_end": os.getloadavg(), "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    path.write_text(json.dumps({"bench": name, "machine": machine, **payload}, indent=2))
    return path
