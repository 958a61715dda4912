"""A third-party clinreason plugin: registers a benchmark (`toy_plugin_exam`, read from
<data dir>/toy_plugin/exam.jsonl) and a model kind (`always:LETTER`, answers that letter)."""

from __future__ import annotations

import json
from pathlib import Path

from clinreason.data.base import Benchmark, register
from clinreason.items import Item, TaskType
from clinreason.models import MODEL_KINDS, ModelKind
from clinreason.models.protocol import Capabilities, Completion, Usage


def _read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    items = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        rec = json.loads(line)
        items.append(Item(id=f"toy{n}", benchmark=bench.name, question=rec["q"], options=rec["options"],
                          answer=rec["answer"], task=TaskType.mcq))
    return items


register(Benchmark(name="toy_plugin_exam", description="a plugin's exam", task=TaskType.mcq, subsets=("test",),
                   paths={"test": "toy_plugin/exam.jsonl"}, reader=_read))


class AlwaysModel:
    max_concurrency = 4
    capabilities = Capabilities(n=False, tools="none")

    def __init__(self, letter: str):
        self.letter = letter
        self.identity = f"always:{letter}"

    async def complete(self, messages, params) -> Completion:
        return Completion(text=f"ANSWER: {self.letter}", usage=Usage(prompt_tokens=3, completion_tokens=2))

    async def aclose(self) -> None:
        pass


MODEL_KINDS.register("always")(ModelKind("always:LETTER", "a plugin model that always answers LETTER",
                                         lambda rest, spec, **kw: AlwaysModel(rest or "A")))
