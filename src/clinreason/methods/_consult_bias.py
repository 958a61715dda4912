"""AgentClinic's cognitive and implicit biases (Schmidgall et al. 2024), as optional sentences for
the doctor's and the patient's instructions. Paraphrased from the published list, not copied; the
names are theirs, so results line up with the paper's tables."""

from __future__ import annotations

_DISTRUST = ("You feel uneasy about the {other} because you learned that they {what}, and you doubt their "
             "judgement. This shapes how you talk with them.")
_IMPLICIT = {
    "gender": "are of a particular gender", "race": "are of a particular race",
    "sexual_orientation": "have a particular sexual orientation", "cultural": "come from a particular culture",
    "religion": "follow a particular religion", "socioeconomic": "come from a particular socioeconomic background",
}

DOCTOR_BIASES = {
    "recency": "A colleague recently told you about a patient with similar symptoms who turned out to have cancer. "
               "This shapes how you talk with the patient.",
    "frequency": "You have read that patients with symptoms like these are most often diagnosed with cancer. "
                 "This shapes how you talk with the patient.",
    "false_consensus": "Most colleagues who heard about this patient's symptoms think it is cancer. "
                       "This shapes how you talk with the patient.",
    "status_quo": "For the last ten years your hospital has diagnosed symptoms like these as cancer. "
                  "This shapes how you talk with the patient.",
    "confirmation": "From the start you are fairly sure the patient has cancer. This shapes how you talk with the patient.",
    **{name: _DISTRUST.format(other="patient", what=what) for name, what in _IMPLICIT.items()},
    "education": _DISTRUST.format(other="patient", what="have little formal education"),
}

PATIENT_BIASES = {
    "recency": "A friend of yours with similar symptoms was recently diagnosed with cancer. "
               "This shapes how you talk with the doctor.",
    "frequency": "You have read that doctors most often diagnose symptoms like yours as cancer. "
                 "This shapes how you talk with the doctor.",
    "false_consensus": "Most of your friends who heard about your symptoms think you have cancer. "
                       "This shapes how you talk with the doctor.",
    "self_diagnosis": "After searching your symptoms online you are convinced you have cancer, whatever the doctor "
                      "says. This shapes how you talk with the doctor.",
    **{name: _DISTRUST.format(other="doctor", what=what) for name, what in _IMPLICIT.items()},
    "education": _DISTRUST.format(other="doctor", what="trained at a poorly ranked medical school"),
}


def check_bias(name: str | None, table: dict[str, str], who: str) -> str | None:
    if name in (None, "", "none"):
        return None
    if name not in table:
        raise ValueError(f"unknown {who} bias {name!r}; known: none, {', '.join(sorted(table))}")
    return name
