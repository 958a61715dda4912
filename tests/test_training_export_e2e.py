"""The embedded SmolLM2 model end to end: a tiny self-consistency run on a training split (MMLU's few-shot
`train` items), then all three exports through the real CLI. The model's answers are not asserted: the
export counts must agree with the grades the store holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from clinreason.rewards import grade
from clinreason.store import Store
from clinreason.training import manifest_path
from clinreason.training.records import shown_item

pytestmark = [pytest.mark.model, pytest.mark.slow, pytest.mark.timeout(1800)]


def clinreason(*args, data, cwd):
    return subprocess.run([sys.executable, "-m", "clinreason", *map(str, args)], capture_output=True, text=True,
                          timeout=1500, cwd=cwd, env={**os.environ, "CLINREASON_DATA": str(data), "COLUMNS": "200"})


def _expected(store: Store, run_id: str) -> dict:
    """What each export should hold, computed from the stored grades and sample calls."""
    items = {i.id: i for i in store.run_items(run_id)}
    grades = {s["item_id"]: s["value"] for s in store.scores(run_id, "answer")}
    pairs = 0
    for p in store.predictions(run_id):
        ids = [e["call_id"] for e in p["trace"] if str(e.get("tag", "")).startswith("sample")]
        calls = store.get_calls(ids)
        texts = {calls[i]["response"]: grade(calls[i]["response"], shown_item(items[p["item_id"]], p, calls[i]["sample"]))
                 for i in ids}
        right, wrong = sum(g == 1.0 for g in texts.values()), sum(g == 0.0 for g in texts.values())
        pairs += min(4, right * wrong)
    return {"sft": sum(v == 1.0 for v in grades.values()), "dpo": pairs, "grpo": len(items)}


def test_cot_sc_run_exports_all_three_formats(tmp_path, shared_data):
    out = tmp_path / "results"
    run = clinreason("run", "mmlu", "--subset", "train", "--limit", "2", "--method", "cot_sc", "-p", "n=3",
                     "-p", "adaptive=false", "-p", "max_tokens=96", "--out", out, "--json", data=shared_data, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    store = Store(out)
    (run_id,) = [r["id"] for r in store.list_runs()]
    expected = _expected(store, run_id)
    assert expected["grpo"] == 2
    for kind, suffix in (("sft", "jsonl"), ("dpo", "parquet"), ("grpo", "jsonl")):
        path = tmp_path / f"{kind}.{suffix}"
        proc = clinreason("export-training", run_id[:16], "--format", kind, "-o", path, "-r", out,
                          data=shared_data, cwd=tmp_path)
        if expected[kind] == 0:  # the model got nothing right (or every sample agreed): says why, writes nothing
            assert proc.returncode == 2 and "nothing was written" in proc.stderr, proc.stderr
            assert not path.exists() and not manifest_path(path).exists()
            continue
        assert proc.returncode == 0, proc.stderr
        assert f"wrote {expected[kind]} {kind} records" in proc.stdout
        manifest = json.loads(manifest_path(path).read_text())
        assert manifest["records"] == expected[kind] and manifest["allow_test"] is False
        assert {s["split"] for s in manifest["splits"]} == {"train"}
        if suffix == "parquet":
            import pyarrow.parquet as pq

            assert pq.read_table(path).num_rows == expected[kind]
        else:
            assert len(path.read_text().splitlines()) == expected[kind]
