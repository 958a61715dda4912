"""`search`: the model searches the run's corpus (`--corpus`, default MedQuAD) and reads the top
passages with their ids. The engine binds the run's retriever (`bind`); a tool that was never bound,
or a query it cannot serve, is a `ToolError` the model reads."""

from __future__ import annotations

from typing import Any, ClassVar

from .base import TOOLS, Tool, ToolError

MAX_QUERY = 500  # characters
MAX_K = 10
SHOWN_CHARS = 800  # of each passage: enough to cite, short enough for a small model's context


@TOOLS.register("search", aliases=("retrieve",))
class Search(Tool):
    name = "search"
    description = "Search the medical reference corpus; returns the most relevant passages with their ids."
    parameters = {
        "type": "object",
        "properties": {"query": {"type": "string", "description": "keywords or a question, e.g. 'causes of hyperkalemia'"},
                       "k": {"type": "integer", "minimum": 1, "maximum": MAX_K, "description": "passages to return (default 3)"}},
        "required": ["query"],
        "additionalProperties": False,
    }
    knowledge: ClassVar[tuple[str, ...]] = ("retriever",)  # the run opens a retriever for a method offering this

    def __init__(self, retriever: Any = None):
        self.retriever = retriever

    def bind(self, retriever: Any = None, **_other: Any) -> None:
        self.retriever = retriever

    def run(self, arguments: dict) -> str:
        unknown = set(arguments) - {"query", "k"}
        if unknown:
            raise ToolError(f"unknown argument(s) {sorted(unknown)}; expected 'query' and optionally 'k'")
        query, k = arguments.get("query"), arguments.get("k", 3)
        if not isinstance(query, str) or not query.strip():
            raise ToolError("'query' must be a non-empty string")
        if len(query) > MAX_QUERY:
            raise ToolError(f"'query' is longer than {MAX_QUERY} characters")
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise ToolError(f"'k' must be an integer from 1 to {MAX_K}")
        if self.retriever is None:
            raise ToolError("no corpus is open in this run")
        passages = self.retriever.search(query, k)
        if not passages:
            return "no passages matched; try other words"
        return "\n\n".join(f"[{p.id}] {p.title + ': ' if p.title else ''}{p.text[:SHOWN_CHARS]}" for p in passages)
