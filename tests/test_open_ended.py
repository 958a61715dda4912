"""Open-ended benchmarks (CUPCase, MedR-Bench, HealthBench lite, MEDEC): loaders on the real
files, answer extraction, prompt formats; and every judge grader with the embedded model."""

from __future__ import annotations

from collections import Counter

from clinreason.data import load_items
from clinreason.grading.open_ended import extract_differential, extract_open_answer, top_k_hits
from clinreason.items import TaskType
from clinreason.prompts import item_messages


def test_cupcase_views(shared_data):
    open_, ddx, mcq = (load_items("cupcase", s, shared_data) for s in ("open", "ddx", "mcq"))
    assert len(open_) == len(ddx) == len(mcq) == 525
    assert open_[0].task == TaskType.open_ended and ddx[0].task == TaskType.ranked_list
    assert open_[0].answer == "Non-ST-Elevation Myocardial Infarction (NSTEMI)"
    # mcq: the gold text is among 4 options, and not always at the same letter
    first = mcq[0]
    assert first.options[first.answer] == open_[0].answer and len(first.options) == 4
    assert len(Counter(i.answer for i in mcq)) == 4


def test_medrbench_has_reference_reasoning(shared_data):
    dx = load_items("medrbench", "diagnosis", shared_data)
    tx = load_items("medrbench", "treatment", shared_data)
    assert len(dx) == len(tx) == 100
    assert all(i.explanation and i.context and i.answer for i in dx + tx)
    assert dx[0].id == "PMC11625232" and "sinusitis" in dx[0].answer.lower()


def test_healthbench_rubrics(shared_data):
    items = load_items("healthbench_hard_lite50", "test", shared_data)
    assert len(items) == 50
    assert sum(len(i.rubric) for i in items) == 559
    assert any(c.points < 0 for i in items for c in i.rubric)
    first = items[0]
    assert first.messages[-1].content == first.question and first.messages[-1].role == "user"
    assert first.metadata["theme"] == "communication"


def test_medec_skips_placeholder_rows(shared_data):
    test = load_items("medec", "test", shared_data)
    assert len(test) == 597 and len(load_items("medec", "validation", shared_data)) == 574
    flagged = [i for i in test if i.metadata["error_flag"] == 1]
    assert len(flagged) == 311
    assert all(i.metadata["corrected_sentence"] for i in flagged)
    assert all(i.metadata["error_sentence_id"] == -1 for i in test if i.metadata["error_flag"] == 0)


def test_prompts_ask_for_each_format(shared_data):
    expect = {("cupcase", "open"): "ANSWER: <your answer", ("cupcase", "ddx"): "DIFFERENTIAL:",
              ("medec", "test"): "SENTENCE:", ("healthbench", "test"): "Reply to the user's last message"}
    for (name, subset), phrase in expect.items():
        item = load_items(name, subset, shared_data)[0]
        for template in ("direct", "cot"):
            assert phrase in item_messages(template, item)[-1].content
    mcq = load_items("cupcase", "mcq", shared_data)[0]
    assert "letter of one option" in item_messages("cot", mcq)[-1].content


def test_extract_open_answer():
    assert extract_open_answer("thinking...\n**ANSWER:** Sarcoidosis.") == ("Sarcoidosis", "format")
    assert extract_open_answer("Final diagnosis: Lyme disease") == ("Lyme disease", "format")
    assert extract_open_answer("It looks like\nacute appendicitis") == ("acute appendicitis", "last_line")
    assert extract_open_answer("") == (None, "unparsed")


def test_extract_differential():
    text = "Reasoning:\n1. fever noted\n2. rash\nDIFFERENTIAL:\n1. Dengue\n2) Malaria\n3. **Typhoid**\n"
    assert extract_differential(text) == (["Dengue", "Malaria", "Typhoid"], "format")
    # no header: the last numbered list, not the reasoning list before it
    text = "1. fever noted\n2. rash seen\nSo my list:\n1. Dengue\n2. Malaria"
    assert extract_differential(text) == (["Dengue", "Malaria"], "numbered_list")
    assert extract_differential("ANSWER: Dengue") == (["Dengue"], "format")
    assert extract_differential("DIFFERENTIAL:\n" + "\n".join(f"{i}. d{i}" for i in range(1, 9)), k=5)[0][-1] == "d5"
    assert top_k_hits([1, 3, 0, None], 3) == [1.0, 1.0, 0.0, 0.0]
