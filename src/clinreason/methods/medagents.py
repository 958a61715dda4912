"""`medagents`: MedAgents (Tang et al., 2024, "MedAgents: Large Language Models as Collaborators for
Zero-shot Medical Reasoning"). Five steps, as in the paper:
1. expert gathering: the model names the relevant specialties (defaults if it names none);
2. analysis proposition: each expert analyses the question;
3. report summarization: the analyses are synthesized into one report;
4. collaborative consultation: each expert votes yes/no on the report; objections revise it, until
   all agree or `rounds` revisions are spent;
5. decision making: the final answer is derived from the agreed (or last) report."""

from __future__ import annotations

import asyncio
import re

from pydantic import Field

from ..prompts import item_messages
from ..results import Prediction
from .base import METHODS, Method, MethodParams

DEFAULT_DOMAINS = ("internal medicine", "surgery", "pharmacology", "pathology", "pediatrics")
_YES = re.compile(r"^\W*(yes|agree)\b", re.IGNORECASE)


class MedAgentsParams(MethodParams):
    experts: int = Field(3, ge=1)
    rounds: int = Field(2, ge=0)  # report revisions allowed in the consultation
    max_tokens: int = 256


def parse_domains(text: str, n: int) -> list[str]:
    """Specialty names from the recruiter's reply: one per line, numbering and bullets stripped."""
    found: list[str] = []
    for line in text.splitlines():
        name = re.sub(r"^\s*(?:\d+[.)]|[-*•])\s*", "", line).strip().strip(".:").strip()
        if name and len(name) <= 60 and name.lower() not in {f.lower() for f in found}:
            found.append(name)
    return found[:n]


@METHODS.register("medagents")
class MedAgents(Method):
    name = "medagents"
    description = "MedAgents: recruit experts -> analyses -> report -> consensus voting/revision -> decision"
    Params = MedAgentsParams

    async def __call__(self, item, ctx) -> Prediction:
        lm = ctx.lm
        n, sampling = self.params.experts, self.params.sampling()
        recruited = parse_domains((await lm(item_messages("medagents_recruit", item, n=n), sampling,
                                            tag="recruit")).text, n)
        # A model that names too few specialties gets the defaults topped up (recorded in info).
        domains = recruited + [d for d in DEFAULT_DOMAINS if d not in recruited][: n - len(recruited)]
        analyses = await asyncio.gather(*(lm(item_messages("medagents_analysis", item, domain=d), sampling,
                                             tag=f"analysis:{d}") for d in domains))
        report = (await lm(item_messages("medagents_report", item, analyses=list(zip(domains, [a.text for a in analyses]))),
                           sampling, tag="report")).text
        consensus, revisions = False, 0
        for r in range(self.params.rounds + 1):
            votes = await asyncio.gather(*(lm(item_messages("medagents_vote", item, report=report, domain=d), sampling,
                                              tag=f"vote{r}:{d}") for d in domains))
            objections = [(d, v.text) for d, v in zip(domains, votes) if not _YES.match(v.text)]
            if not objections:
                consensus = True
                break
            if r == self.params.rounds:
                break  # out of revisions: decide on the last report
            report = (await lm(item_messages("medagents_revise", item, report=report, objections=objections),
                               sampling, tag=f"revise{r}")).text
            revisions += 1
        decision = await lm(item_messages("medagents_decision", item, report=report), sampling, tag="decision")
        return Prediction(output=decision.text, info={"domains": domains, "recruited": recruited,
                                                      "consensus": consensus, "revisions": revisions})
