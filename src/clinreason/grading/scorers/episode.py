"""`episode`: what an interactive consultation did, beyond its final answer (issue 15): turns,
questions, tests, information gained (facts elicited / facts of the case), repeated and
unanswerable questions, whether each intermediate answer was right (the accuracy-vs-questions
curve), model-patient faithfulness (rule-based, see grading/episode.py for its limits) and model
tokens per turn. Reads `prediction.info["episode"]` and the trace's turns and model calls (THE
TRACE CONTRACT); a prediction without an episode (a full-case or first-sentence bound run) is not
graded here (value None, label "no_episode"). The value is the information gained."""

from __future__ import annotations

from typing import Any

from ...items import Item
from ...results import Prediction, Score
from .. import episode as ep
from .answer import AnswerScorer
from .base import SCORERS, Metric, Scorer

SCORER = "episode"
COUNTS = ("turns", "questions", "tests", "repeated_questions", "unanswerable_questions")


def answer_correct(item: Item, answer: str | None) -> float | None:
    """1/0 for an answer the item's format grades by rule (None answer = wrong), None when it cannot."""
    score = AnswerScorer().score(item, Prediction(output=answer or "", answer=answer, rule="episode"))
    if score.value is None:
        return None
    return 0.0 if answer is None else score.value


@SCORERS.register(SCORER, aliases=("consult", "episodes"))
class EpisodeScorer(Scorer):
    name = SCORER
    version = "1"
    description = ("consultation episodes: turns, questions, information gained, repeated/unanswerable questions, "
                   "accuracy after each turn, patient faithfulness (rule-based), tokens per turn")
    uses_trace = True
    metrics = (
        Metric("info_gained", "mean"),
        Metric("turns", "detail_mean", "turns"),
        Metric("questions", "detail_mean", "questions"),
        Metric("tests", "detail_mean", "tests"),
        Metric("repeated_questions", "detail_mean", "repeated_questions"),
        Metric("unanswerable_questions", "detail_mean", "unanswerable_questions"),
        Metric("faithfulness", "detail_mean", "faithfulness"),
        Metric("tokens_per_turn", "detail_mean", "tokens_per_turn"),
        Metric("final_correct", "detail_mean", "final_correct"),
        Metric("stopped", "detail_counts", "stopped"),
    )

    def score(self, item: Item, prediction: Prediction, trace: list[dict] | None = None) -> Score:
        episode = ep.episode_info(prediction.info)
        if episode is None:
            return Score(value=None, label="no_episode", detail={})
        detail: dict[str, Any] = {k: episode[k] for k in COUNTS
                                  if isinstance(episode.get(k), int) and not isinstance(episode.get(k), bool)}
        detail["stopped"] = str(episode.get("stopped") or "?")
        detail["strategy"] = episode.get("strategy")
        detail["facts_revealed"] = sorted({f for f in episode.get("facts_revealed") or [] if isinstance(f, int)})
        detail["n_facts"] = episode.get("n_facts") if isinstance(episode.get("n_facts"), int) else len(item.facts)
        gained = ep.info_gained({**episode, "n_facts": detail["n_facts"]})
        if gained is not None:
            detail["info_gained"] = gained
        # Each intermediate answer graded like a final one: the curve's points, per episode.
        answers = episode.get("intermediate_answers") or []
        detail["correct_after"] = [answer_correct(item, a if isinstance(a, str) else None) for a in answers]
        detail["final_correct"] = AnswerScorer().score(item, prediction).value
        faith = ep.faithfulness(trace, item.facts)
        detail["replies_checked"] = faith["checked"]
        if faith["faithfulness"] is not None:
            detail["faithfulness"] = faith["faithfulness"]
            detail["unfaithful_replies"] = faith["replies"]
        per_turn, by_role = ep.tokens_per_turn(trace, detail.get("turns"))
        if per_turn is not None:
            detail["tokens_per_turn"] = per_turn
            detail["tokens_per_turn_by_role"] = by_role
        return Score(value=gained, label=detail["stopped"], detail=detail)
