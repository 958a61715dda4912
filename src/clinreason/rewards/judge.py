"""A judge-based reasoning reward: the `judge:reasoning` rubric (is the reasoning sound?) asked of any
judge model, its calls cached in a clinreason store so that the same completion is never judged (or
paid for) twice, across training steps and runs."""

from __future__ import annotations

import asyncio
import concurrent.futures
from pathlib import Path

from platformdirs import user_cache_dir

from ..items import Item
from ..judges import Judge
from ..judges.rubrics import RUBRICS
from ..models import load_model
from ..models.protocol import Model
from ..store import Store

RUN_ID = "rewards:judge"  # the cache's calls are stored under this run id


def default_cache() -> Path:
    return Path(user_cache_dir("clinreason")) / "rewards.db"


class JudgeReward:
    """`reward(text, item)` -> 1.0 sound, 0.0 unsound, None when the judge gave no valid verdict or the
    completion has no reasoning to judge (TRL ignores None). `judge` is a model spec or a Model."""

    def __init__(self, judge: str | Model, *, cache: str | Path | None = None, rubric: str = "reasoning",
                 max_tokens: int = 512, max_attempts: int = 2, seed: int = 0):
        self.model = load_model(judge) if isinstance(judge, str) else judge
        self.store = Store(Path(cache) if cache else default_cache())
        self.rubric = RUBRICS.get(rubric)()
        self.judge = Judge(self.model, self.store, RUN_ID, max_tokens=max_tokens, max_attempts=max_attempts,
                           seed=seed)
        self.__name__ = f"judge_{rubric}"

    async def score(self, text: str, item: Item) -> dict:
        """The rubric's full verdict (value, label, detail with the judge's cost and call ids)."""
        return await self.rubric.score(self.judge, item, text or "")

    async def ascore_many(self, texts: list[str], items: list[Item]) -> list[float | None]:
        verdicts = await asyncio.gather(*(self.score(t, i) for t, i in zip(texts, items)))
        return [v.get("value") for v in verdicts]

    def many(self, texts: list[str], items: list[Item]) -> list[float | None]:
        """Judge a batch; works whether or not the caller is inside an event loop (trainers may be)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.ascore_many(texts, items))
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, self.ascore_many(texts, items)).result()

    def __call__(self, text: str, item: Item) -> float | None:
        return self.many([text], [item])[0]

    def close(self) -> None:
        self.store.close()
