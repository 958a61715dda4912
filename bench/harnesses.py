"""Harnesses side by side (issue 6, "measure against peers"): the same local OpenAI-compatible
server, the same chat messages (clinreason's `direct` prompts for the first N MedQA test_hard items),
the same max_tokens and the same concurrency, timed as each harness's process from start to exit:

  raw        a plain async httpx client (_common.raw_pass) — the limit, in-process, no start-up
  clinreason `clinreason run medqa --method direct ... --no-cache` into a temp dir
  inspect    inspect_ai (own venv): MemoryDataset of the same system+user messages, generate(), pattern scorer
  lm-eval    lm-evaluation-harness (own venv): local-chat-completions, custom generate_until task over a
             local JSONL of the same items, --apply_chat_template --system_instruction (same system text)

    python bench/harnesses.py --items 20 --rounds 2
    python bench/harnesses.py --server llama-server:/path/to/llama-server --concurrency 4
    python bench/harnesses.py --url http://127.0.0.1:8080/v1 --skip lmeval

Rounds are interleaved (raw, clinreason, inspect, lm-eval, then again) so drift in machine load hits
all alike; harness overhead = harness wall − raw wall in the same round (median over rounds).
The venvs (/tmp/bench-venvs/{inspect,lmeval}) are created on first use; lm-eval's gets the CPU
torch wheel (torch==2.13.0) first so pip never pulls CUDA packages."""

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
from _common import (add_server_args, median, medqa_bodies, raw_pass, server_from_args,  # noqa: E402
                     table, timed_on_server, write_result)
from clinreason_server import clinreason_pass  # noqa: E402

VENVS = Path(os.environ.get("BENCH_VENVS", "/tmp/bench-venvs"))
LETTER = r"(?:ANSWER:\s*)?\b([A-J])\b"  # the ANSWER line if present, else the first standalone letter
TIMEOUT_S = 1800


# ---------------------------------------------------------------- venvs

def venv(name: str, installs: list[list[str]]) -> Path:
    py = VENVS / name / "bin" / "python"
    marker = VENVS / name / ".bench-ready"
    if not marker.exists():
        if not py.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENVS / name)], check=True, timeout=300)
        for pkgs in installs:
            subprocess.run([str(py), "-m", "pip", "install", "-q", *pkgs], check=True, timeout=1800)
        marker.write_text("ok\n")
    return py


def inspect_python() -> Path:
    return venv("inspect", [["inspect-ai", "openai"]])


def lmeval_python() -> Path:
    # torch first, pinned to the local CPU wheel: a plain `torch` would download GBs of CUDA packages.
    return venv("lmeval", [["torch==2.13.0"], ["lm-eval[api]"]])


# ---------------------------------------------------------------- harness passes

def _timed(cmd: list[str], env: dict, what: str, cwd: str | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, env=env, cwd=cwd)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return wall


INSPECT_TASK = '''
import json
from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser
from inspect_ai.scorer import pattern
from inspect_ai.solver import generate

@task
def medqa_direct():
    rows = [json.loads(line) for line in open({items!r})]
    samples = [Sample(id=r["id"], target=r["answer"],
                      input=[ChatMessageSystem(content=r["system"]), ChatMessageUser(content=r["user"])])
               for r in rows]
    return Task(dataset=MemoryDataset(samples), solver=generate(), scorer=pattern({letter!r}))
'''


def inspect_pass(py: Path, url: str, model: str, items_file: Path, max_tokens: int, c: int, tmp: Path) -> dict:
    task_file = tmp / "inspect_task.py"
    task_file.write_text(INSPECT_TASK.format(items=str(items_file), letter=LETTER))
    logs = Path(tempfile.mkdtemp(dir=tmp, prefix="inspect-logs-"))
    # The task file is named relative to cwd: inspect resolves tasks under the working directory.
    cmd = [str(py.parent / "inspect"), "eval", task_file.name, "--model", f"openai/{model}",
           "--model-base-url", url, "--max-tokens", str(max_tokens), "--max-connections", str(c),
           "--temperature", "0", "--log-dir", str(logs), "--log-format", "json", "--display", "none"]
    env = {**os.environ, "OPENAI_API_KEY": "dummy", "OPENAI_BASE_URL": url, "INSPECT_LOG_LEVEL": "warning"}
    wall = _timed(cmd, env, "inspect eval", cwd=str(tmp))
    log = json.loads(next(logs.glob("*.json")).read_text())
    if log.get("status") != "success" or "results" not in log:
        raise RuntimeError(f"inspect eval: status {log.get('status')}: {str(log.get('error'))[-3000:]}")
    scores = log["results"]["scores"][0]["metrics"]
    texts = {str(x["id"]): x["output"]["completion"] for x in log.get("samples", [])}
    return {"wall_s": wall, "accuracy": scores["accuracy"]["value"], "texts": texts}


