"""A judge: a model (any spec, chosen independently of the model under test) plus a rubric
template. It must answer with JSON that validates against the rubric's pydantic schema; an
invalid reply (not JSON, missing keys, a refusal) is re-asked with the validation error, a
bounded number of times. Every call goes through the Gateway with the judged run's store, so
judge calls are cached (judging twice is free) and stored with the run."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from ..models.protocol import Message, Model, SamplingParams
from ..models.gateway import Gateway, RetryPolicy
from ..prompts import render
from ..store import Store

S = TypeVar("S", bound=BaseModel)

_REFUSAL = re.compile(r"\b(I can(?:'|no)t|I am unable|I'm unable|I won't|as an AI|I'm sorry|I apologi[sz]e)\b",
                      re.IGNORECASE)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


# Every rubric's schema example carries this placeholder (or another one in angle brackets) and
# neutral values, so no legitimate verdict can equal the example: a reply identical to it is a
# judge copying its prompt, refused like invalid JSON (see `repeats_example`).
PLACEHOLDER_REASON = "<one short sentence: why>"
REPEATS_EXAMPLE = "the verdict repeats the prompt's example"


class InvalidJudgement(ValueError):
    def __init__(self, message: str, refused: bool = False):
        super().__init__(message)
        self.refused = refused


def parse_json_reply(text: str, schema: type[S]) -> S:
    """The first JSON object in the reply (code fences allowed), validated by the schema."""
    fenced = _FENCE.search(text or "")
    body = fenced.group(1) if fenced else (text or "")
    start = body.find("{")
    if start < 0:
        refused = bool(_REFUSAL.search(text or ""))
        raise InvalidJudgement("the reply is a refusal, not a JSON object" if refused
                               else "the reply contains no JSON object", refused=refused)
    try:
        data, _ = json.JSONDecoder().raw_decode(body[start:])
    except json.JSONDecodeError as e:
        raise InvalidJudgement(f"invalid JSON: {e.msg} at position {e.pos}") from None
    if not isinstance(data, dict):
        raise InvalidJudgement("the JSON is not an object")
    try:
        return schema.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'object'}: {err['msg']}" for err in e.errors()[:5])
        raise InvalidJudgement(f"the JSON does not match the schema ({problems})") from None


@dataclass
class Verdict(Generic[S]):
    """A judge's answer, valid or not, with what it cost."""

    value: S | None
    error: str | None = None
    refused: bool = False
    attempts: int = 0
    call_ids: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_calls: int = 0

    @property
    def ok(self) -> bool:
        return self.value is not None

    def cost(self) -> dict:
        return {"call_ids": self.call_ids, "attempts": self.attempts, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "cached_calls": self.cached_calls}


class Judge:
    """Ask structured questions of a judge model; calls are stored with `run_id` (the judged run)."""

    def __init__(self, model: Model, store: Store, run_id: str, *, max_tokens: int = 512, seed: int = 0,
                 max_attempts: int = 3, use_cache: bool = True, concurrency: int | None = None,
                 retry: RetryPolicy | None = None):
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.model = model
        self.gateway = Gateway(model, store, run_id=run_id, use_cache=use_cache, concurrency=concurrency,
                               retry=retry)
        self.max_tokens = max_tokens
        self.seed = seed
        self.max_attempts = max_attempts

    @property
    def identity(self) -> str:
        return self.model.identity

    async def ask(self, template: str, schema: type[S], *, item_id: str, tag: str, seed_offset: int = 0,
                  check: Callable[[S], None] | None = None, **context: Any) -> Verdict[S]:
        """Render `template` (with the schema's JSON example in `schema_hint`), call the judge,
        validate (schema, then `check`, which raises InvalidJudgement for what a schema cannot
        say, e.g. "one verdict per step"); re-ask with the error, `max_attempts` calls in all."""
        lm = self.gateway.for_item(item_id)
        prompt = render(template, schema_hint=schema_example(schema), **context)
        messages = [Message(role="system", content=render("judge_system")), Message(role="user", content=prompt)]
        params = SamplingParams(temperature=0.0, max_tokens=self.max_tokens, seed=self.seed + seed_offset,
                                json_mode=True, json_schema=json.dumps(schema.model_json_schema()))
        verdict: Verdict[S] = Verdict(value=None)
        for attempt in range(self.max_attempts):
            completion = await lm(messages, params, tag=f"{tag}#{attempt}")
            verdict.attempts = attempt + 1
            try:
                value = parse_json_reply(completion.text, schema)
                if repeats_example(value, schema):
                    raise InvalidJudgement(REPEATS_EXAMPLE)
                if check:
                    check(value)
                verdict.value = value
                verdict.error, verdict.refused = None, False
                break
            except InvalidJudgement as e:
                verdict.error, verdict.refused = str(e), e.refused
                messages = messages + [
                    Message(role="assistant", content=completion.text),
                    Message(role="user", content=render("judge_retry", error=str(e), schema_hint=schema_example(schema))),
                ]
        verdict.call_ids = [t.call_id for t in lm.trace]
        verdict.prompt_tokens = sum(t.prompt_tokens for t in lm.trace)
        verdict.completion_tokens = sum(t.completion_tokens for t in lm.trace)
        verdict.cached_calls = sum(t.cached for t in lm.trace)
        return verdict


def schema_example(schema: type[BaseModel]) -> str:
    """The JSON shape the judge must produce, taken from the schema's own example."""
    example = (schema.model_config.get("json_schema_extra") or {}).get("example")
    if example is None:
        raise TypeError(f"{schema.__name__} needs json_schema_extra={{'example': ...}}")
    return json.dumps(example, ensure_ascii=False)


def repeats_example(value: BaseModel, schema: type[BaseModel]) -> bool:
    """True when a parsed verdict is exactly the schema's example (after validation, so key order,
    whitespace and defaults do not matter): the judge copied its prompt instead of judging."""
    example = (schema.model_config.get("json_schema_extra") or {}).get("example")
    if example is None:
        return False
    return value.model_dump(mode="json") == schema.model_validate(example).model_dump(mode="json")
