"""Asking a single-answer method (direct, cot) how sure it is, two ways that can be combined:
`confidence=true` adds a "CONFIDENCE: N%" line to the requested answer format and reads it into
info["confidence"]; `logprobs=true` asks the backend for the answer token's top logprobs and
records the option-letter probability as info["confidence_logprob"] (backends that declare
`Capabilities.logprobs`: in-process llama.cpp, OpenAI-compatible servers). Both off by default,
and then left out of the method's config, so run ids of earlier runs stay what they were."""

from __future__ import annotations

from typing import ClassVar

from ..grading.confidence import logprob_confidence, parse_stated_confidence
from ..models.protocol import Completion, ModelError, SamplingParams
from .base import MethodParams

TOP_LOGPROBS = 20  # the most OpenAI's API returns; enough to hold every option letter


class ConfidenceParams(MethodParams):
    confidence: bool = False
    logprobs: bool = False
    omitted_at_default: ClassVar[tuple[str, ...]] = ("confidence", "logprobs")

    def answer_sampling(self, lm) -> SamplingParams:
        """The answer call's params; logprobs from a backend that cannot give them is an error, not
        a silently missing confidence."""
        if not self.logprobs:
            return self.sampling()
        if not lm.capabilities.logprobs:
            raise ModelError(f"logprobs=true: the model {lm.gateway.model.identity!r} does not return logprobs "
                             "(llama.cpp GGUF models and OpenAI-compatible servers do)")
        return self.sampling(logprobs=True, top_logprobs=TOP_LOGPROBS)


def confidence_info(params: ConfidenceParams, completion: Completion, options: dict[str, str] | None) -> dict:
    """What the completion says about its own confidence, for prediction.info."""
    info: dict = {}
    if params.confidence:
        stated = parse_stated_confidence(completion.text)
        info["confidence_stated"] = stated is not None  # a model that ignored the request is visible
        if stated is not None:
            info["confidence"] = stated
    if params.logprobs:
        info.update(logprob_confidence(completion.logprobs, options))
    return info
