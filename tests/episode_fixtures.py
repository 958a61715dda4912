"""A small store of consultation runs, hand-made in THE TRACE CONTRACT's shape (issue 15): an
episode run of three items (a model patient that strays from the facts once, a rule-based patient
with a repeated and an unanswerable question, a dialogue carrying an HTML/JS payload), and two
bound runs of the same model on the same items (full case: upper; first sentence: lower).
Scores are given by the real scorers, with the trace, as the engine gives them."""

from __future__ import annotations

from clinreason.grading.scorers import SCORERS
from clinreason.items import Item
from clinreason.results import Prediction
from clinreason.store import Store
from clinreason.summary import refresh_run

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
FACTS = ("Chest pain for 3 days.", "The pain is worse on exertion.", "Smoker for 20 years.",
         "Father had a heart attack at 50.")
SCORERS_RUN = ("answer", "episode")


def items() -> list[Item]:
    opts = {"A": "Stable angina", "B": "Pericarditis", "C": "GERD", "D": "Costochondritis"}
    return [Item(id=f"c{i}", benchmark="consultoy", question="What is the most likely diagnosis?",
                 context="A 55-year-old man comes to the clinic.", options=opts, answer=gold, facts=FACTS)
            for i, gold in enumerate("ABD")]


def call(role: str, prompt: int, completion: int) -> dict:
    return {"type": "model_call", "role": role, "call_id": None, "prompt_tokens": prompt,
            "completion_tokens": completion}


def turn(speaker: str, text: str, n: int, kind: str, role: str | None = None, facts=(), answer=None) -> dict:
    return {"type": "turn", "speaker": speaker, "text": text, "role": role, "kind": kind, "turn": n,
            "facts": list(facts), "answer": answer}


def episode(turns: int, questions: int, answers: list, revealed: list[int], stopped: str, repeated=0,
            unanswerable=0, tests=0) -> dict:
    return {"episode": {"turns": turns, "questions": questions, "tests": tests, "stopped": stopped,
                        "intermediate_answers": answers, "facts_revealed": revealed, "n_facts": len(FACTS),
                        "repeated_questions": repeated, "unanswerable_questions": unanswerable,
                        "strategy": "free"}}


def episodes() -> list[tuple[str, list[dict], dict]]:
    """(output, trace, info) per item."""
    model_patient = [
        call("model", 100, 20), turn("doctor", "How long have you had the chest pain?", 1, "question", "model"),
        call("patient", 80, 10), turn("patient", "For three days now.", 1, "reply", "patient", facts=[0]),
        call("model", 120, 5), turn("doctor", "ANSWER: B", 1, "intermediate", "model", answer="B"),
        call("model", 140, 20), turn("doctor", "Do you smoke?", 2, "question", "model"),
        call("patient", 90, 15),
        turn("patient", "Yes, for 20 years, and I drink whisky every night.", 2, "reply", "patient", facts=[2]),
        call("model", 160, 5), turn("doctor", "ANSWER: A", 2, "intermediate", "model", answer="A"),
        call("model", 170, 10), turn("doctor", "ANSWER: A", 2, "answer", "model", answer="A"),
    ]
    rule_patient = [
        turn("doctor", "Does the pain get worse when you exercise?", 1, "question", "model"),
        turn("patient", "The pain is worse on exertion.", 1, "reply", None, facts=[1]),
        turn("doctor", "I am not sure yet.", 1, "intermediate", "model", answer=None),
        turn("doctor", "Does the pain get worse when you exercise?", 2, "question", "model"),
        turn("patient", "The pain is worse on exertion.", 2, "reply", None, facts=[1]),
        turn("doctor", "ANSWER: C", 2, "intermediate", "model", answer="C"),
        turn("doctor", "Any rash?", 3, "question", "model"),
        turn("patient", "I don't know.", 3, "reply", None),
        turn("doctor", "ANSWER: C", 3, "intermediate", "model", answer="C"),
        turn("doctor", "Blood pressure, please.", 3, "test", "model"),
        turn("measurement", "RESULTS: normal readings.", 3, "reply", None),
    ]
    hostile = [
        call("model", 50, 10), turn("doctor", f"Tell me {XSS} more", 1, "question", "model"),
        call("patient", 40, 10), turn("patient", f"Smoker for 20 years. {XSS}", 1, "reply", "patient", facts=[2]),
        turn("doctor", "ANSWER: D", 1, "intermediate", "model", answer="D"),
    ]
    return [("ANSWER: A", model_patient, episode(2, 2, ["B", "A"], [0, 2], "answered")),
            ("ANSWER: C", rule_patient, episode(3, 3, [None, "C", "C"], [1], "answered", repeated=1,
                                                unanswerable=1, tests=1)),
            (f"{XSS}\nANSWER: D", hostile, episode(1, 1, ["D"], [2], "max_turns"))]


def _save(store: Store, run_id: str, method: str, params: dict, rows: list[tuple[str, list, dict]]) -> None:
    its = items()
    store.start_run({"id": run_id, "benchmark": "consultoy", "subset": "test", "model": "doc-model",
                     "model_identity": "doc-model", "method": method,
                     "config": {"method": {"method": method, **params}, "scorers": list(SCORERS_RUN)}}, its)
    scorers = [SCORERS.get(name)() for name in SCORERS_RUN]
    for item, (output, trace, info) in zip(its, rows):
        prediction = Prediction(output=output, info=info)
        scores = {s.name: s(item, prediction, trace=trace) for s in scorers}
        tokens = [e for e in trace if e["type"] == "model_call"]
        store.save_result(run_id, item.id, {
            "status": "ok", "output": output, "info": info, "trace": trace, "n_calls": len(tokens),
            "prompt_tokens": sum(e["prompt_tokens"] for e in tokens),
            "completion_tokens": sum(e["completion_tokens"] for e in tokens), "wall_s": 0.01}, scores)
    refresh_run(store, run_id)


def build_store(path) -> Store:
    """Runs "episodes" (consult), "upper" (consult_full: found by its name), "lower" (found by its
    `case` parameter)."""
    store = Store(path)
    _save(store, "upper", "consult_full", {}, [("ANSWER: A", [], {}), ("ANSWER: B", [], {}), ("ANSWER: D", [], {})])
    _save(store, "lower", "consult_variant", {"case": "first"},
          [("ANSWER: C", [], {}), ("ANSWER: C", [], {}), ("ANSWER: D", [], {})])
    _save(store, "episodes", "consult", {"max_turns": 3}, episodes())
    return store
