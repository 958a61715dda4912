"""SFT records: verified traces as chat conversations, {"messages": [system?, user, assistant]}.

A trace qualifies when its stored answer grade is 1.0 and, where the run was judged, its reasoning
verdict (`judge:reasoning`) reaches the threshold. The prompt is the request of the model call whose
response is the graded output; when no single call produced it (debate, agents, self-refine: the
output is a synthesis), the item rendered through the `cot` template stands in, and the record says so."""

from __future__ import annotations

from ..prompts import item_messages
from .records import REASONING, Candidate, Selection, chat, uses_tools, verdict_list

INCORRECT = "incorrect"
UNGRADABLE = "not gradable by a rule"
FAILED = "failed (error)"
UNSOUND = "judged unsound"
UNJUDGED = "not judged (--require-judge)"
RENDER_TEMPLATE = "cot"


def prompt_of(candidate: Candidate) -> tuple[list[dict], str, str | None]:
    """(prompt messages, "call" | "rendered", the call's id): the request whose response is the output."""
    output = candidate.prediction.get("output")
    for call in candidate.calls:
        if call.get("response") == output and not uses_tools(call["messages"]):
            return chat(call["messages"]), "call", call["id"]
    return chat(item_messages(RENDER_TEMPLATE, candidate.item)), "rendered", None


def outcome(candidate: Candidate, min_reasoning: float, require_judge: bool) -> str:
    """"kept", or why the trace is left out."""
    if not candidate.ok:
        return FAILED
    if candidate.grade is None:
        return UNGRADABLE
    if candidate.grade < 1.0:
        return INCORRECT
    verdict = (candidate.verdicts.get(REASONING) or {}).get("value")
    if verdict is None:
        return UNJUDGED if require_judge else "kept"
    return "kept" if verdict >= min_reasoning else UNSOUND


def record(candidate: Candidate) -> dict:
    prompt, source, call_id = prompt_of(candidate)
    info = candidate.prediction.get("info") or {}
    return {
        "messages": prompt + [{"role": "assistant", "content": candidate.prediction.get("output") or ""}],
        "prompt_source": source,
        "call_id": call_id,
        **candidate.provenance(),
        "answer": candidate.prediction.get("answer") or _graded_answer(candidate),
        "gold": candidate.item.answer,
        "answer_rule": candidate.answer_detail.get("rule"),
        "judge": verdict_list(candidate.verdicts),
        "evidence_ids": [str(x) for x in info.get("passages") or [] if x is not None],
        "cited_ids": [str(x) for x in info.get("cited") or [] if x is not None],
    }


def _graded_answer(candidate: Candidate) -> str | None:
    label = candidate.answer_detail.get("label")
    return None if label in (None, "unparsed", "error", "needs_judge") else str(label)


def select(candidates: list[Candidate], *, min_reasoning: float = 1.0, require_judge: bool = False) -> Selection:
    selection = Selection(unit="traces")
    for c in candidates:
        why = outcome(c, min_reasoning, require_judge)
        selection.count(c.run["id"], why)
        if why == "kept":
            selection.records.append(record(c))
    return selection


def explain(selection: Selection, run_id: str, min_reasoning: float) -> str:
    """Why a run gave no SFT record, in the terms a user checks first."""
    tally = selection.per_run.get(run_id)
    if not tally:
        return selection.explain(run_id)
    n = tally["candidates"]
    correct = n - tally[INCORRECT] - tally[UNGRADABLE] - tally[FAILED]
    if correct == 0 and tally[INCORRECT]:
        return f"0 of {n} traces were correct"
    if correct == 0:
        return selection.explain(run_id)
    if tally[UNSOUND] == correct:
        return f"none of the {correct} correct traces was judged sound ({REASONING} >= {min_reasoning:g})"
    if tally[UNJUDGED] + tally[UNSOUND] == correct:
        return (f"none of the {correct} correct traces was judged sound ({tally[UNJUDGED]} not judged, "
                f"{tally[UNSOUND]} judged unsound); judge the run (`clinreason judge`) or drop --require-judge")
    return selection.explain(run_id)
