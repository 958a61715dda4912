"""The model-based answer extractor, pure part (as simple-evals and ThoughtSource do): when the
rule-based parser reads no answer from a response and the run has an `extractor` model role, that
model is asked what the response answers (prompts/extract_answer.jinja); its reply is read by the
same parser, and an answer it yields becomes the prediction's answer with the rule "extractor",
never strict. The call itself is made by clinreason.engine.extract (through the gateway: cached,
and in the item's trace as a model call with role "extractor")."""

from __future__ import annotations

from ..items import AnswerFormat, Item
from ..models.protocol import Message, SamplingParams
from ..prompts import render
from ..results import Prediction
from .parsers import parse_answer, strip_thinking

ROLE = "extractor"
RULE = "extractor"
# Formats whose answers a parser reads exactly (free text is read whole: nothing to extract).
EXTRACTABLE = frozenset({AnswerFormat.letter, AnswerFormat.letters, AnswerFormat.yes_no_maybe, AnswerFormat.number,
                         AnswerFormat.date, AnswerFormat.weeks_days})
MAX_RESPONSE_CHARS = 6000  # the end of a long response: where conclusions are
PARAMS = SamplingParams(temperature=0.0, max_tokens=32)
# What a prediction's info records, so `clinreason regrade` reads it again without calling the model.
REPLY_KEY = "extractor_reply"


def needs_extraction(item: Item, prediction: Prediction) -> bool:
    """The method set no answer, the parser reads none from the output, and there is an output."""
    return (item.format in EXTRACTABLE and prediction.answer is None and bool((prediction.output or "").strip())
            and parse_answer(prediction.output, item).answer is None)


def extraction_messages(item: Item, response: str) -> list[Message]:
    """The extractor's prompt: the item, the response (its visible part, the end of a long one)."""
    shown = strip_thinking(response) or response
    if len(shown) > MAX_RESPONSE_CHARS:
        shown = "[...]\n" + shown[-MAX_RESPONSE_CHARS:]
    return [Message(role="user", content=render("extract_answer", item=item, options=item.options, response=shown))]


def apply_extraction(item: Item, prediction: Prediction, reply: str) -> Prediction:
    """The prediction with the answer the extractor's reply gives (read by the item's parser), rule
    "extractor", not strict; unchanged but for the recorded reply when the reply gives none."""
    info = {**prediction.info, REPLY_KEY: reply}
    read = parse_answer(reply, item)
    if read.answer is None:
        return prediction.model_copy(update={"info": info})
    return prediction.model_copy(update={"answer": read.answer, "rule": RULE, "strict": False, "info": info})


def stored_prediction(item: Item, row: dict) -> Prediction:
    """A stored prediction (a store row: output, answer, info) rebuilt with how its answer was read
    (info["answer_rule"], info["answer_strict"]), read again with the current parsers where it came
    from text: an extractor's answer is its stored reply read again, and gives way to the parser
    when the parser now reads the output itself (a run today would not have asked the extractor)."""
    info = row.get("info") or {}
    prediction = Prediction(output=row.get("output") or "", answer=row.get("answer"), info=info,
                            rule=info.get("answer_rule"), strict=info.get("answer_strict"))
    if prediction.rule != RULE:
        return prediction
    bare = prediction.model_copy(update={"answer": None, "rule": None, "strict": None})
    if item.format not in EXTRACTABLE or not needs_extraction(item, bare):
        return bare
    return apply_extraction(item, bare, info.get(REPLY_KEY) or "") if REPLY_KEY in info else prediction


def answer_reading(prediction: Prediction) -> dict:
    """What a prediction's info stores about how its answer was reached (read by stored_prediction)."""
    if prediction.rule is None and prediction.strict is None:
        return {}
    return {"answer_rule": prediction.rule, "answer_strict": prediction.strict}
