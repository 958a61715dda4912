"""Answer extraction from free model text: a table of realistic response shapes + never-raises."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinreason.grading.parsers.letter import CONFLICT_RULE, RULES, Extraction, extract_answer, strip_thinking
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
    # PubMedQA as a 3-option mcq (MedAgentsBench)
    "pubmed_mcq": _mcq({"A": "yes", "B": "no", "C": "maybe"}, "B"),
    # a real vignette: run-on generations are told apart from restatements of it
    "vignette": Item(
        id="v", benchmark="toy",
        question="A 42-year-old man develops crushing chest pain an hour after using cocaine. His blood pressure "
        "is 168/102 mm Hg. Which of the following is the most appropriate initial pharmacotherapy?",
        options={"A": "Diltiazem", "B": "Labetalol", "C": "Nitroglycerin", "D": "Aspirin"}, answer="C",
    ),
    # IgakuQA: lowercase letters a-e, Japanese options
    "ja": Item(
        id="j", benchmark="toy", question="治療として適切なのはどれか。", language="ja", answer="e",
        options={"a": "ジルチアゼム", "b": "ラベタロール", "c": "ニトログリセリン", "d": "アスピリン", "e": "ヘパリン"},
    ),
    "zh": Item(
        id="z", benchmark="toy", question="最合适的初始治疗是？", language="zh", answer="D",
        options={"A": "地尔硫䓬", "B": "拉贝洛尔", "C": "硝酸甘油", "D": "阿司匹林"},
    ),
    "fr": Item(
        id="f", benchmark="toy", question="Quel est le traitement initial ?", language="fr", answer="B",
        options={"A": "Diltiazem", "B": "Labétalol", "C": "Nitroglycérine", "D": "Aspirine"},
    ),
    "es": Item(
        id="e", benchmark="toy", question="¿Cuál es el tratamiento inicial?", language="es", answer="C",
        options={"A": "Diltiazem", "B": "Labetalol", "C": "Nitroglicerina", "D": "Aspirina"},
    ),
    "hi": Item(
        id="h", benchmark="toy", question="प्रारंभिक उपचार क्या है?", language="hi", answer="A",
        options={"A": "डिल्टियाज़ेम", "B": "लेबेटालोल", "C": "नाइट्रोग्लिसरीन", "D": "एस्पिरिन"},
    ),
    **{
        f"ynm_{lang}": Item(id=f"y{lang}", benchmark="toy", question="Q?", answer="yes", task=TaskType.yes_no_maybe,
                            language=lang)
        for lang in ("zh", "ja", "fr", "es", "hi")
    },
}

F, AP, BX, BA, LL, OT, YN, U = (
    "format", "answer_phrase", "boxed", "bare", "leading_letter", "option_text", "yes_no_maybe", "unparsed",
)
AL, JS, OL, OR, CF = "answer_label", "json", "option_line", "option_review", "conflict"

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

_Q = ITEMS["vignette"].question
_OPTS = "A. Diltiazem\nB. Labetalol\nC. Nitroglycerin\nD. Aspirin"

# Shapes of real LLM responses beyond the basic ones, each as a careful human reads it.
SHAPES = [
    # ---- a JSON answer field, alone or after reasoning ----
    ("mcq4", '{"answer": "C"}', "C", JS, False),
    ("mcq4", 'Cocaine-associated chest pain calls for vasodilation, not beta blockade.\n\n```json\n{\n  "reasoning": '
             '"Nitrates relieve the vasospasm.",\n  "answer": "C"\n}\n```', "C", JS, False),
    ("mcq4", '{"answer_choice": "B. Labetalol", "confidence": 0.62}', "B", JS, False),
    ("ynm", '{"answer_choice": "C. maybe"}', "maybe", JS, False),
    ("mcq4", "{'answer': 'D'}\n\nLet me know if you would like more detail on antiplatelet therapy.", "D", JS, False),
    ("mcq4", '{"reasoning": "At first the answer is B, but labetalol is risky.", "final_answer": "(C)"}', "C", JS,
     False),
    ("mcq4", '{"answer": "Nitroglycerin"}', "C", JS, False),
    ("mcq4", '{"answer": "The correct answer is C because nitrates relieve the spasm."}', "C", JS, False),
    ("mcq4", '[{"option": "A", "verdict": "incorrect"}, {"option": "C", "verdict": "correct"}]', None, U, False),
    ("ynm", '```json\n{"answer": "no", "explanation": "The difference was not significant (p = 0.21)."}\n```', "no", JS,
     False),
    ("mcq4", '{"answer": ["A", "C"]}', None, CF, False),
    ("mcq4", '{"answer": "B. Nitroglycerin"}', None, CF, False),
    ("pubmed_mcq", '{"answer": "A) No"}', None, CF, False),
    # ---- the answer on the line after a lead-in, and other lead-ins ----
    ("mcq4", "Beta blockers leave alpha stimulation unopposed after cocaine use.\n\nTherefore, the correct answer is:"
             "\n\nC) Nitroglycerin", "C", AP, False),
    ("mcq4", "The best choice here is (option C), since nitrates relieve the vasospasm.", "C", AP, False),
    ("mcq4", "Given the cocaine use, the most appropriate next step in management would be C) Nitroglycerin.", "C", AP,
     False),
    ("mcq4", "The most appropriate initial drug is **C. Nitroglycerin** because it relieves vasospasm.", "C", AP,
     False),
    ("mcq4", "**Answer:** B", "B", F, True),
    ("mcq4", "Answer: C\n\nExplanation: option A (Diltiazem) is a negative inotrope and B is contraindicated.", "C", F,
     True),
    ("mcq4", "Answer - c (nitrates first, no beta blockers)", "C", AL, False),
    ("mcq4", "ANSWER: A（地尔硫䓬）", "A", F, True),  # a comment in another script after the letter
    ("mcq4", "ANSWER: C 硝酸甘油可缓解冠脉痉挛", "C", F, True),
    ("mcq4", "ANSWER: Nitroglycerin", "C", AL, False),  # the option's text instead of its letter: not the format
    ("mcq4", "The patient most likely has C. difficile colitis after the antibiotics.", None, U, False),
    # ---- a stated answer wins over options discussed after it; a cut-off review is no answer ----
    ("mcq4", "The answer is nitroglycerin.\n\nDiltiazem could worsen hypotension, and labetalol leaves alpha "
             "stimulation unopposed. Aspirin is reasonable but does not relieve the spasm.", "C", AP, False),
    ("mcq4", "Nitroglycerin is the drug of choice here. Diltiazem is an alternative, and aspirin should also be given.",
     "C", OT, False),
    ("mcq4", "Let's evaluate each option:\n\nA. Diltiazem - relieves vasospasm but depresses contractility.\n"
             "B. Labetalol - contraindicated: unopposed alpha stimulation.\nC. Nitroglycerin - relieves", None, U,
     False),
    ("mcq4", "Cocaine chest pain is treated first with benzodiazepines. Diltiazem is a calcium channel blocker that",
     None, U, False),
    ("mcq4", "Diltiazem is contraindicated in this hypotensive patient.", None, U, False),
    # ---- run-on generations: the answer to the asked question wins ----
    ("vignette", f"ANSWER: C\n\nQuestion: A 60-year-old man with atrial fibrillation has palpitations. Which drug "
                 f"controls the rate?\n{_OPTS}\nANSWER: A", "C", F, True),
    ("vignette", "Nitrates relieve the vasospasm, so the answer is C.\n\nQuestion 2: A 30-year-old woman has "
                 "pleuritic chest pain. What is the best initial test?\nA. D-dimer\nB. CT angiography\n"
                 "The answer is B.", "C", AP, False),
    ("vignette", f"Cocaine causes coronary vasospasm.\n\nQuestion: Which drug is first-line for stable angina?\n{_OPTS}"
                 "\nAnswer: D", None, U, False),  # never answered the asked question
    ("vignette", f"Sure, let me restate it.\n\nQuestion: {_Q}\n{_OPTS}\n\nNitrates relieve the spasm.\nANSWER: C", "C",
     F, True),
    ("vignette", "ANSWER: B\n\nHuman: Thanks! Another one: which drug treats torsades?\n\nAssistant: ANSWER: D", "B", F,
     True),
    ("ynm", "Yes. Mortality fell in the treated arm.\n\nQuestion: Does aspirin prevent stroke in atrial fibrillation?"
            "\nAnswer: no", "yes", YN, False),
    # ---- list introductions are not answers ----
    ("mcq4", "Let's look at each option: A. Diltiazem is a calcium channel blocker.", None, U, False),
    ("mcq4", "Let's consider each answer choice:\nA. Diltiazem - may cause hypotension\nB. Labetalol - unopposed alpha"
             "\nC. Nitroglycerin - relieves vasospasm\nD. Aspirin - antiplatelet\n\nThe answer is C.", "C", AP, False),
    ("mcq4", f"The options are:\n{_OPTS}", None, U, False),
    ("mcq4", f"Answer choices:\n{_OPTS}\n\nI need more information to decide.", None, U, False),
    # ---- several answers, none of them, a letter with another option's text: no guess ----
    ("mcq4", "The answer is A, B, C, and D.", None, CF, False),
    ("mcq4", "ANSWER: B, C", None, CF, False),
    ("mcq4", "The answer is C or D, depending on the blood pressure.", None, CF, False),
    ("mcq4", "The correct answer is none of the above; the patient needs benzodiazepines.", None, CF, False),
    ("mcq4", "ANSWER: None", None, CF, False),
    ("mcq4", "The answer is B) Nitroglycerin.", None, CF, False),
    ("mcq4", "ANSWER: E. Nitroglycerin", None, CF, False),  # no option E, and the text is option C's
    ("mcq4", "Nitroglycerin (B) is the best option.", None, CF, False),
    ("mcq4", "Both B and C are correct.", None, U, False),
    ("pubmed_mcq", "A. No, the difference disappeared after adjustment.", None, CF, False),
    ("ynm_lettered", "C. maybe\n\nThe answer is a no.", None, CF, False),
    ("ynm", "Given the small sample, the answer is a tentative yes.", "yes", AP, False),
    ("pubmed_mcq", "B. No, the difference disappeared after adjustment.", "B", LL, False),
    ("pubmed_mcq", "Based on the provided information and analysis, the correct output is:\n\nA", "A", OL, False),
    ("mcq4", "Cocaine causes vasospasm.\n\nOption A:\nDiltiazem is a calcium channel blocker that", None, U, False),
    # ---- other languages and scripts ----
    ("zh", "答案：D", "D", AL, False),
    ("zh", "根据临床表现，正确答案是B。", "B", AP, False),
    ("zh", "答案：C（硝酸甘油）", "C", AL, False),
    ("zh", "分析：可卡因引起冠脉痉挛。\n\n选项C是正确的。", "C", AP, False),
    ("ja", "正解は e", "e", AP, False),
    ("ja", "理由：抗凝療法が必要である。\n\ne: ヘパリンです", "e", OL, False),
    ("ja", "ＡＮＳＷＥＲ：Ｄ", "d", F, True),  # full-width, and the item's letters are lowercase
    ("mcq4", "Réponse : C", "C", AL, False),
    ("fr", "La bonne réponse est B, car le labétalol contrôle la pression.", "B", AP, False),
    ("es", "Respuesta: B", "B", AL, False),
    ("es", "La respuesta correcta es la C.", "C", AP, False),
    ("hi", "उत्तर: A", "A", AL, False),
    ("zh", "答案为：C", "C", AP, False),
    ("zh", "选项 (B) 拉贝洛尔，静脉注射。", "B", LL, False),
    ("zh", "综上所述，本题选B。", "B", AP, False),
    ("zh", "答案是A和C。", None, CF, False),
    ("ja", "【正解】c", "c", AL, False),
    ("ja", "よって正解はbである。", "b", AP, False),
    ("fr", "La réponse est : C", "C", AP, False),
    ("fr", "Je choisirais la réponse C.", "C", AP, False),
    ("es", "La opción correcta es la C.", "C", AP, False),
    ("hi", "सही उत्तर है (D)", "D", AP, False),
    ("ynm_zh", "答案：是", "yes", AL, False),
    ("ynm_zh", "研究显示差异无统计学意义。\n\n结论：否。", "no", YN, False),
    ("ynm_zh", "是的，该研究表明死亡率下降。", "yes", YN, False),
    ("ynm_zh", "是否有效尚不清楚，需要更多研究", None, U, False),
    ("ynm_ja", "はい、有意な差が認められました。", "yes", YN, False),
    ("ynm_ja", "いいえ。", "no", BA, False),
    ("ynm_ja", "わからない", "maybe", BA, False),
    ("ynm_fr", "Réponse : peut-être", "maybe", AL, False),
    ("ynm_fr", "Oui, l'étude montre une réduction de la mortalité.", "yes", YN, False),
    ("ynm_fr", "Non.", "no", BA, False),
    ("ynm_es", "Sí, el ensayo demostró una reducción significativa.", "yes", YN, False),
    ("ynm_es", "Respuesta: quizás", "maybe", AL, False),
    ("ynm_hi", "उत्तर: नहीं", "no", AL, False),
    ("ynm_hi", "हाँ, अध्ययन से लाभ स्पष्ट है।", "yes", YN, False),
    ("ynm_hi", "शायद", "maybe", BA, False),
    ("ynm_zh", "ANSWER: 是", "yes", AL, False),  # "ANSWER:" yes, but the prompt asks for the English word
    ("ynm", "ANSWER: oui", "yes", AL, False),
    # ---- reasoning models ----
    ("mcq4", "<think>Labetalol? No, unopposed alpha. Nitrates.</think>\n\nThe final answer is $\\boxed{C}$.", "C", BX,
     False),
    ("mcq4", "<think>long deliberation</think>\n\n**Final Answer**\n\\[\n\\boxed{\\text{B}}\n\\]", "B", BX, False),
    ("mcq4", "\\boxed{A, C}", None, CF, False),
    ("mcq4", "<think>So the answer is A and C... hmm, or both", None, U, False),
    # ---- two different answers with nothing but option text between them: a conflict ----
    ("mcq4", "A. Diltiazem\n\nThe correct answer is D.", None, CF, False),
    ("mcq4", "The correct answer is A. Diltiazem.\n\nThe correct answer is D. Aspirin.", None, CF, False),
    ("mcq4", "ANSWER: A\nANSWER: C", None, CF, False),
    ("mcq4", "C. Nitroglycerin\n\nThe correct answer is C.", "C", AP, False),
    ("mcq4", "A. Diltiazem\n\nStep 1: identify the findings. Chest pain after cocaine use.\n\nThe correct answer is D.",
     None, CF, False),  # a second answer, not a change of mind
    ("mcq4", "A. Diltiazem\n\nOn reflection, diltiazem depresses contractility in this hypotensive patient.\n\n"
             "The correct answer is C.", "C", AP, False),
    ("mcq4", "Initial answer: B\n\nFeedback: labetalol leaves alpha stimulation unopposed after cocaine.\n\n"
             "Refined answer: C", "C", AP, False),
    # ---- a letter with text that is no option's ----
    ("mcq10", "A. Median artery", None, CF, False),  # a garbled copy of A's text
    ("mcq4", "D. Clopidogrel", None, CF, False),  # names no option
    ("mcq4", "C. Nitroglycerine", "C", LL, False),  # a typo of its own text
    ("es", "C. Nitroglicerína.", "C", LL, False),  # an accent
    ("mcq4", "C. Nitrates relieve the coronary vasospasm caused by cocaine.", "C", LL, False),  # an explanation
    ("mcq4", "C — 硝酸甘油可缓解冠状动脉痉挛，是首选药物", "C", LL, False),
    ("mcq4", "The answer is C, a nitrate that relieves the vasospasm.", "C", AP, False),
    # ---- a list of the options is not an answer; an answer then "why not the others" is ----
    ("mcq4", "A. Diltiazem\nC. Nitroglycerin\nD. Aspirin", None, U, False),
    ("mcq4", "A.\n\nA.\n\nB.\n\nC.\n\nD.", None, U, False),
    ("mcq4", f"D. Aspirin\n{_OPTS}\n\nPlease go through the answer choices.", None, U, False),  # an echo
    ("mcq4", f"{_OPTS}\n\nStep 2: Determine the correct answer.\nA) Diltiazem is the correct answer.\nB) Labetalol is "
             "the correct answer.\n\nStep 3: Choose the correct answer.\nC: Nitroglycerin is the correct answer.", "C", AP,
     False),
    ("mcq4", "1. The correct answer is D. Aspirin.\n2. The correct answer is A. Diltiazem.\n3. The correct answer is C. "
             "Nitroglycerin.\n\nThe correct answer is C. Nitroglycerin.", "C", AP, False),  # restated last: settled
    ("mcq4", "C: Nitroglycerin.\n\nWhy not the others?\nA: diltiazem depresses contractility.\nB: labetalol leaves "
             "alpha stimulation unopposed.\nD: aspirin does not relieve the spasm.", "C", LL, False),
    # ---- a review judging every option, exactly one correct ----
    ("mcq4", "A. Diltiazem: incorrect, a negative inotrope.\nB. Labetalol: incorrect, unopposed alpha.\n"
             "C. Nitroglycerin: correct, relieves the vasospasm.\nD. Aspirin: incorrect as sole therapy.", "C", OR,
     False),
    ("ja", "a 誤り。\nb 誤り。β遮断薬は禁忌。\nc 誤り。\nd 誤り。\ne 正しい。抗凝固療法が必要である。", "e", OR, False),
    ("mcq4", "A. Diltiazem: correct\nB. Labetalol: incorrect\nC. Nitroglycerin: correct\nD. Aspirin: incorrect", None,
     U, False),
    ("mcq4", "A. Diltiazem: incorrect\nB. Labetalol: incorrect\nC. Nitroglycerin: correct", None, U, False),
    # ---- hypotheticals ----
    ("mcq4", "If the patient were hypotensive, the answer would be A. Here, the answer is C.", "C", AP, False),
    ("mcq4", "The answer would be B if he had not used cocaine. Nitrates come first, so the answer is C.", "C", AP,
     False),
    ("mcq4", "The correct answer is C.\n\nHowever, some might argue the answer is B.", "C", AP, False),
    ("mcq4", "The best initial step is to obtain an ECG (B).", "B", AP, False),  # the clause ends with its letter
    # ---- more lead-ins and labels ----
    ("mcq4", "Answer seems to be C.", "C", AP, False),
    ("zh", "【答案】B\n【解析】拉贝洛尔可同时控制心率和血压。", "B", AL, False),
    ("zh", "缺铁性贫血属于小细胞低色素性贫血。答案：Ｃ", "C", AP, False),
    ("ja", "cが正しい。", "c", AP, False),
    ("ja", "答え: a, c", None, CF, False),
    ("hi", "उत्तर: B और D", None, CF, False),
    ("ynm", '```json\n{"final_decision": "no", "rationale": "Falls did not differ from placebo."}\n```', "no", JS,
     False),
    # ---- answer switched without a change of mind, steps then a conclusion, final answers ----
    ("mcq4", "B. Labetalol\n\nThe best answer is:\nC. Nitroglycerin\n\nThe best answer is:\nC. Nitroglycerin", None,
     CF, False),
    ("mcq4", "C. Diltiazem\n\nThe answer is C.\n\nThe answer is C.", None, CF, False),  # letter with A's text
    ("mcq4", "Step 1: The answer is B. Labetalol\nStep 2: The answer is D. Aspirin\n\nThe answer is B. Labetalol",
     "B", AP, False),
    ("mcq4", "The answer is D. Aspirin\nThe answer is B. Labetalol\n\nMy final answer is D. Aspirin", "D", AP, False),
    ("mcq4", "<think>Hypertensive emergency with cocaine. I think the answer is C, but wait, should we check whether",
     None, U, False),
    ("mcq4", "<think>Beta blockers are out.</think>\n<answer>C</answer>", "C", AL, False),
    ("mcq4", "1. Labetalol\n2. Aspirin\n3. Diltiazem", None, U, False),  # the options echoed, numbered
    # ---- more languages ----
    ("mcq4", "La bonne réponse est C : la nitroglycérine d'abord.", "C", AP, False),
    ("mcq4", "सही विकल्प C है, क्योंकि", "C", AP, False),
    ("mcq4", "Creo que la opción C es la correcta.", "C", AP, False),
    ("mcq4", "Opción correcta: C) Nitroglycerin", "C", AL, False),
    ("mcq4", "综合分析，答案应该是B。", "B", AP, False),
    ("vignette", "C. Nitroglycerin\n\n### Question\nWhich ECG finding is typical of hypocalcemia?\n(A) Prolonged QT "
                 "(B) Short QT\n### Answer\nA", "C", BA, False),
]
# Round 4: each a general rule, with texts of our own; near-misses that must stay unread alongside.
_R4 = {
    # option B's whole text is the start of option A's longer one; C and D differ only in word order
    "prefix": _mcq({"A": "Raised wall stress, lower output and tachycardia", "B": "Raised wall stress",
                    "C": "Higher in men than in women", "D": "Higher for women than for men"}, "A"),
    # Japanese options that wrap their noun ("T波の増高": a rise of T waves)
    "ja_wrap": Item(id="jw", benchmark="toy", question="高カリウム血症の心電図所見はどれか。", language="ja", answer="a",
                    options={"a": "T波の増高", "b": "U波の出現", "c": "QT延長", "d": "デルタ波"}),
}
ITEMS.update(_R4)
REF = "option_ref"
ROUND4 = [
    # self-corrections: "Final:", "I'll stick with", a correction lead-in in Chinese, "réponse X" after a colon
    ("mcq4", "First guess: B, since it lowers pressure. Hold on, unopposed alpha tone, so discard that. Final: C.",
     "C", AP, False),
    ("mcq4", "Final: still weighing the options.", None, U, False),
    ("mcq4", "B looks attractive, but could it be D? No, I'll stick with C.", "C", AP, False),
    ("zh", "起初选 A，但可卡因胸痛应先用硝酸酯，所以改为 C。", "C", AP, False),
    ("mcq4", "J'hésitais avec B... non, c'est un vasodilatateur qu'il faut : réponse C.", "C", AP, False),
    ("mcq4", "Je rejette la réponse B.", None, U, False),  # not after a colon: a mention, not an answer
    # localized labels and lead-ins
    ("zh", "正确选项为 C（硝酸甘油）。", "C", AP, False),
    ("ja", "正答：ｅ", "e", AL, False),
    ("ja", "最も適切なのはヘパリン（e）。", "e", AP, False),
    ("zh", '{"答案": "D", "解释": "抗血小板治疗"}', "D", JS, False),
    ("zh", '[{"选项": "A", "评价": "错误"}, {"选项": "B", "评价": "错误"}]', None, U, False),  # per-option review
    # a run-on "next question" in Chinese / a role token decoded as junk, after a one-line review
    ("zh", "答案：C\n\n下一题：哪种药物减慢心率？\nA. 阿替洛尔\nB. 肼屈嗪\n答案：A", "C", AL, False),
    ("ja", "e 正しい。抗凝固療法を行う。\n■■user\n問題: 正しいのはどれか。\na: 甲\nb: 乙\n答え: a", "e", OR, False),
    ("mcq4", "A. Diltiazem: incorrect.\nC. Nitroglycerin: correct.\nB. Labetalol: this one is", None, U, False),
    # a letter followed by another option's text that carries its own letter: a discussion of that option
    ("mcq4", "Option C. Diltiazem (A) slows the heart and labetalol (B) blocks beta receptors.", "C", LL, False),
    ("mcq4", "C. Diltiazem slows the heart.", None, CF, False),
    # an option's text cut short after its letter; a garbled copy closer to another option stays a conflict
    ("prefix", "A. Raised wall stress, lower", "A", BA, False),
    ("prefix", "The answer is:\nA. Raised wall stress, lower output", "A", AP, False),
    ("prefix", "The answer is:\nA. Raised wall stress", None, CF, False),  # that is B's whole text
    ("prefix", "D. Higher in men than women", None, CF, False),  # C's words in C's order
    ("prefix", "C. Higher for men than women", "C", LL, False),  # closer to its own option than to D
    # "(option X) is first-line"; the one bracketed reference to an option, in a statement negating nothing
    ("mcq4", "A vasodilator (option C) is first-line here. B is the usual trap.", "C", AP, False),
    ("mcq4", "Cocaine chest pain is treated with a vasodilator first (option C).", "C", REF, False),
    ("mcq4", "Beta blockade is avoided after cocaine (option B).", None, U, False),
    ("mcq4", "Vasodilators help (option C), and so does aspirin (D).", None, U, False),
    # a flat opening answer, then a bare "therefore" to another one: two answers
    ("mcq4", "The answer is B.\n\nCocaine causes vasospasm.\n\nTherefore, the correct answer is C.", None, CF, False),
    ("mcq4", "The answer is B.\n\nActually, beta blockers are risky here. Therefore, the correct answer is C.", "C",
     AP, False),
    # an answer line whose explanation names one other option only (its noun, in Japanese)
    ("ja_wrap", "答え: a\n\n解説：低カリウム血症ではU波が目立つ。", None, CF, False),
    ("ja_wrap", "答え: b\n\n解説：低カリウム血症ではU波が目立つ。", "b", AL, False),
    ("ja_wrap", "答え: a\n\n解説：U波はみられない。", "a", AL, False),  # the explanation negates it
]
ALL_CASES = CASES + SHAPES + ROUND4


@pytest.mark.parametrize(("item_key", "text", "answer", "rule", "strict"), ALL_CASES)
def test_extract_table(item_key, text, answer, rule, strict):
    assert extract_answer(text, ITEMS[item_key]) == Extraction(answer, rule, strict)


def test_table_covers_every_rule():
    used = {rule.split("@")[0] for *_, rule, _ in ALL_CASES}
    assert set(RULES) | {CONFLICT_RULE} <= used
    assert len(ALL_CASES) >= 150


def test_rules_in_priority_order():
    assert RULES == ("format", "answer_label", "json", "boxed", "answer_phrase", "bare", "leading_letter",
                     "option_line", "option_ref", "option_review", "option_text", "yes_no_maybe")


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


def test_adversarial_shapes_of_the_new_rules_are_fast():
    inputs = [
        "the answer is A, " * 5_000,  # every lead-in reads a slot, checks more letters and a list after it
        "Question:\n" * 20_000,  # run-on headers
        "答案：" * 10_000,
        '{"answer": "' * 5_000,
        "\n".join(f"{'ABCD'[i % 4]}. Diltiazem: incorrect" for i in range(5_000)),  # a long option review
        "Nitroglycerin (B) is the best option. " * 3_000,
        "x" * 20 + "?\nA." + "\n\nxxxxxxxxxxxxxxxxxxxxxxxxxx?\nA." * 3_000,  # posed questions
        "是否" * 50_000,
    ]
    start = time.perf_counter()
    for text in inputs:
        for key in ("mcq4", "ja"):
            extract_answer(text, ITEMS[key])
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
        assert result.rule.removesuffix("@think") in ("unparsed", CONFLICT_RULE) and not result.strict
    else:
        assert result.rule.removesuffix("@think") in RULES
        valid = YES_NO_MAYBE if item.task == TaskType.yes_no_maybe else tuple(item.options)
        assert result.answer in valid
    assert result.strict == (result.rule == "format")
    assert isinstance(strip_thinking(text), str)


# New shapes: each a general rule, with an example of our own.
NEW_SHAPES = [
    # an answer line, then an explicit correction in Spanish: the corrected answer wins
    ("mcq4", "Respuesta: B\n\nEspera, me equivoqué con la dosis. Corrijo: la respuesta correcta es C.", "C",
     "answer_label"),
    # a run-on whose only answer belongs to the question the model invented
    ("mcq4", "Question: Which drug lowers heart rate?\nA. Atenolol\nB. Hydralazine\nAnswer: A", None, None),
    # lead-ins: "that makes it X", "X fits best", "my pick: X"
    ("mcq4", "Chest pain relieved within minutes by a vasodilator: that makes it C.", "C", "answer_phrase"),
    ("mcq4", "Of the four drugs, C fits best.", "C", "answer_phrase"),
    ("mcq4", "Diltiazem (A) slows conduction; aspirin (D) is antiplatelet. So my pick: C.", "C", "answer_phrase"),
    # answer first (label without separator), then discussion of other options
    ("mcq4", "Réponse C. Le diltiazem (A) et l'aspirine (D) ne conviennent pas ici.", "C", "answer_phrase"),
    # French: the option's text inside a committing sentence
    ("mcq4", "Le traitement est la nitroglycérine.".replace("nitroglycérine", "Nitroglycerin"), "C", "option_text"),
    # Hindi "no" closed by a danda
    ("ynm", "नहीं। इसका कोई लाभ नहीं है।", "no", "yes_no_maybe"),
    # a "Conclusion:" line
    ("ynm", "**Conclusion:** Yes - the benefit outweighs the risk.\n\nHowever, no, not in children.", "yes",
     "answer_label"),
]


@pytest.mark.parametrize(("item_key", "text", "answer", "rule"), NEW_SHAPES)
def test_new_shapes(item_key, text, answer, rule):
    got = extract_answer(text, ITEMS[item_key])
    assert (got.answer, got.rule if answer else None) == (answer, rule)


def test_answer_line_switch_without_correction_stays_a_conflict():
    got = extract_answer("Respuesta: B\n\nLa respuesta correcta es C.", ITEMS["mcq4"])
    assert got.answer is None


# Round 5: each a general rule, with examples of our own and near-misses that must stay unanswered.
_VITAMINS = _mcq(dict(zip("ABCDEFGHIJ", ("Vitamin A", "Vitamin B1", "Vitamin B2", "Vitamin B6", "Vitamin C",
                                          "Vitamin D", "Vitamin E", "Vitamin K", "Niacin", "Folate"))), "E")
_TLS = Item(id="t", benchmark="toy", question="Which finding is most characteristic of digoxin toxicity?",
            options={"A": "Bradycardia", "B": "Visual halos", "C": "Hypokalemia", "D": "Tachypnea"}, answer="B")
_ASTHMA = Item(id="s", benchmark="toy", question="中度哮喘急性发作首选哪种药物？", language="zh", answer="B",
               options={"A": "茶碱", "B": "沙丁胺醇", "C": "孟鲁司特", "D": "色甘酸钠"})
ROUND5 = [
    # a lowercase "a" before a bracket, when the item's letters are capitals: maybe the article
    (_VITAMINS, "Answer: a (lack of dietary citrus fruit)", None, U),
    (_VITAMINS, "Answer: a (Vitamin A)", "A", F),  # the bracket names A: a letter after all
    (_VITAMINS, "Answer: E (lack of dietary citrus fruit)", "E", F),  # a capital E is no article
    (ITEMS["mcq4"], "ANSWER: c (it relaxes the coronaries)", "C", F),
    # below a lead-in, a line that looks like an option but copies none of it, cut off: nothing committed
    (ITEMS["es"], "La respuesta es:\n\nB: El bloqueo beta es la base del tratam", None, CF),
    (ITEMS["es"], "La respuesta es:\n\nB: Labetal", "B", AP),  # its own text, cut short
    (ITEMS["mcq4"], "The answer is:\n\nB: because it blocks both alpha and beta recep", "B", AP),  # an explanation
    (ITEMS["mcq4"], "C: Cocaine causes coronary vasospasm and nitrates relieve the", "C", LL),  # answer first
    # a run-on next question in French ("Question suivante") or a new numbered question without "?"
    (ITEMS["fr"], "La bonne réponse est le labétalol.\n\nQuestion suivante : Quel est l'antidote des opiacés ?\n"
                  "A. Naloxone\nB. Flumazénil\nRéponse : A", "B", AP),
    (ITEMS["fr"], "Question suivante : Quel est l'antidote des opiacés ?\nA. Naloxone\nB. Flumazénil\nRéponse : A",
     None, U),
    (_ASTHMA, "答案：B\n\n15. 支气管扩张症最常见的症状是\nA. 咯血\nB. 慢性咳嗽伴大量脓痰\nC. 胸痛\nD. 发热\n答案：B"
              "\n\n16. 肺结核最常见的传播途径是\nA. 飞沫\nB. 消化道\n答案：A", "B", AL),
    (_ASTHMA, "答案：B\n\n15. 支气管扩张症最常见的症状是\nA. 咯血\nB. 慢性咳嗽\n答案：A", "B", AL),
    # a numbered step reviewing the item's own options is no new question
    (_ASTHMA, "先分析。\n\n2. 逐一比较\nA. 茶碱：次选\nB. 沙丁胺醇：首选\nC. 孟鲁司特：不用于急性发作\nD. 色甘酸钠：预防用\n"
              "答案：B", "B", AL),
    # a marked change of mind in Hindi ("but wait ... so I change my answer")
    (ITEMS["ynm_hi"], "उत्तर: हाँ\n\nलेकिन रुकिए, नमूना बहुत छोटा है, इसलिए मैं अपना उत्तर बदलता हूँ। सही उत्तर: नहीं", "no",
     AL),
    (ITEMS["ynm_hi"], "उत्तर: हाँ\n\nसही उत्तर: नहीं", None, CF),  # a switch with nothing marking it
    # a conclusion lead-in in Japanese / Chinese, the word in corner quotes
    (ITEMS["ynm_ja"], "結論としては「はい」です。リスクは有意に低下しました。", "yes", AP),
    (ITEMS["ynm_ja"], "結論としては、さらなる検討が必要です。", None, U),
    (ITEMS["ynm_zh"], "结论是否成立仍有争议。", None, U),
    # "the most characteristic/typical/common X is": only when X is what the question asks about
    (_TLS, "Reviewing the options: A. Bradycardia: common, yes. B. Visual halos: classic, yes. C. Hypokalemia: "
           "no.\n\nSo the most characteristic finding is visual halos (B).", "B", AP),
    (_TLS, "The most common error is checking potassium (C) too late.", None, U),
    # an option's text alone on the first line, then only an echo of the option list
    (ITEMS["ja"], "ラベタロール\n\na. ジルチアゼム\nb. ラベタロール\nc. ニトログリセリン\nd", "b", OT),
    (ITEMS["ja"], "ラベタロール\n\na. ジルチアゼム：陰性変力作用があり、この状況では避けるべきである。\nb. ラベタロール", None, U),
    (ITEMS["ja"], "ラベタロール\n\n冠攣縮を悪化させる。", None, U),  # a heading, then a discussion
]


@pytest.mark.parametrize(("item", "text", "answer", "rule"), ROUND5)
def test_round5_shapes(item, text, answer, rule):
    got = extract_answer(text, item)
    assert (got.answer, got.rule) == (answer, rule)
