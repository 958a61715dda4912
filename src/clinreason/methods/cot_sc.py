"""`cot_sc`: self-consistency (Wang et al., 2023): n chains of thought sampled at temperature > 0,
majority vote on their answers.

Adaptive early stopping (`adaptive=true`, default): sampling stops as soon as the leader's margin
over the runner-up exceeds the samples left, so the answer is provably the one fixed-n voting would
give, at fewer tokens (cf. Aggarwal et al., 2023, "Let's sample step by step"). Sample i always
uses `sample=i` and seed `seed + i`, so an adaptive run and a fixed-n run share their first samples
through the cache and can be compared exactly; `info` records samples used vs n."""

from __future__ import annotations

import asyncio

from ..prompts import item_messages
from .base import METHODS, Method, MethodParams, Prediction
from ._common import answer_of, leader, vote_is_settled, voted_prediction


class SelfConsistencyParams(MethodParams):
    n: int = 5
    temperature: float = 0.7
    adaptive: bool = True
    # Optional confidence rule: also stop once this share of at least `min_samples` agree.
    stop_share: float | None = None
    min_samples: int = 3


async def sample_votes(method: Method, item, lm, n: int, make_messages, *, map_back=None, shown_item=None,
                       tag="sample"):
    """Draw up to n samples, voting as they come. `make_messages(i)` -> sample i's messages;
    `shown_item(i)` -> the item as sample i showed it (extraction must read the shown options);
    `map_back(i, answer)` translates a sample's answer (e.g. undoing a choice shuffle).

    Samples go out in batches: all n at once for a fixed vote; with adaptive stopping, each batch is
    the fewest further samples after which the vote could be settled, so exactly the samples that
    one-at-a-time stopping would draw are drawn, in fewer round trips. A batch of one prompt is one
    request for n completions where the server supports it (see Gateway.complete_many)."""
    p = method.params
    adaptive = getattr(p, "adaptive", False)
    texts, answers, tokens = [], [], []
    while len(texts) < n:
        start = len(texts)
        size = _batch_size(p, answers, n - start) if adaptive else n - start
        indices = list(range(start, start + size))
        params = [p.sampling(seed=method.seed + i) for i in indices]
        messages = [make_messages(i) for i in indices]
        if all(m == messages[0] for m in messages):
            completions = await lm.samples(messages[0], params, indices, tag=tag)
        else:  # different prompts (e.g. shuffled options): parallel single requests
            completions = await asyncio.gather(*(lm(m, q, tag=f"{tag}{i}", sample=i)
                                                 for m, q, i in zip(messages, params, indices)))
        for i, completion in zip(indices, completions):
            answer = answer_of(completion.text, shown_item(i) if shown_item else item)
            texts.append(completion.text)
            answers.append(map_back(i, answer) if (map_back and answer is not None) else answer)
            tokens.append(completion.usage.prompt_tokens + completion.usage.completion_tokens)
        if adaptive and _should_stop(p, answers, n - len(texts)):
            break
    used = len(texts)
    saved = (n - used) * (sum(tokens) / used) if used else 0.0
    return texts, answers, {"n": n, "samples_used": used, "est_tokens_saved": round(saved)}


def _should_stop(p, answers, remaining: int) -> bool:
    if vote_is_settled(answers, remaining):
        return True
    share = getattr(p, "stop_share", None)
    if share is not None and len(answers) >= p.min_samples:
        top = max((answers.count(a) for a in set(answers) if a is not None), default=0)
        return top / len(answers) >= share
    return False


def _batch_size(p, answers: list, remaining: int) -> int:
    """The fewest further samples after which stopping is possible: they all agree with the leader."""
    lead = leader(answers) or object()  # nothing parsed yet: any one new answer could lead
    for size in range(1, remaining):
        if _should_stop(p, answers + [lead] * size, remaining - size):
            return size
    return remaining


@METHODS.register("cot_sc", aliases=("self_consistency", "cot-sc"))
class SelfConsistency(Method):
    name = "cot_sc"
    description = "self-consistency: n sampled chains of thought, majority vote, adaptive early stop"
    Params = SelfConsistencyParams

    async def __call__(self, item, lm) -> Prediction:
        messages = item_messages("cot_sc", item)
        texts, answers, info = await sample_votes(self, item, lm, self.params.n, lambda i: messages)
        return voted_prediction(texts, answers, **info)
