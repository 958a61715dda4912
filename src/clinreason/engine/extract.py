"""The model-based answer extractor, calling part: after the method, a prediction the parser cannot
read is shown to the run's `extractor` model (`clinreason run ... --extractor SPEC`). The call goes
through the item's `extractor` LM like any other (cached by the gateway, in the trace as a model
call with role "extractor"); what it means is decided in clinreason.grading.extractor (pure)."""

from __future__ import annotations

from ..grading.extractor import PARAMS, ROLE, apply_extraction, extraction_messages, needs_extraction
from ..items import Item
from ..models.gateway import LM
from ..models.protocol import ModelError
from ..results import Prediction


async def extract(item: Item, prediction: Prediction, lms: dict[str, LM]) -> Prediction:
    """The prediction, with the extractor's answer when the run has an extractor role and the parser
    reads none. A failing extractor leaves the prediction as it was (the error is in its info)."""
    lm = lms.get(ROLE)
    if lm is None or not needs_extraction(item, prediction):
        return prediction
    try:
        reply = (await lm(extraction_messages(item, prediction.output), PARAMS, tag="extract")).text
    except ModelError as e:
        return prediction.model_copy(update={"info": {**prediction.info, "extractor_error": str(e)}})
    return apply_extraction(item, prediction, reply)
