"""DPO records: {"prompt", "chosen", "rejected"} pairs from several samples of the same prompt.

Samples are the model calls that answer the item: self-consistency and Medprompt samples (separate
calls, same request, another `sample`), and the call that produced a prediction's output; the same
request in several of the given runs pools its samples. Each sample is graded again with
`clinreason.rewards.grade` (the parser and scorer grading uses), against the options that sample
was shown. Chosen: correct, and not judged unsound (judged sound where --require-judge). Rejected:
incorrect (a wrong or unreadable answer)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..grading.parsers import parse_answer
from ..items import Item
from ..rewards import grade
from .records import REASONING, Candidate, Selection, chat, shown_item, uses_tools, verdict_list

SAMPLE_TAG = re.compile(r"^sample\d+$")
ONE_SAMPLE = "had one distinct sample"
ONLY_CORRECT = "had no incorrect sample"
ONLY_INCORRECT = "had no correct sample"
UNGRADABLE = "not gradable by a rule"
NO_SOUND = "had no correct sample judged sound"


@dataclass
class Sample:
    candidate: Candidate
    call: dict
    item: Item  # as this sample showed it
    grade: float | None
    verdict: float | None  # the run's judge:reasoning value, when this sample is the judged output

    @property
    def text(self) -> str:
        return self.call.get("response") or ""

    def answer(self) -> str | None:
        return parse_answer(self.text, self.item).answer


def answer_calls(candidate: Candidate) -> list[dict]:
    """The calls of a prediction that answer its item: tagged samples, or the call whose response is the output."""
    output = candidate.prediction.get("output")
    seen, out = set(), []
    for call in candidate.calls:
        tag = _tag(candidate, call["id"])
        if (SAMPLE_TAG.match(tag) or call.get("response") == output) and call["id"] not in seen \
                and call.get("response") and not uses_tools(call["messages"]):
            seen.add(call["id"])
            out.append(call)
    return out


def _tag(candidate: Candidate, call_id: str) -> str:
    return next((e.get("tag") or "" for e in candidate.prediction["trace"]
                 if isinstance(e, dict) and e.get("call_id") == call_id), "")


def samples_by_prompt(candidates: list[Candidate]) -> dict[str, list[Sample]]:
    """Prompt (as JSON) -> its samples, in run order, plan order, then sample number; one per call id."""
    groups: dict[str, list[Sample]] = {}
    seen: set[str] = set()
    for c in candidates:
        if not c.ok:
            continue
        verdict = (c.verdicts.get(REASONING) or {}).get("value")
        for call in sorted(answer_calls(c), key=lambda x: (x.get("sample") or 0, x["id"])):
            if call["id"] in seen:  # a cached call shared by two runs is one sample
                continue
            seen.add(call["id"])
            item = shown_item(c.item, c.prediction, int(call.get("sample") or 0))
            key = json.dumps(chat(call["messages"]), ensure_ascii=False, sort_keys=True)
            judged = verdict if call.get("response") == c.prediction.get("output") else None
            groups.setdefault(key, []).append(Sample(c, call, item, grade(call["response"], item), judged))
    return groups


def pairs(chosen: list[Sample], rejected: list[Sample], limit: int) -> list[tuple[Sample, Sample]]:
    """Each chosen sample with a different rejected one first, then the remaining combinations, in order."""
    first = [(i, i % len(rejected)) for i in range(len(chosen))]
    rest = [(i, j) for i in range(len(chosen)) for j in range(len(rejected)) if (i, j) not in first]
    return [(chosen[i], rejected[j]) for i, j in (first + rest)[:limit]]


def _distinct(samples: list[Sample]) -> list[Sample]:
    """One sample per text: the same text twice would add the same pair twice."""
    seen, out = set(), []
    for s in samples:
        if s.text not in seen:
            seen.add(s.text)
            out.append(s)
    return out


def select(candidates: list[Candidate], *, min_reasoning: float = 1.0, require_judge: bool = False,
           max_pairs: int = 4) -> Selection:
    selection = Selection(unit="prompts")
    for key, samples in samples_by_prompt(candidates).items():
        run_id = samples[0].candidate.run["id"]
        samples = _distinct(samples)
        correct = [s for s in samples if s.grade == 1.0]
        wrong = [s for s in samples if s.grade == 0.0]
        sound = [s for s in correct if (s.verdict is None and not require_judge)
                 or (s.verdict is not None and s.verdict >= min_reasoning)]
        if all(s.grade is None for s in samples):
            why = UNGRADABLE
        elif len(samples) < 2:
            why = ONE_SAMPLE
        elif not correct:
            why = ONLY_INCORRECT
        elif not wrong:
            why = ONLY_CORRECT
        elif not sound:
            why = NO_SOUND
        else:
            why = "kept"
            prompt = json.loads(key)
            selection.records += [record(prompt, c, r) for c, r in pairs(sound, wrong, max_pairs)]
        selection.count(run_id, why)
    return selection


def record(prompt: list[dict], chosen: Sample, rejected: Sample) -> dict:
    c = chosen.candidate
    return {
        "prompt": prompt,
        "chosen": [{"role": "assistant", "content": chosen.text}],
        "rejected": [{"role": "assistant", "content": rejected.text}],
        **c.provenance(),
        "rejected_run_id": rejected.candidate.run["id"],
        "rejected_model": rejected.candidate.run["model"],
        "chosen_call_id": chosen.call["id"],
        "rejected_call_id": rejected.call["id"],
        "chosen_answer": chosen.answer(),
        "rejected_answer": rejected.answer(),
        "gold": chosen.item.answer,
        "judge": verdict_list(c.verdicts) if chosen.verdict is not None else [],
    }
