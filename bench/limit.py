"""The limit: a local OpenAI-compatible server's saturated throughput, measured with a plain async
httpx client (no harness) at several concurrencies, on the exact request bodies clinreason's
`direct` method sends for MedQA (test_hard) items.

    python bench/limit.py                                  # llama-cpp-python's server, started here
    python bench/limit.py --url http://127.0.0.1:8080/v1   # any running server (e.g. llama-server --parallel 4)

Medians over --rounds rounds (wall times vary ~10% between identical runs on shared machines)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (add_server_args, median, medqa_bodies, raw_pass, server_from_args, table,  # noqa: E402
                     write_result)


def limit_rows(url: str, bodies: list[dict], concurrencies: list[int], rounds: int) -> list[dict]:
    rows = []
    raw_pass(url, bodies[:2], 1)  # warm-up: model pages in, first-request costs paid
    for c in concurrencies:
        passes = [raw_pass(url, bodies, c) for _ in range(rounds)]
        wall = median(p["wall_s"] for p in passes)
        done = passes[0]
        rows.append({"concurrency": c, "requests": len(bodies), "rounds": rounds, "median_wall_s": wall,
                     "walls_s": [round(p["wall_s"], 3) for p in passes], "req_per_s": len(bodies) / wall,
                     "completion_tok_per_s": done["completion_tokens"] / wall,
                     "total_tok_per_s": (done["prompt_tokens"] + done["completion_tokens"]) / wall,
                     "errors": sum(p["errors"] for p in passes)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    add_server_args(parser)
    parser.add_argument("--tag", default="", help="suffix of the result file: bench/results/limitTAG.json")
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--concurrency", default="1,2,4")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    _, bodies = medqa_bodies(args.items, args.max_tokens, args.model)
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        server_cm, server, _ = server_from_args(parser, args, Path(tmp))
        with server_cm as url:
            rows = limit_rows(url, bodies, concurrencies, args.rounds)
    print(f"limit: {server}; {args.items} MedQA items, direct prompts, max_tokens={args.max_tokens}")
    print(table(rows, ["concurrency", "requests", "median_wall_s", "req_per_s", "completion_tok_per_s",
                       "total_tok_per_s", "errors"]))
    path = write_result(f"limit{args.tag}", {"server": server, "items": args.items, "max_tokens": args.max_tokens,
                                  "rows": rows})
    print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
