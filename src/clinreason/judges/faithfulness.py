"""`judge:faithfulness` — does a simulated patient say only what the case's facts say? For
consultation runs (issue 15) with a model patient: every exchange of the dialogue (the doctor's
question and the patient's reply, from the trace's turns) is shown to the judge with the item's
facts, and it lists the replies that add to or contradict them. The value is the share of replies
judged faithful. The rule-based check (grading/episode.py) flags paraphrases too; this one reads
meaning, at the cost of a judge call per episode. Episodes with a rule-based patient (turns
without a model role) have nothing to judge and are skipped."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..grading.episode import DOCTOR, PATIENT, turn_events
from ..items import Item
from .base import PLACEHOLDER_REASON, Judge
from .rubrics import MAIN, RUBRICS, Rubric, invalid_score, seed_offset

MAX_EXCHANGES = 30  # a long dialogue is judged on its first replies: the prompt stays bounded


class FaithfulnessJudgement(BaseModel):
    # Neutral content: a judge that copies the example must not look like a verdict on this dialogue.
    model_config = ConfigDict(json_schema_extra={"example": {"unfaithful": [], "reason": PLACEHOLDER_REASON}})
    unfaithful: list[str] = []
    reason: str = ""


def patient_exchanges(trace: list[dict]) -> dict[str, str]:
    """Reply id ("R1", "R2", ...) -> "Doctor: question / Patient: reply", for model-patient replies."""
    out: dict[str, str] = {}
    question = ""
    for turn in turn_events(trace):
        if turn.get("speaker") == DOCTOR:
            question = str(turn.get("text") or "")
        elif turn.get("speaker") == PATIENT and turn.get("role") and len(out) < MAX_EXCHANGES:
            out[f"R{len(out) + 1}"] = f"Doctor: {question}\nPatient: {turn.get('text') or ''}"
    return out


@RUBRICS.register("faithfulness")
class FaithfulnessRubric(Rubric):
    name = "faithfulness"
    description = "consultations: does the model patient say only what the case's facts say (per reply)"
    uses_evidence = True  # the runner passes the dialogue's exchanges, from the prediction's trace

    @staticmethod
    def evidence_from(trace: list[dict]) -> dict[str, str]:
        return patient_exchanges(trace)

    def applies(self, item: Item) -> bool:
        return bool(item.facts)

    async def score(self, judge: Judge, item: Item, output: str, variant: str = MAIN,
                    evidence: dict[str, str] | None = None) -> dict:
        if not evidence:
            return {"value": None, "label": "no_patient_replies", "detail": {"judge": judge.identity}}
        verdict = await judge.ask("judge_faithfulness", FaithfulnessJudgement, item_id=item.id,
                                  tag="judge:faithfulness", seed_offset=seed_offset(variant),
                                  facts=list(item.facts), exchanges=list(evidence.items()))
        if not verdict.ok:
            return invalid_score(verdict, judge, n_replies=len(evidence))
        flagged = [r for r in dict.fromkeys(verdict.value.unfaithful) if r in evidence]
        units = {reply_id: "unfaithful" if reply_id in flagged else "faithful" for reply_id in evidence}
        value = 1 - len(flagged) / len(evidence)
        return {"value": value, "label": "faithful" if not flagged else "unfaithful", "detail": {
            "judge": judge.identity, "n_replies": len(evidence), "unfaithful": flagged, "units": units,
            "cost": verdict.cost()}}