LMEVAL_TASK = """task: medqa_direct_bench
dataset_path: json
dataset_kwargs:
  data_files:
    test: {items}
test_split: test
output_type: generate_until
doc_to_text: "{{{{user}}}}"
doc_to_target: "{{{{answer}}}}"
target_delimiter: ""
generation_kwargs:
  until: []
  max_gen_toks: {max_tokens}
  do_sample: false
  temperature: 0
filter_list:
  - name: letter
    filter:
      - function: regex
        regex_pattern: '{letter}'
      - function: take_first
metric_list:
  - metric: exact_match
    aggregation: mean
    higher_is_better: true
"""


def lmeval_pass(py: Path, url: str, model: str, items_file: Path, system: str, max_tokens: int, c: int,
                tmp: Path) -> dict:
    task_dir = tmp / "lmeval_tasks"
    task_dir.mkdir(exist_ok=True)
    (task_dir / "medqa_direct_bench.yaml").write_text(
        LMEVAL_TASK.format(items=str(items_file), max_tokens=max_tokens, letter=LETTER))
    out = Path(tempfile.mkdtemp(dir=tmp, prefix="lmeval-out-"))
    cmd = [str(py), "-m", "lm_eval", "--model", "local-chat-completions",
           "--model_args", f"model={model},base_url={url}/chat/completions,num_concurrent={c},max_retries=1",
           "--tasks", "medqa_direct_bench", "--include_path", str(task_dir), "--apply_chat_template",
           "--system_instruction", system, "--output_path", str(out), "--log_samples"]
    env = {**os.environ, "OPENAI_API_KEY": "dummy", "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    wall = _timed(cmd, env, "lm_eval", cwd=str(tmp))
    res = json.loads(max(out.rglob("results_*.json"), key=lambda p: p.stat().st_mtime).read_text())
    metrics = res["results"]["medqa_direct_bench"]
    acc = next(v for k, v in metrics.items() if k.startswith("exact_match") and "stderr" not in k)
    samples = max(out.rglob("samples_medqa_direct_bench_*.jsonl"), key=lambda p: p.stat().st_mtime)
    texts = {}
    for line in samples.read_text().splitlines():
        rec = json.loads(line)
        texts[str(rec["doc"]["id"])] = rec["resps"][0][0]
    return {"wall_s": wall, "accuracy": acc, "texts": texts}


def clinreason_texts(out: Path) -> dict[str, str]:
    """The completion clinreason stored for each item (one call per item with `direct`)."""
    import sqlite3

    with sqlite3.connect(out / "clinreason.db") as db:
        return {item: text for item, text in db.execute("SELECT item_id, response FROM calls")}


# ---------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser()
    add_server_args(parser)
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--max-tokens", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip", default="", help="comma list of harnesses to leave out: clinreason,inspect,lmeval")
    parser.add_argument("--tag", default="", help="suffix of the result file: bench/results/harnesses{TAG}.json")
    args = parser.parse_args()
    skip = {s for s in args.skip.split(",") if s}
    c, n = args.concurrency, args.items

    items, bodies = medqa_bodies(n, args.max_tokens, args.model)
    system = bodies[0]["messages"][0]["content"]
    pythons, setup_s = {}, {}
    for name, make in (("inspect", inspect_python), ("lmeval", lmeval_python)):
        if name not in skip:
            t = time.perf_counter()
            pythons[name] = make()
            setup_s[name] = round(time.perf_counter() - t, 1)

    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        server_cm, server, log_path = server_from_args(parser, args, tmp)
        with server_cm as url:
            passes, failed = run_rounds(args, url, tmp, items, bodies, system, pythons, skip, log_path)

    rows = summarize(passes, failed, items, n, c)
    busy_note = ("overhead = wall − the server's busy time in its own log (union of its slots' processing spans)"
                 if any(r.get("server_busy_s") is not None for r in rows)
                 else "no server log (--server llama-server:PATH gives one): overhead_vs_raw_s only")
    print(f"\nharnesses: {server}; {n} MedQA test_hard items, direct prompts, max_tokens={args.max_tokens}, "
          f"concurrency {c}, median of {args.rounds} rounds (whole process for clinreason/inspect/lm-eval); "
          f"{busy_note}")
    print(table(rows, ["harness", "median_wall_s", "req_per_s", "server_busy_s", "overhead_s",
                       "overhead_vs_raw_s", "same_text_as_raw", "accuracy", "walls_s"]))
    for name, error in failed.items():
        print(f"{name}: failed, left out: {error[-300:]}")
    for ps in passes.values():
        for p in ps:
            p.pop("texts", None)
    path = write_result(f"harnesses{args.tag}", {
        "server": server, "items": n, "max_tokens": args.max_tokens, "concurrency": c, "rounds": args.rounds,
        "venv_setup_s": setup_s, "versions": versions(pythons), "overhead_definition": busy_note,
        "rows": rows, "failed": failed, "passes": passes})
    print(f"\nwritten {path}")


