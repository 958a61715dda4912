"""Episode overhead per turn (issue 15): clinreason's consultation loop (the `consult` method: doctor
turn, fact-retrieval patient, intermediate answer, trace, store, `answer` + `episode` scoring) with
instant models, so what is measured is the harness, not generation.

    python bench/consult.py                      # 100 episodes x 10 turns, concurrency 8
    python bench/consult.py --episodes 20        # quicker

Two rows: the scripted doctor in process (ScriptedModel: no HTTP), and the same doctor behind the
fault server (src/clinreason/testing/fault_server.py, 127.0.0.1, healthy instant replies, bounded
lifetime, stopped at the end) reached through the openai-compat backend, as a real server would
be. The doctor never answers before the last turn, so every episode runs its 10 turns: 9
question/reply exchanges with an intermediate answer each, then the final answer (19 doctor
calls per episode; the patient is the deterministic fact-retrieval one, no model). ms_per_episode and
ms_per_turn are throughput figures: the items phase's time over the episodes (turns) done, 8 at a time."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import table, write_result  # noqa: E402

from clinreason import engine  # noqa: E402
from clinreason.items import Item  # noqa: E402
from clinreason.methods import build_method  # noqa: E402
from clinreason.models import load_model  # noqa: E402
from clinreason.models.scripted import ScriptedModel  # noqa: E402
from clinreason.store import Store  # noqa: E402
from clinreason.testing.fault_server import FaultServer  # noqa: E402

SYMPTOMS = ("headache", "nausea", "fever", "cough", "rash", "dizziness", "fatigue", "palpitations", "vomiting",
            "diarrhoea", "chills", "wheezing")
_FINAL = re.compile(r"most likely answer|give your answer now", re.I)


def case_items(n: int) -> list[Item]:
    return [Item(id=f"e{i}", benchmark="synthetic_cases", question="What is the most likely diagnosis?",
                 options={"A": "alpha", "B": "beta", "C": "gamma", "D": "delta"}, answer="ABCD"[i % 4],
                 facts=tuple(f"The patient has had {s} for {j + 1} days." for j, s in enumerate(SYMPTOMS)),
                 metadata={"presentation": f"Case {i}: a {30 + i % 40}-year-old comes to the clinic."}) for i in range(n)]


def doctor_text(text: str) -> str:
    """The scripted doctor: asks about the next symptom (by how many questions the prompt shows),
    and answers (a letter from a hash of the prompt) only when asked for an answer."""
    if _FINAL.search(text):
        return f"ANSWER: {'ABCD'[hashlib.sha256(text.encode()).digest()[0] % 4]}"
    asked = text.count("Doctor:")
    return f"QUESTION: Have you had any {SYMPTOMS[asked % len(SYMPTOMS)]}?"


def measure(label: str, models: dict, n: int, turns: int, concurrency: int) -> dict:
    items = case_items(n)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp))
        plan = engine.RunPlan(benchmark="synthetic_cases", subset=None, model_spec=label,
                              method=build_method("consult", {"max_turns": turns}), items=items,
                              scorers=("answer", "episode"))
        start = time.perf_counter()
        summary = asyncio.run(engine.execute(plan, models, store, concurrency=concurrency))
        wall = time.perf_counter() - start
        store.close()
    ep = summary["scores"]["episode"]
    assert summary["n_done"] == n and summary["errors"] == 0, summary
    done_turns = ep["turns"]["mean"] * n
    items_s = summary["session"]["elapsed_s"]
    return {"doctor": label, "episodes": n, "turns_per_episode": ep["turns"]["mean"],
            "questions_per_episode": ep["questions"]["mean"], "concurrency": concurrency,
            "model_calls": summary["session"]["model_calls"], "cache_hits": summary["session"]["cache_hits"],
            "wall_s": wall,
            "ms_per_episode": 1000 * items_s / n, "ms_per_turn": 1000 * items_s / done_turns,
            "info_gained": ep["info_gained"]["mean"], "accuracy": summary["accuracy"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    rows = [measure("scripted-in-process", {"model": ScriptedModel(lambda m, p, i: doctor_text(m[-1].content),
                                                                   identity="scripted-doctor")},
                    args.episodes, args.turns, args.concurrency)]
    server = FaultServer(reply=lambda messages, seed: doctor_text(str(messages[-1].get("content"))),
                         lifetime_s=600)
    url = server.start()
    try:
        model = load_model(f"openai-compat:{url}#doctor", concurrency=args.concurrency, timeout_s=30)
        rows.append(measure("fault-server-http", {"model": model}, args.episodes, args.turns, args.concurrency))
        rows[-1]["server_requests"] = server.requests
    finally:
        server.stop()
    print(table(rows, ["doctor", "episodes", "turns_per_episode", "questions_per_episode", "concurrency",
                       "model_calls", "cache_hits", "wall_s", "ms_per_episode", "ms_per_turn", "info_gained"]))
    path = write_result("consult", {"rows": rows, "note": "instant models: harness overhead only; the patient is "
                                                          "the deterministic fact-retrieval patient"})
    print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
