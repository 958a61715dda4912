"""Drawing samples and voting on them as they come: shared by `cot_sc` and `medprompt`."""

from __future__ import annotations

import asyncio

from ._common import answer_of, leader, vote_is_settled


async def sample_votes(method, item, lm, n: int, make_messages, *, map_back=None, shown_item=None,
                       tag="sample"):
    """Draw up to n samples, voting as they come. `make_messages(i)` -> sample i's messages;
    `shown_item(i)` -> the item as sample i showed it (extraction must read the shown options);
    `map_back(i, answer)` translates a sample's answer (e.g. undoing a choice shuffle). Each answer
    is a `_common.Read`: it carries the parser rule that read it, so the vote knows its strictness.

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
            if map_back and answer is not None:
                answer = answer.as_(map_back(i, answer))  # the shown letter's original, read as strictly
            answers.append(answer)
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