def run_rounds(args, url, tmp, items, bodies, system, pythons, skip, log_path) -> tuple[dict, dict]:
    """Interleaved rounds: raw, clinreason, inspect, lm-eval, then again, each pass timed as a
    whole and matched with the server's own busy time over exactly that pass."""
    c, n = args.concurrency, args.items
    items_file = tmp / "items.jsonl"
    with items_file.open("w") as f:
        for item, body in zip(items, bodies):
            msgs = body["messages"]
            assert [m["role"] for m in msgs] == ["system", "user"]
            f.write(json.dumps({"id": item.id, "system": msgs[0]["content"], "user": msgs[1]["content"],
                                "answer": item.answer}) + "\n")
    harnesses = {
        "raw": lambda r: with_ids(raw_pass(url, bodies, c), items),
        "clinreason": lambda r: clinreason_with_texts(url, args, tmp / f"clinreason-r{r}"),
        "inspect": lambda r: inspect_pass(pythons["inspect"], url, args.model, items_file, args.max_tokens, c, tmp),
        "lmeval": lambda r: lmeval_pass(pythons["lmeval"], url, args.model, items_file, system, args.max_tokens,
                                        c, tmp),
    }
    raw_pass(url, bodies, c)  # warm-up: pages the model in, fills the slots; no pass meets a colder server
    passes: dict[str, list[dict]] = {}
    failed: dict[str, str] = {}
    for r in range(args.rounds):
        print(f"round {r + 1}/{args.rounds} ...", flush=True)
        for name, run in harnesses.items():
            if name in skip or name in failed or (name in ("inspect", "lmeval") and name not in pythons):
                continue
            try:
                result = timed_on_server(log_path, lambda: run(r))
            except Exception as e:  # a peer harness that fails is reported, not fatal
                failed[name] = str(e)[-1500:]
                print(f"{name} failed, left out: {failed[name][-500:]}", flush=True)
                continue
            passes.setdefault(name, []).append(result)
    return passes, failed


def with_ids(result: dict, items) -> dict:
    result["texts"] = {item.id: text for item, text in zip(items, result["texts"])}
    return result


def clinreason_with_texts(url, args, out: Path) -> dict:
    result = clinreason_pass(url, args.model, args.items, args.max_tokens, args.concurrency, out, "--no-cache")
    result["texts"] = clinreason_texts(out)
    return result


def summarize(passes: dict, failed: dict, items, n: int, c: int) -> list[dict]:
    raw = passes.get("raw", [])
    rows = []
    for name, ps in passes.items():
        if name in failed:
            continue
        wall = median(p["wall_s"] for p in ps)
        busy = [p.get("server_busy_s") for p in ps]
        same = None
        if raw and name != "raw":  # equal prompts at temperature 0 give equal completions
            ref = raw[0]["texts"]
            same = sum(ps[0]["texts"].get(item.id) == ref.get(item.id) for item in items) / n
        row = {"harness": name, "items": n, "concurrency": c, "rounds": len(ps), "median_wall_s": wall,
               "req_per_s": n / wall,
               "server_busy_s": median(busy) if None not in busy else None,
               "overhead_s": median(p["wall_s"] - b for p, b in zip(ps, busy)) if None not in busy else None,
               "overhead_vs_raw_s": median(p["wall_s"] - w["wall_s"] for p, w in zip(ps, raw)) if raw else None,
               "same_text_as_raw": same,
               "accuracy": None if name == "raw" else ps[0].get("accuracy"),
               "walls_s": [round(p["wall_s"], 3) for p in ps],
               "server_requests": [p.get("server_requests") for p in ps]}
        if row["overhead_s"] is not None:
            row["overhead_s_per_100_items"] = row["overhead_s"] * 100 / n
        rows.append(row)
    return rows


def versions(pythons: dict) -> dict:
    out = {}
    for name, dist in (("inspect", "inspect-ai"), ("lmeval", "lm-eval")):
        if name in pythons:
            done = subprocess.run([str(pythons[name]), "-c", f"import importlib.metadata as m; print(m.version({dist!r}))"],
                                  capture_output=True, text=True, timeout=60)
            out[name] = done.stdout.strip()
    return out

if __name__ == "__main__":
    main()
