"""What an export reads from a store: for each prediction of the given runs, its item, run, grade,
judge verdicts and the model calls behind it (`Candidate`). Nothing here decides what is kept; the
format modules (sft, dpo, grpo) do."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from ..grading.scorers.answer import SCORER
from ..items import AnswerFormat, Item, option_letters
from ..store import Store

TEST_SPLITS = ("test", "test_hard")
CONTROL_MARK = "@"  # judge:<rubric>@control: the judge's control items, never a verdict on this trace
REASONING = "judge:reasoning"


@dataclass
class Candidate:
    """One stored prediction with everything an export record needs."""

    run: dict
    item: Item
    prediction: dict
    grade: float | None  # the stored `answer` score: 1.0 right, 0.0 wrong, None not rule-gradable / missing
    answer_detail: dict  # the `answer` score's detail (rule, strict, ...) and label
    verdicts: dict[str, dict]  # judge:<rubric> -> {value, label}; control scores left out
    calls: list[dict] = field(default_factory=list)  # the model-role calls of the trace, in trace order

    @property
    def split(self) -> str:
        return item_split(self.item, self.run)

    @property
    def ok(self) -> bool:
        return self.prediction["status"] == "ok"

    def provenance(self) -> dict:
        return {"run_id": self.run["id"], "model": self.run["model"], "method": self.run["method"],
                "benchmark": self.run["benchmark"], "subset": self.run["subset"], "split": self.split,
                "item_id": self.item.id, "source_id": self.item.original_id}


def item_split(item: Item, run: dict) -> str:
    """The split an item came from: its own metadata says so when the loader recorded it, else the
    run's subset (benchmarks name their subsets after their splits: test, test_hard, train, dev)."""
    split = item.metadata.get("split")
    if split not in (None, ""):
        return str(split)
    return str(run.get("subset") or "unknown")


def is_test_split(split: str) -> bool:
    return split.lower() in TEST_SPLITS


def verdict_list(verdicts: dict[str, dict]) -> list[dict]:
    """Judge verdicts as records ({name, value, label}), sorted by name: one shape for JSONL and Parquet."""
    return [{"name": name, "value": v.get("value"), "label": v.get("label")} for name, v in sorted(verdicts.items())]


def chat(messages) -> list[dict]:
    """Messages (stored wire dicts or Message objects) as plain {role, content} dicts."""
    out = []
    for m in messages:
        role, content = (m.get("role"), m.get("content")) if isinstance(m, dict) else (m.role, m.content)
        out.append({"role": str(role), "content": content if isinstance(content, str) else _text(content)})
    return out


def _text(content) -> str:
    if isinstance(content, list):  # OpenAI content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def uses_tools(messages: list[dict]) -> bool:
    """A tool conversation: {role, content} records would lose the tool calls, so it is not a plain prompt."""
    return any(m.get("role") == "tool" or m.get("tool_calls") for m in messages if isinstance(m, dict))


def shown_item(item: Item, prediction: dict, sample: int) -> Item:
    """The item as sample `sample` showed it: methods that shuffle the options per sample (medprompt)
    record each sample's order in info["orders"] (shown letter i -> original letter); a sample's text
    must be graded against the options it saw. Otherwise the item itself."""
    orders = (prediction.get("info") or {}).get("orders")
    if not isinstance(orders, list) or not 0 <= sample < len(orders) or not item.options:
        return item
    order = orders[sample]
    if not isinstance(order, list) or sorted(order) != sorted(item.options):
        return item
    letters = option_letters(len(order))
    shown = {letter: item.options[original] for letter, original in zip(letters, order)}
    back = {original: letter for letter, original in zip(letters, order)}
    if item.format == AnswerFormat.letters:
        answer = ",".join(sorted(back[x.strip()] for x in item.answer.split(",")))
    elif item.format == AnswerFormat.letter:
        answer = back[item.answer]
    else:
        return item
    return item.model_copy(update={"options": shown, "answer": answer})


def load_candidates(store: Store, run_ids: list[str], *, unpredicted: bool = False) -> list[Candidate]:
    """Every prediction of the runs, in run order then plan order; with `unpredicted`, also the planned
    items that have none yet (status "missing": an interrupted run's items still make prompts)."""
    out: list[Candidate] = []
    for run_id in run_ids:
        run = store.require_run(run_id)
        items = {item.id: item for item in store.run_items(run_id)}
        scores = store.scores_by_item(run_id)
        predictions = store.predictions(run_id)
        if unpredicted:
            done = {p["item_id"] for p in predictions}
            predictions += [{"item_id": i, "status": "missing", "output": None, "answer": None, "info": {},
                             "trace": []} for i in items if i not in done]
        call_ids = [e["call_id"] for p in predictions for e in p["trace"] if _is_model_call(e)]
        calls = store.get_calls(call_ids)
        for p in predictions:
            item = items.get(p["item_id"])
            if item is None:
                continue
            item_scores = scores.get(p["item_id"], {})
            answer = item_scores.get(SCORER) or {}
            verdicts = {name: {"value": s["value"], "label": s["label"]} for name, s in item_scores.items()
                        if name.startswith("judge:") and CONTROL_MARK not in name}
            model_calls = []
            for e in p["trace"]:
                call = calls.get(e["call_id"]) if _is_model_call(e) else None
                if call is not None and (call.get("role") or "model") == "model" and call.get("error") is None:
                    model_calls.append({**call, "messages": json.loads(call["messages"] or "[]")})
            out.append(Candidate(run=run, item=item, prediction=p, grade=answer.get("value"),
                                 answer_detail={**(answer.get("detail") or {}), "label": answer.get("label")},
                                 verdicts=verdicts, calls=model_calls))
    return out


def _is_model_call(event) -> bool:
    """A trace entry pointing at a stored call (tool events carry the model's tool-call id instead)."""
    return isinstance(event, dict) and event.get("type", "model_call") == "model_call" and bool(event.get("call_id"))


@dataclass
class Selection:
    """What a format module made of the candidates: the records, and why the rest were left out
    (per run too, so that a run contributing nothing can say why)."""

    unit: str  # what a candidate is: "traces", "prompts", "items"
    records: list[dict] = field(default_factory=list)
    candidates: int = 0
    dropped: Counter = field(default_factory=Counter)  # reason -> count
    per_run: dict[str, Counter] = field(default_factory=dict)  # run id -> {"candidates", "kept", reason...}

    def count(self, run_id: str, outcome: str) -> None:
        """One candidate of `run_id` ended as `outcome` ("kept" or a drop reason)."""
        tally = self.per_run.setdefault(run_id, Counter())
        tally["candidates"] += 1
        tally[outcome] += 1
        self.candidates += 1
        if outcome != "kept":
            self.dropped[outcome] += 1

    def explain(self, run_id: str) -> str:
        """Why a run gave no record, e.g. "0 of 4 traces were correct"."""
        tally = self.per_run.get(run_id, Counter())
        n = tally["candidates"]
        if not n:
            return f"it has no {self.unit} to export"
        reasons = [(reason, k) for reason, k in tally.most_common() if reason not in ("candidates", "kept")]
        return f"0 of {n} {self.unit} qualified: " + ", ".join(f"{k} {reason}" for reason, k in reasons)
