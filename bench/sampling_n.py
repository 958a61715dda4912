"""Self-consistency with the API's `n` against parallel single requests, on the same server, items
and seeds: wall time, requests sent, prompt tokens the server processed, and whether the votes agree.

    python bench/sampling_n.py --server llama-server:/path/to/llama-server     # --parallel 4, n honoured
    python bench/sampling_n.py --url http://127.0.0.1:8080/v1 --concurrency 4

`cot_sc` with n samples per item and a fixed vote (adaptive=false, so both modes draw the same
samples), rounds interleaved: "n" lets the gateway ask for several samples in one request (the
server evaluates the prompt once); "singles" tells it the server does not honour n, so each sample
is its own request. Each pass uses a fresh store (no cache)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (DATA, add_server_args, median, server_from_args, table, timed_on_server,  # noqa: E402
                     write_result)

from clinreason import engine  # noqa: E402
from clinreason.data import load_items  # noqa: E402
from clinreason.methods import build_method  # noqa: E402
from clinreason.models import load_model  # noqa: E402
from clinreason.store import Store  # noqa: E402


def one_pass(url: str, model_name: str, items, params: dict, concurrency: int, use_n: bool, out: Path) -> dict:
    spec = f"openai-compat:{url}#{model_name}"
    model = load_model(spec, concurrency=concurrency, timeout_s=600)
    if not use_n:
        model.supports_n = False  # as if the server ignored n: every sample its own request
    method = build_method("cot_sc", params)
    plan = engine.RunPlan(benchmark="medqa", subset="test_hard", model_spec=spec, method=method, items=items)
    store = Store(out)

    async def go():
        try:
            return await engine.execute(plan, model, store, concurrency=concurrency, use_cache=False)
        finally:
            await model.aclose()

    start = time.perf_counter()
    summary = asyncio.run(go())
    wall = time.perf_counter() - start
    run_id = plan.run_id(model)
    votes = {p["item_id"]: p["info"]["answers"] for p in store.predictions(run_id)}
    return {"wall_s": wall, "accuracy": summary["accuracy"], "errors": summary["errors"],
            "samples": sum(len(v) for v in votes.values()), "votes": votes,
            "prompt_tokens": round(summary["prompt_tokens_per_item"] * summary["n_done"]),
            "completion_tokens": round(summary["completion_tokens_per_item"] * summary["n_done"])}


def main() -> None:
    parser = argparse.ArgumentParser()
    add_server_args(parser)
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    items = load_items("medqa", "test_hard", DATA)[: args.items]
    params = {"n": args.n, "adaptive": False, "max_tokens": args.max_tokens}
    passes: dict[str, list[dict]] = {"n": [], "singles": []}
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        server_cm, server, log_path = server_from_args(parser, args, tmp)
        with server_cm as url:
            one_pass(url, args.model, items[:2], params, args.concurrency, True, tmp / "warm")  # warm-up
            for r in range(args.rounds):
                for mode in ("n", "singles"):
                    result = timed_on_server(log_path, lambda: one_pass(
                        url, args.model, items, params, args.concurrency, mode == "n", tmp / f"{mode}-{r}"))
                    passes[mode].append(result)
                    print(f"round {r + 1} {mode}: {result['wall_s']:.2f} s", flush=True)
    same_votes = passes["n"][0]["votes"] == passes["singles"][0]["votes"]
    rows = []
    for mode, ps in passes.items():
        rows.append({"mode": mode, "items": args.items, "n": args.n, "median_wall_s": median(p["wall_s"] for p in ps),
                     "samples": ps[0]["samples"], "samples_per_s": ps[0]["samples"] / median(p["wall_s"] for p in ps),
                     "prompt_tokens": ps[0]["prompt_tokens"], "completion_tokens": ps[0]["completion_tokens"],
                     "server_busy_s": median(p["server_busy_s"] for p in ps) if log_path else None,
                     "accuracy": ps[0]["accuracy"], "walls_s": [round(p["wall_s"], 2) for p in ps]})
    print(f"\ncot_sc n={args.n} (fixed vote), {args.items} MedQA test_hard items, max_tokens={args.max_tokens}, "
          f"concurrency {args.concurrency}, {server}; median of {args.rounds} rounds")
    print(table(rows, ["mode", "median_wall_s", "samples", "samples_per_s", "prompt_tokens", "completion_tokens",
                       "server_busy_s", "accuracy", "walls_s"]))
    print(f"same samples in both modes (votes item by item): {same_votes}")
    for ps in passes.values():
        for p in ps:
            p.pop("votes")
    path = write_result("sampling_n", {"server": server, "items": args.items, "n": args.n,
                                       "max_tokens": args.max_tokens, "concurrency": args.concurrency,
                                       "rounds": args.rounds, "rows": rows, "same_votes": same_votes,
                                       "passes": passes})
    print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
