"""How often, and after how long, a failed model call is asked again."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay_s)
        # Full jitter: clients retrying in lockstep would hammer a recovering server.
        return random.uniform(0, min(self.max_delay_s, self.base_delay_s * 2 ** attempt))
