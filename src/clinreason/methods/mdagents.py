"""`mdagents`: MDAgents (Kim et al., 2024, "MDAgents: An Adaptive Collaboration of LLMs for Medical
Decision-Making"). The model first triages the question's complexity, then:
- basic: one clinician answers (chain of thought);
- intermediate: a multidisciplinary team (MDT) discusses for `rounds` rounds (as in `debate`) and a
  coordinating physician decides from the team's final opinions;
- advanced: an integrated care team (ICT): teams report in sequence, each reading the earlier
  reports, and the coordinator decides from all reports.
An unparseable triage falls back to `fallback_level` (recorded in info). `level` forces a branch
(for ablations)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from ..prompts import item_messages
from ..results import Prediction
from .base import METHODS, Method, MethodParams
from ._discussion import ROLES, discuss

LEVELS = ("basic", "intermediate", "advanced")
ICT_TEAMS = ("initial assessment team", "specialist diagnostic team", "final review team")
_LEVEL = re.compile(r"\b(basic|intermediate|advanced)\b", re.IGNORECASE)

Level = Literal["basic", "intermediate", "advanced"]


class MDAgentsParams(MethodParams):
    agents: int = Field(3, ge=1)
    rounds: int = Field(1, ge=0)
    level: Level | None = None  # force a branch; None = let the model triage
    fallback_level: Level = "basic"
    max_tokens: int = 256


def parse_level(text: str) -> str | None:
    found = _LEVEL.search(text)
    return found.group(1).lower() if found else None


@METHODS.register("mdagents")
class MDAgents(Method):
    name = "mdagents"
    description = "MDAgents: triage complexity -> solo / multidisciplinary team / integrated care team"
    Params = MDAgentsParams

    async def __call__(self, item, ctx) -> Prediction:
        lm = ctx.lm
        p = self.params
        sampling = p.sampling()
        info: dict = {}
        if p.level:
            level = p.level
        else:
            triage = (await lm(item_messages("mdagents_triage", item), p.sampling(max_tokens=16), tag="triage")).text
            parsed = parse_level(triage)
            level = parsed or p.fallback_level
            info["triage_parsed"] = parsed is not None
        info["level"] = level
        if level == "basic":
            out = (await lm(item_messages("cot", item), sampling, tag="solo")).text
        elif level == "intermediate":
            roles = list(ROLES[: p.agents])
            texts, history = await discuss(item, lm, roles, p.rounds, sampling, tag="mdt:")
            info.update(roles=roles, answers_by_round=history)
            out = (await lm(item_messages("mdagents_decision", item, inputs=list(zip(roles, texts))), sampling,
                            tag="decision")).text
        else:
            reports: list[tuple[str, str]] = []
            for team in ICT_TEAMS:
                text = (await lm(item_messages("mdagents_team_report", item, team=team, previous=reports), sampling,
                                 tag=f"ict:{team}")).text
                reports.append((team, text))
            info["teams"] = list(ICT_TEAMS)
            out = (await lm(item_messages("mdagents_decision", item, inputs=reports), sampling, tag="decision")).text
        return Prediction(output=out, info=info)
