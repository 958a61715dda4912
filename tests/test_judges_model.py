"""Every judge grader with a real judge model: the embedded SmolLM2-135M in process, and the
same GGUF behind llama-cpp-python's OpenAI-compatible server on 127.0.0.1. A 135M judge is poor;
these tests check the pipeline is real and complete (calls stored, scores or recorded
invalidity, cost), never the judge's verdicts."""

from __future__ import annotations

import asyncio

import pytest

from clinreason.data import load_items
from clinreason.judges import Judge, judge_run, judge_summary, resolve_rubrics
from clinreason.models import load_model
from clinreason.store import Store
from clinreason.testing.llama_server import llama_server

pytestmark = pytest.mark.model
RUBRICS = ["reasoning", "claims", "equivalence", "rubric", "medec"]


@pytest.fixture(scope="module")
def server_url():
    """llama-cpp-python's OpenAI-compatible server on 127.0.0.1."""
    try:
        with llama_server() as url:
            yield url
    except RuntimeError as e:
        pytest.fail(str(e))

def judged_store(tmp_path, shared_data) -> Store:
    """One stored run holding one item per judge grader, with short, fixed responses (and cases
    cut short: prompt processing dominates a 135M judge's time here)."""
    dx = load_items("medrbench", "diagnosis", shared_data)[0]
    dx = dx.model_copy(update={"context": dx.context[:600], "explanation": dx.explanation[:600]})
    ddx = load_items("cupcase", "ddx", shared_data)[0]
    ddx = ddx.model_copy(update={"context": ddx.context[:600]})
    hb = load_items("healthbench_hard_lite50", "test", shared_data)[0]
    hb = hb.model_copy(update={"rubric": hb.rubric[:2]})
    medec = load_items("medec", "test", shared_data)[0]
    outputs = {
        dx.id: "The child has fever, eyelid swelling and sinus disease.\nImaging shows orbital inflammation.\nANSWER: Orbital cellulitis",
        ddx.id: "DIFFERENTIAL:\n1. NSTEMI\n2. Unstable angina\n3. Pericarditis",
        hb.id: "Apply it twice a day for two weeks, and call your dermatologist to confirm.",
        medec.id: "ERROR: yes\nSENTENCE: 10\nCORRECTION: The symptoms are due to Schistosoma mansoni.",
    }
    store = Store(tmp_path)
    items = [dx, ddx, hb, medec]
    store.start_run({"id": "run", "benchmark": "mixed", "subset": None, "model": "m", "model_identity": "m",
                     "method": "cot", "config": {}}, items)
    for item in items:
        store.save_result("run", item.id, {"status": "ok", "output": outputs[item.id]}, {})
    return store


def check_pipeline(store: Store, model) -> dict:
    judge = Judge(model, store, "run", max_tokens=64, max_attempts=2)

    async def go():
        try:
            # reasoning and claims on the first item only: CPU time on this machine is shared
            first = await judge_run(store, "run", judge, resolve_rubrics(["reasoning", "claims"]), limit=1)
            rest = await judge_run(store, "run", judge, resolve_rubrics(["equivalence", "rubric", "medec"]))
            return first.done + rest.done
        finally:
            await model.aclose()

    # verdicts: reasoning, claims, equivalence x2, rubric, medec; then the control units a real judge
    # also answers (judges/controls.py): reasoning, claims and equivalence x2, one per judged item
    assert asyncio.run(go()) == (1 + 1 + 2 + 1 + 1) + (1 + 1 + 2)
    s = judge_summary(store, "run")
    for scorer in ("judge:reasoning", "judge:claims", "judge:equivalence", "judge:rubric", "medec"):
        assert s[scorer]["n"] >= 1, scorer
    # every judged score is either a valid verdict or a recorded invalid one, never silently dropped
    for row in store.scores("run"):
        if row["scorer"].startswith("judge:"):
            assert row["value"] is not None or row["label"] in ("judge_invalid", "judge_refused", "unparsed", "no_reasoning")
    assert s["medec"]["sentence_accuracy"]["mean"] == 1.0  # rule-based: exact
    assert s["cost"]["tokens_per_item"] > 0 and store.count_calls("run") > 0
    return s


def test_embedded_model_as_judge(tmp_path, shared_data):
    check_pipeline(judged_store(tmp_path, shared_data), load_model("smollm2"))


@pytest.mark.server
def test_openai_compat_server_as_judge(tmp_path, shared_data, server_url):
    s = check_pipeline(judged_store(tmp_path, shared_data), load_model(f"openai-compat:{server_url}#smollm2"))
    assert s["judges"] == [f"openai-compat:{server_url}#smollm2"]
