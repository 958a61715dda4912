"""AgentClinic (Schmidgall et al. 2024) OSCE-style cases: MedQA (107; extended 214) and NEJM image
challenges (15; extended 120), as published in SamuelSchmidgall/AgentClinic.

Facts are split by who may reveal them. `Item.facts` holds the patient's facts first (MedQA:
Patient_Actor flattened, one fact per sentence or list entry, labelled with its section; NEJM:
the sentences of `patient_info`), then the measurement facts (MedQA: Physical_Examination_Findings
and Test_Results flattened; NEJM: the sentences of `physical_exams`).
`metadata["n_patient_facts"]` = k: facts[:k] are the patient's, facts[k:] are what the measurement
agent reads out when the doctor requests a test or an examination.

MedQA cases have no options: the answer is the diagnosis as free text (`open_ended`, judged for
equivalence). NEJM cases are multiple choice; their images are only URLs and are not available
here, so every NEJM item is text only: `metadata["image_unavailable"] = True`, `image_url` kept,
and tagged "image_unavailable". The doctor's opening information (`metadata["presentation"]`) is
the Objective_for_Doctor (MedQA) or the first sentence of the case (NEJM).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..items import DataError, Item, TaskType, option_letters
from ._sentences import split_sentences
from .base import Benchmark, as_text, item_or_error, iter_jsonl, kind_of, register

FILES = {"medqa": "agentclinic/agentclinic_medqa.jsonl", "medqa_extended": "agentclinic/agentclinic_medqa_extended.jsonl",
         "nejm": "agentclinic/agentclinic_nejm.jsonl", "nejm_extended": "agentclinic/agentclinic_nejm_extended.jsonl"}
QUESTION = "What is the most likely diagnosis?"


def flatten(value: Any, label: str = "") -> list[str]:
    """Nested sections -> "Section, key: sentence" strings, one per sentence or list entry, in order."""
    if isinstance(value, dict):
        return [fact for key, sub in value.items() for fact in flatten(sub, _join(label, key))]
    if isinstance(value, list):
        return [fact for sub in value for fact in flatten(sub, label)]
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    sentences = split_sentences(str(value)) if isinstance(value, str) else [str(value)]
    return [f"{label}: {s}" if label else s for s in sentences]


def _join(label: str, key: str) -> str:
    name = str(key).replace("_", " ").strip()
    return f"{label}, {name.lower()}" if label else name


def _case(bench: Benchmark, path: Path, line: int, index: int, record: dict, subset: str) -> Item:
    osce = record.get("OSCE_Examination")
    if not isinstance(osce, dict):
        raise DataError(str(path), line, "OSCE_Examination", f"case {index}: expected an object, got {kind_of(osce)}")
    patient = flatten(osce.get("Patient_Actor"))
    if not patient:
        raise DataError(str(path), line, "OSCE_Examination.Patient_Actor", f"case {index}: no patient facts")
    measured = flatten({"Physical examination": osce.get("Physical_Examination_Findings"),
                        "Test results": osce.get("Test_Results")})
    objective = as_text(osce.get("Objective_for_Doctor"), path, line, "OSCE_Examination.Objective_for_Doctor") or ""
    diagnosis = as_text(osce.get("Correct_Diagnosis"), path, line, "OSCE_Examination.Correct_Diagnosis") or ""
    if not diagnosis.strip():
        raise DataError(str(path), line, "OSCE_Examination.Correct_Diagnosis", f"case {index}: missing or empty")
    facts = patient + measured
    return item_or_error(
        path, line, id=str(index), benchmark=bench.name, question=QUESTION,
        context="\n".join([objective, *facts]).strip(), answer=diagnosis.strip(), task=TaskType.open_ended,
        facts=tuple(facts), metadata={"subset": subset, "presentation": objective.strip(),
                                      "n_patient_facts": len(patient)})


def prose_facts(text: str) -> list[str]:
    """NEJM's prose facts: an inline numbered list ("includes: 1. Dermoscopy ... 2. Biopsy ...") is
    cut at its numbers; list headers ("... includes:") and the role-play preamble are dropped."""
    text = re.sub(r"(?:^|(?<=\s))(?:\d{1,2}[.)]|-)\s+(?=[A-Z])", "\n", text or "")
    text = re.sub(r"^\s*For your role as a patient,\s*", "", text)
    return [s for s in split_sentences(text) if not s.endswith(":")]


def _nejm(bench: Benchmark, path: Path, line: int, index: int, record: dict, subset: str) -> Item:
    text = as_text(record.get("question"), path, line, "question") or ""
    sentences = split_sentences(text)
    if not sentences:
        raise DataError(str(path), line, "question", f"case {index}: missing or empty")
    patient = prose_facts(as_text(record.get("patient_info"), path, line, "patient_info") or "")
    if not patient:
        raise DataError(str(path), line, "patient_info", f"case {index}: no patient facts")
    measured = prose_facts(as_text(record.get("physical_exams"), path, line, "physical_exams") or "")
    answers = record.get("answers")
    if not isinstance(answers, list) or len(answers) < 2 or not all(isinstance(a, dict) for a in answers):
        raise DataError(str(path), line, "answers", f"case {index}: expected a list of {{text, correct}} objects")
    letters = option_letters(len(answers))
    options = {letter: as_text(a.get("text"), path, line, f"answers[{i}].text") or ""
               for i, (letter, a) in enumerate(zip(letters, answers))}
    correct = [letter for letter, a in zip(letters, answers) if a.get("correct") is True]
    if len(correct) != 1:
        raise DataError(str(path), line, "answers", f"case {index}: {len(correct)} answers marked correct, expected 1")
    asks = [i for i, s in enumerate(sentences) if s.endswith("?")]
    cut = asks[-1] if asks else len(sentences)
    tags = ["image_unavailable", *[str(t) for t in record.get("type") or [] if isinstance(t, str)]]
    return item_or_error(
        path, line, id=str(index), benchmark=bench.name, question=" ".join(sentences[cut:]) or QUESTION,
        context=" ".join(sentences[:cut]) or None, options=options, answer=correct[0], task=TaskType.mcq,
        facts=tuple(patient + measured),
        metadata={"subset": subset, "presentation": sentences[0] if cut else "", "n_patient_facts": len(patient),
                  "image_unavailable": True, "image_url": record.get("image_url"), "tags": tags})


def read(bench: Benchmark, path: Path, subset: str) -> list[Item]:
    build = _nejm if subset.startswith("nejm") else _case
    items = []
    for index, (line, record) in enumerate(iter_jsonl(path)):
        if isinstance(record, DataError):
            raise record
        items.append(build(bench, path, line, index, record, subset))
    return items


register(Benchmark(
    name="agentclinic",
    description="AgentClinic OSCE cases (MedQA: free-text diagnosis; NEJM: multiple choice, images unavailable): "
                "the doctor asks a patient and requests tests",
    task=TaskType.open_ended,
    subsets=("medqa", "medqa_extended", "nejm", "nejm_extended"),
    paths=FILES,
    reader=read,
    aliases=("agent_clinic",),
    default_method="agentclinic",
))
