"""clinreason against a local OpenAI-compatible server, side by side with the limit (a plain async
client on the same request bodies, same concurrency, same server), plus a cached rerun.

    python bench/clinreason_server.py                      # 100 MedQA items, llama-cpp-python server
    python bench/clinreason_server.py --items 30 --rounds 3 --concurrency 1,4

clinreason is timed as a user meets it: the `clinreason run` process from start to exit
(interpreter start-up, data loading, store, summary included), a fresh results directory each
round. Harness overhead = clinreason wall − raw client wall in the same round. Then the same
requests run again as a new run (--run-name) in the last round's store: the cached rerun,
whose model calls should be zero."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (DATA, add_server_args, median, medqa_bodies, raw_pass, server_from_args, table,  # noqa: E402
                     write_result)


def clinreason_pass(url: str, model: str, n: int, max_tokens: int, concurrency: int, out: Path, *extra: str) -> dict:
    cmd = [sys.executable, "-m", "clinreason", "run", "medqa", "--subset", "test_hard", "--limit", str(n),
           "--method", "direct", "-p", f"max_tokens={max_tokens}", "-m", f"openai-compat:{url}#{model}",
           "-c", str(concurrency), "--out", str(out), "--data-dir", DATA, *extra]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, env={**os.environ, "COLUMNS": "200"})
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"clinreason run failed:\n{done.stderr[-3000:]}")
    summary_path = max((out / "runs").glob("*.json"), key=lambda p: p.stat().st_mtime)
    s = json.loads(summary_path.read_text())
    return {"wall_s": wall, "accuracy": s["accuracy"], "errors": s["errors"],
            "completion_tokens": round(s["completion_tokens_per_item"] * s["n_done"]),
            "prompt_tokens": round(s["prompt_tokens_per_item"] * s["n_done"]),
            "model_calls": s["session"]["model_calls"], "cache_hits": s["session"]["cache_hits"],
            "engine_s": s["session"]["elapsed_s"]}


def measure(url: str, args, bodies: list[dict], tmp: Path) -> tuple[list[dict], dict]:
    rows, cached = [], {}
    raw_pass(url, bodies[:2], 1)  # warm-up
    for c in [int(x) for x in args.concurrency.split(",")]:
        raws, ours = [], []
        for r in range(args.rounds):  # interleaved, so drift in machine load hits both alike
            raws.append(raw_pass(url, bodies, c))
            out = tmp / f"c{c}-r{r}"
            ours.append(clinreason_pass(url, args.model, args.items, args.max_tokens, c, out))
        raw_wall, our_wall = median(p["wall_s"] for p in raws), median(p["wall_s"] for p in ours)
        overhead = median(o["wall_s"] - w["wall_s"] for o, w in zip(ours, raws))
        rows.append({"concurrency": c, "items": args.items, "rounds": args.rounds,
                     "limit_wall_s": raw_wall, "clinreason_wall_s": our_wall,
                     "ratio_to_limit": raw_wall / our_wall,
                     "limit_completion_tok_per_s": raws[0]["completion_tokens"] / raw_wall,
                     "clinreason_completion_tok_per_s": ours[0]["completion_tokens"] / our_wall,
                     "overhead_s": overhead, "overhead_s_per_100_items": overhead * 100 / args.items,
                     "accuracy": ours[0]["accuracy"], "errors": ours[0]["errors"],
                     "raw_walls_s": [round(p["wall_s"], 3) for p in raws],
                     "clinreason_walls_s": [round(p["wall_s"], 3) for p in ours],
                     "clinreason_engine_s": [round(p["engine_s"], 3) for p in ours]})
        # The same requests again as a new run in the last round's results directory: all from the store.
        cached = {"concurrency": c, **clinreason_pass(url, args.model, args.items, args.max_tokens, c, out,
                                                      "--run-name", "cached-rerun")}
    return rows, cached


def main() -> None:
    parser = argparse.ArgumentParser()
    add_server_args(parser)
    parser.add_argument("--tag", default="", help="suffix of the result file: bench/results/clinreason_serverTAG.json")
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--concurrency", default="1,4")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    _, bodies = medqa_bodies(args.items, args.max_tokens, args.model)
    with tempfile.TemporaryDirectory() as tmp:
        server_cm, server, _ = server_from_args(parser, args, Path(tmp))
        with server_cm as url:
            rows, cached = measure(url, args, bodies, Path(tmp))
    print(f"clinreason vs limit: {server}; {args.items} MedQA items, direct, max_tokens={args.max_tokens}, "
          f"median of {args.rounds} rounds")
    print(table(rows, ["concurrency", "limit_wall_s", "clinreason_wall_s", "ratio_to_limit",
                       "limit_completion_tok_per_s", "clinreason_completion_tok_per_s", "overhead_s",
                       "overhead_s_per_100_items", "accuracy"]))
    print(f"\ncached rerun (same command again): {cached['wall_s']:.2f} s wall, {cached['model_calls']} model calls, "
          f"{cached['cache_hits']} cache hits")
    path = write_result(f"clinreason_server{args.tag}", {"server": server, "items": args.items, "max_tokens": args.max_tokens,
                                              "rows": rows, "cached_rerun": cached})
    print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
