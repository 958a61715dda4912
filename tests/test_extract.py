"""Answer extraction from free model text: a table of realistic response shapes + never-raises."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinreason.grading.parsers.letter import RULES, Extraction, extract_answer, strip_thinking
from clinreason.items import YES_NO_MAYBE, Item, TaskType


def _mcq(options: dict[str, str], answer: str) -> Item:
    return Item(id="q", benchmark="toy", question="Q?", options=options, answer=answer)


ITEMS = {
    "mcq4": _mcq({"A": "Diltiazem", "B": "Labetalol", "C": "Nitroglycerin", "D": "Aspirin"}, "C"),
    # "Aspirin" is a substring of "Aspirin and clopidogrel"
    "mcq5": _mcq(
        {"A": "Aspirin", "B": "Aspirin and clopidogrel", "C": "Heparin", "D": "Warfarin", "E": "Alteplase"}, "B"
    ),
    # MMLU-Pro style, letters A..J: "I" is an option letter and a pronoun
    "mcq10": _mcq(
        {
            "A": "Median nerve", "B": "Ulnar nerve", "C": "Radial nerve", "D": "Axillary nerve",
            "E": "Musculocutaneous nerve", "F": "Long thoracic nerve", "G": "Suprascapular nerve",
            "H": "Thoracodorsal nerve", "I": "Obturator nerve", "J": "Femoral nerve",
        },
        "C",
    ),
    "ynm": Item(id="p", benchmark="toy", question="Q?", answer="yes", task=TaskType.yes_no_maybe),
    "ynm_lettered": Item(
        id="p2", benchmark="toy", question="Q?", options={"A": "yes", "B": "no", "C": "Maybe"},
        answer="no", task=TaskType.yes_no_maybe,
    ),
}

F, AP, BX, BA, LL, OT, YN, U = (
    "format", "answer_phrase", "boxed", "bare", "leading_letter", "option_text", "yes_no_maybe", "unparsed",
)

CASES = [
    # ---- the requested format -> strict ----
    ("mcq4", "Nitrates relieve ischemic pain and lower preload.\n\nANSWER: C", "C", F, True),
    ("mcq4", "Reasoning...\n\n**ANSWER:** C", "C", F, True),
    ("mcq4", "ANSWER: (C)", "C", F, True),
    ("mcq4", "ANSWER: C.", "C", F, True),
    ("mcq4", "Answer: C) Nitroglycerin", "C", F, True),
    ("mcq4", "ANSWER: c", "C", F, True),
    ("mcq4", "ANSWER: **C**", "C", F, True),
    ("mcq4", "- **Answer**: D", "D", F, True),
    ("mcq4", "ANSWER: A (Diltiazem)", "A", F, True),
    ("mcq4", "First guess:\nANSWER: B\nOn reflection, labetalol is wrong here.\nANSWER: C", "C", F, True),
    ("mcq4", "ANSWER: C\r\n\r\nExplanation: nitrates reduce preload.\r\nDiltiazem is contraindicated.\r\n", "C", F, True),
    ("mcq4", "ＡＮＳＷＥＲ：Ｃ", "C", F, True),  # full-width
    ("mcq4", "**ANSWER:**\n\nC", "C", F, True),
    ("mcq10", "The lesion is at the spiral groove.\nANSWER: I", "I", F, True),
    ("mcq10", "ANSWER: J", "J", F, True),
    ("ynm", "The trial met its primary endpoint.\nANSWER: yes", "yes", F, True),
    ("ynm", "ANSWER: Maybe.", "maybe", F, True),
    ("ynm_lettered", "ANSWER: B", "no", F, True),
    # ---- answer phrases -> not strict ----
    ("mcq4", "Nitrates are first line. The answer is C.", "C", AP, False),
    ("mcq4", "The correct answer is (C).", "C", AP, False),
    ("mcq4", "Correct option: C", "C", AP, False),
    ("mcq4", "Final answer: **C**", "C", AP, False),
    ("mcq4", "**Final Answer**\n\nC", "C", AP, False),
    ("mcq4", "I would choose C because nitrates reduce preload.", "C", AP, False),
    ("mcq4", "my answer is c", "C", AP, False),
    ("mcq4", "So the answer is option C.", "C", AP, False),
    ("mcq4", "The best answer is C: Nitroglycerin.", "C", AP, False),
    ("mcq4", "C is the correct answer because nitrates relieve pain.", "C", AP, False),
    ("mcq4", "Labetalol lowers BP. Therefore, option B is the best choice.", "B", AP, False),
    # restated at the end: the last occurrence wins
    ("mcq4", "At first the answer is B? No: labetalol is risky with cocaine. The answer is C, not B.", "C", AP, False),
    ("mcq4", "Some would say the answer is A. However, diltiazem is a negative inotrope, so I'd go with D.", "D", AP, False),
    ("mcq4", "The answer is not B. The correct answer is D.", "D", AP, False),
    ("mcq4", "If the answer is A, then ... but the patient is hypotensive, so the answer is D.", "D", AP, False),
    ("mcq4", "La respuesta correcta es C.", "C", AP, False),
    ("mcq4", "答案是C。", "C", AP, False),
    ("mcq10", "After localizing the lesion, the answer is (I).", "I", AP, False),
    ("mcq10", "ANSWER: I think the answer is C", "C", AP, False),  # pronoun I after ANSWER:
    ("ynm", "Given the confidence intervals, the answer to this question is no.", "no", AP, False),
    ("mcq5", "The answer is E.", "E", AP, False),
    # ---- boxed ----
    ("mcq4", "Nitrates reduce preload, so $\\boxed{C}$", "C", BX, False),
    ("mcq4", "\\boxed{\\text{B}}", "B", BX, False),
    ("ynm", "The final result: \\boxed{yes}", "yes", BX, False),
    # ---- bare ----
    ("mcq4", "C", "C", BA, False),
    ("mcq4", "(C)", "C", BA, False),
    ("mcq4", "C.", "C", BA, False),
    ("mcq4", "**C**", "C", BA, False),
    ("mcq4", "C) Nitroglycerin", "C", BA, False),
    ("mcq4", "c", "C", BA, False),
    ("mcq4", "C: Nitroglycerin", "C", BA, False),
    ("mcq4", "A", "A", BA, False),
    ("mcq10", "  I  ", "I", BA, False),
    ("ynm", "Yes.", "yes", BA, False),
    ("ynm_lettered", "B", "no", BA, False),
    # ---- leading letter ----
    ("mcq4", "C. Nitroglycerin is the first-line agent for ongoing ischemic pain.", "C", LL, False),
    ("mcq4", "(B) because labetalol controls both rate and pressure.", "B", LL, False),
    ("mcq4", "**D)** Aspirin should be given to every patient with suspected ACS.", "D", LL, False),
    ("mcq4", "C\n\nNitrates relieve ischemic pain.", "C", LL, False),
    # ---- option text instead of a letter ----
    ("mcq4", "Nitroglycerin.", "C", OT, False),
    ("mcq4", "Start NITROGLYCERIN sublingually and reassess.", "C", OT, False),
    ("mcq4", "Diltiazem would worsen the heart failure. Labetalol is unsafe after cocaine.\nNitroglycerin.", "C", OT, False),
    ("mcq5", "Dual antiplatelet therapy with aspirin and clopidogrel is indicated.", "B", OT, False),
    ("mcq5", "Aspirin alone is enough here.", "A", OT, False),
    ("mcq5", "Aspirin and clopidogrel would be excessive here.\nGive heparin.", "C", OT, False),
    ("mcq10", "I believe a radial nerve injury explains the wrist drop.", "C", OT, False),
    # ---- yes/no/maybe words ----
    ("ynm", "Yes, the trial showed a significant reduction in mortality.", "yes", YN, False),
    ("ynm", "No significant difference was found between groups.\n\nNo.", "no", YN, False),
    ("ynm", "The evidence is mixed and limited.\n\nIn summary, maybe.", "maybe", YN, False),
    ("ynm", "**No** - the effect disappeared after adjustment.", "no", YN, False),
    # ---- thinking blocks ----
    ("mcq4", "<think>Maybe B... no, cocaine. C.</think>\nANSWER: C", "C", F, True),
    ("mcq4", "<think>The answer is B.</think>\n\nThe answer is C.", "C", AP, False),
    ("mcq4", "<thinking>long deliberation</thinking>ANSWER: b", "B", F, True),
    ("mcq4", "Let me weigh the options.\nThe answer is B.\n</think>\n\nANSWER: C", "C", F, True),  # template-opened
    ("mcq4", "<think>Diltiazem no, labetalol no... so the answer is D", "D", AP + "@think", False),  # unclosed
    ("mcq4", "<think>\nreasoning\nANSWER: A\n</think>", "A", F + "@think", False),  # only thinking
    ("mcq4", "<think></think>", None, U, False),
    # ---- traps and garbage -> unparsed ----
    ("mcq4", "A 45-year-old man with chest pain after cocaine use needs careful management.", None, U, False),
    ("mcq4", "The answer is a combination of rest and careful monitoring.", None, U, False),
    ("mcq4", "If the answer is A, the patient would need monitoring.", None, U, False),
    ("mcq10", "I think the most likely injury is the one at the spiral groove.", None, U, False),
    ("mcq10", "I don't know.", None, U, False),
    ("mcq10", "The answer is K.", None, U, False),  # no option K
    ("mcq4", "ANSWER: E", None, U, False),  # no option E
    ("mcq4", "ANSWER: X", None, U, False),  # echoed placeholder
    ("mcq4", "The answer is E.", None, U, False),
    ("mcq4", "Vitamin A is the best known fat-soluble vitamin.", None, U, False),
    ("mcq4", "Diltiazem and labetalol are both reasonable.", None, U, False),  # two options, no guess
    ("mcq5", "Aspirin and clopidogrel would be excessive here; give heparin.", None, U, False),
    ("mcq4", "A. Diltiazem: no.\nB. Labetalol: no.\nC. Nitroglycerin: yes.\nD. Aspirin: already given.", None, U, False),
    ("ynm", "No significant difference was observed.", None, U, False),
    ("ynm", "Maybe the results are confounded by age.", None, U, False),
    ("ynm", "Yes and no: it depends. Perhaps more data would help? Maybe.\nNo.", None, U, False),
    ("mcq4", "", None, U, False),
    ("mcq4", "   \n\t ", None, U, False),
    ("mcq4", "asdf qwerty 12345 !!! ???", None, U, False),
    ("mcq4", "🙂🙂🙂 ∑∫≈ ΑΒΓ", None, U, False),
]


@pytest.mark.parametrize(("item_key", "text", "answer", "rule", "strict"), CASES)
def test_extract_table(item_key, text, answer, rule, strict):
    assert extract_answer(text, ITEMS[item_key]) == Extraction(answer, rule, strict)


def test_table_covers_every_rule():
    used = {rule.split("@")[0] for *_, rule, _ in CASES}
    assert set(RULES) <= used
    assert len(CASES) >= 50


def test_rules_in_priority_order():
    assert RULES == ("format", "boxed", "answer_phrase", "bare", "leading_letter", "option_text", "yes_no_maybe")


def test_other_tasks_are_unparsed():
    item = Item(id="n", benchmark="toy", question="Q?", answer="3.5", task=TaskType.numeric)
    assert extract_answer("ANSWER: 3.5", item) == Extraction(None, "unparsed", False)


@pytest.mark.parametrize(
    ("text", "visible"),
    [
        ("<think>x</think>Answer", "Answer"),
        ("<THINK>x</THINK> a <thinking>y</thinking> b", "a  b"),
        ("before <think>unclosed rest", "before"),
        ("reasoning </think> final", "final"),
        ("<think>a<think>nested</think>still</think>out", "out"),
        ("no tags at all", "no tags at all"),
        ("", ""),
    ],
)
def test_strip_thinking(text, visible):
    assert strip_thinking(text) == visible


def test_huge_and_adversarial_inputs_are_fast():
    item = ITEMS["mcq10"]
    inputs = [
        "a " * 200_000,
        "<think>" * 20_000,
        "ANSWER:" + "*" * 100_000,
        "\n".join(["the answer is"] * 20_000),
        "Nitroglycerin " * 50_000 + "ANSWER: C",
        "(" * 100_000 + "I",
    ]
    start = time.perf_counter()
    for text in inputs:
        extract_answer(text, item)
        extract_answer(text, ITEMS["ynm"])
    assert time.perf_counter() - start < 20


_FRAGMENTS = st.sampled_from(
    [
        "ANSWER:", "answer is", "the correct answer is", "I would choose", "**", "(", ")", "<think>", "</think>",
        "\\boxed{", "}", "A", "I", "C", "c", "yes", "No", "maybe", "Nitroglycerin", "Aspirin and clopidogrel",
        "\n", "\r\n", " ", ".", ":", "option", "答案是", "Ｃ", "\u200b",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(), st.lists(st.one_of(_FRAGMENTS, st.text(max_size=5))).map("".join)),
       key=st.sampled_from(sorted(ITEMS)))
def test_random_strings_never_raise(text, key):
    item = ITEMS[key]
    result = extract_answer(text, item)
    assert isinstance(result, Extraction)
    if result.answer is None:
        assert result == Extraction(None, "unparsed", False)
    else:
        assert result.rule.removesuffix("@think") in RULES
        valid = YES_NO_MAYBE if item.task == TaskType.yes_no_maybe else tuple(item.options)
        assert result.answer in valid
    assert result.strict == (result.rule == "format")
    assert isinstance(strip_thinking(text), str)
