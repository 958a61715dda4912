"""Round 6 of the answer parsers (issue 12): shapes first met in the fifth held-out split, each as a
general rule, with cases written for these tests (own items, own wording) and the traps next to them."""

from __future__ import annotations

import pytest

from clinreason.grading.parsers import parse_answer
from clinreason.items import AnswerFormat, Item, TaskType

DRUGS = Item(id="d", benchmark="toy", question="Which drug is first-line for stable angina symptom relief?",
             options={"A": "Sublingual nitroglycerin", "B": "Oral metoprolol (beta blocker)", "C": "Ivabradine",
                      "D": "Ranolazine", "E": "Watchful waiting for three months"}, answer="A")
DOSES = Item(id="n", benchmark="toy", question="How many mg of the drug are given per dose?",
             options={"A": "5", "B": "10", "C": "20", "D": "40"}, answer="B")
TEN = Item(id="t", benchmark="toy", question="Which enzyme converts angiotensin I to angiotensin II?",
           options={k: v for k, v in zip("ABCDEFGHIJ", (
               "Renin", "Angiotensin-converting enzyme (ACE)", "Chymase", "Neprilysin", "Aminopeptidase A",
               "Carboxypeptidase", "Cathepsin G", "Tonin", "Kallikrein", "Elastase"))}, answer="B")
JA = Item(id="j", benchmark="toy", question="ワルファリンの拮抗薬はどれか。",
          options={"A": "ビタミンK", "B": "プロタミン", "C": "フルマゼニル", "D": "ナロキソン"}, answer="A", language="ja")
ZH = Item(id="z", benchmark="toy", question="华法林过量的拮抗剂是",
          options={"A": "维生素K", "B": "鱼精蛋白", "C": "氟马西尼", "D": "纳洛酮"}, answer="A", language="zh")
ES = Item(id="e", benchmark="toy", question="¿Cuál es el antídoto de la warfarina?",
          options={"A": "Protamina", "B": "Vitamina K", "C": "Flumazenil", "D": "Naloxona"}, answer="B", language="es")
HI = Item(id="h", benchmark="toy", question="वारफारिन का प्रतिविष क्या है?",
          options={"A": "विटामिन के (फाइटोनाडियोन)", "B": "प्रोटामाइन", "C": "फ्लुमाज़ेनिल", "D": "नालोक्सोन"},
          answer="A", language="hi")
YNM = Item(id="y", benchmark="toy", question="Does daily aspirin lower the risk of a first stroke in this trial?",
           answer="yes", task=TaskType.yes_no_maybe)
YNM_LETTERED = Item(id="y2", benchmark="toy", question="该疗法是否有效？", options={"A": "yes", "B": "no", "C": "maybe"},
                    answer="no", task=TaskType.yes_no_maybe, language="zh")
SETS = Item(id="s", benchmark="toy", question="Which of these raise the risk of gout? Select all that apply.",
            options={"A": "Thiazide diuretics", "B": "High purine diet", "C": "Daily coffee", "D": "Alcohol",
                     "E": "Allopurinol"}, answer="A,B,D", answer_format=AnswerFormat.letters)
SETS_JA = Item(id="s2", benchmark="toy", question="痛風の危険因子はどれか。2つ選べ。",
               options={"A": "利尿薬", "B": "高プリン食", "C": "コーヒー", "D": "運動", "E": "アロプリノール"},
               answer="A,B", answer_format=AnswerFormat.letters, language="ja")


def read(text: str, item: Item) -> str | None:
    return parse_answer(text, item).answer


@pytest.mark.parametrize("text,item,answer", [
    # a markdown table whose rows are the options, one verdict cell each, exactly one yes
    ("| Choice | Right? |\n|---|---|\n| A. Sublingual nitroglycerin | ✅ |\n| B. Oral metoprolol | ❌ |\n"
     "| C. Ivabradine | ❌ |\n| D. Ranolazine | ❌ |\n| E. Watchful waiting | ❌ |", DRUGS, "A"),
    ("|Option|Verdict|Why|\n|:-|:-:|-|\n|A|No|too slow|\n|B|no|rate only|\n|C|Correct|x|\n|D|No|y|", ES, "C"),
    # ... two rows marked yes, or a row left without a verdict: the table compares, it doesn't choose
    ("| Option | Fits |\n|---|---|\n| A | Yes |\n| B | Yes |\n| C | No |\n| D | No |", ES, None),
    ("| Option | Fits |\n|---|---|\n| A | Yes |\n| B | maybe later |\n| C | No |\n| D | No |", ES, None),
    # a checklist whose lines shorten the options' texts before the mark
    ("- A. Protamina ❌\n- B. Vitamina ✅ (reverses the vitamin K antagonist)\n- C. Flumazenil ❌\n- D. Naloxona ❌", ES, "B"),
    # the box tokens of vision-language models are markup around the letter
    ("Hence the answer is <|begin_of_box|>C<|end_of_box|>", ES, "C"),
    ("<|begin_of_box|>(B)<|end_of_box|>", ES, "B"),
    # a conclusion marker right before a marked letter that ends the response
    ("vitamin k restores the clotting factors, hence (b).", ES, "B"),
    ("Therefore, **D**", ES, "D"),
    ("so (b) is less relevant here; protamine reverses heparin.", ES, None),
    # hedged picks: the preferred option counts, an option set "equally" beside it does not
    ("Probably B, although protamine (A) is sometimes tried.", ES, "B"),
    ("I think it is B. Protamina is for heparin.", ES, "B"),
    ("Answer: I believe D.", TEN, "D"),
    ("Creo que es la B, aunque la C podría servir.", ES, "B"),
    ("Probably B, but C is equally plausible.", ES, "<conflict>"),
    ("I think B is less useful than the others.", ES, None),
    ("Probably C. difficile is to blame for the diarrhoea.", ES, None),
    # a rejected letter, then the one it is
    ("Not C (flumazenil reverses benzodiazepines); it is B.", ES, "B"),
    ("不是B，而是A。", ZH, "A"),
    ("选项B和C都错，正确的是A。", ZH, "A"),
    # the drug/diagnosis "that fits" with a marked letter
    ("The agent that fits best is **B**, since it restores factor synthesis.", ES, "B"),
    # options named by their position
    ("The second option is the correct one.", ES, "B"),
    ("La respuesta correcta es la segunda.", ES, "B"),
    ("Respuesta: 2", ES, "B"),
    ("答えは2番目の選択肢、プロタミンです。", JA, "B"),
    ("答案是第一个选项。", ZH, "A"),
    ("Answer: the first option, Ivabradine.", DRUGS, "<conflict>"),  # position and text disagree
    ("The third option, ranolazine, is the drug of choice.", DRUGS, "<conflict>"),
    ("Answer: 10", DOSES, "B"),  # the options are numbers: "10" is B's text, not the tenth option
    ("Answer: First, consider the renal function.", DRUGS, None),
    ("Answer: second-line agents are not needed.", DRUGS, None),
    # a letter with a bracketed gloss: the gloss must be its own option's (start of the) text
    ("उत्तर: B (विटामिन के)", HI, "<conflict>"),
    ("उत्तर: A (विटामिन के)", HI, "A"),
    ("B（否）——两组无差异。", YNM_LETTERED, "no"),
    ("A（否）", YNM_LETTERED, "<conflict>"),
    # a Japanese polite ending after a bracketed letter
    ("正解は(b)です。", JA, "B"),
    # a list of letters written with a full-width comma (normalized to ",") is a list
    ("你可以选择A，B，C，D。", ZH, "<conflict>"),
    # Spanish "la letra D" names option D
    ("La respuesta es la letra \"C\".", ES, "C"),
    # an opening line that heads a discussion of an option ends with a colon
    ("B. Vitamina K:\nslow to act.\nA. Protamina:\nfor heparin.", ES, None),
    # the last line is an option list cut off as it began
    ("¿Cuál es el antídoto de la warfarina?\n\nA. Protam", ES, None),
    # several lines each nothing but another option's text
    ("Protamina\n\nVitamina K\n\nVitamina K", ES, None),
    # a loop of letters naming several options
    ("答案是A。然后 D、C、D、C、C、C；C；C；C", ZH, None),
    ("Options A, B, C, D, E, F and G are discussed; the answer is B.", TEN, "B"),  # an enumeration, no loop
])
def test_round6_letter_shapes(text, item, answer):
    got = parse_answer(text, item)
    assert (got.answer if got.rule != "conflict" else "<conflict>") == answer, got


@pytest.mark.parametrize("text,answer", [
    ("It would be wrong to say that aspirin had no effect: strokes fell by a fifth.", "yes"),
    ("It is incorrect to conclude there was no benefit.", "yes"),
    ("Not necessarily: the confidence interval crosses one.", None),
    ("It would be wrong to say there is no effect. No.", "no"),  # a plain word decides
])
def test_round6_double_negative(text, answer):
    assert read(text, YNM) == answer


@pytest.mark.parametrize("text,item,answer", [
    ("A-B-D", SETS, "A,B,D"),
    ("Answer: B - A combination of diet and drugs matters", SETS, "B"),  # spaced hyphen: prose
    ("All of the options except C and E.", SETS, "A,B,D"),
    ("All except E apply.", SETS, "A,B,C,D"),
    ("All options except C are wrong.", SETS, None),
    ("除E以外都是。", SETS, "A,B,C,D"),
    ("除E以外都不对。", SETS, None),
    ("e以外はすべて正しい。", SETS_JA, "A,B,C,D"),
    ("Toutes sauf C.", SETS, "A,B,D,E"),
    ("1, 2 and 4. Coffee, if anything, lowers the risk.", SETS, "A,B,D"),
    ("1, 2 and 4 are steps of the work-up.", SETS, None),
    ("答え：a と", SETS_JA, None),  # cut off after the conjunction
    ("Answer: A and", SETS, None),
    ("答案：ABD……不对，咖啡算不算？我不确定。", SETS, None),  # taken back
    ("Answer: A, B, D — no, wait, not sure about alcohol.", SETS, None),
    ("答案：ABD，不是C。", SETS, "A,B,D"),  # a clarification, not a retraction
    ("Thiazide diuretics and high purine diet are the most likely culprits for raising gout risk.", SETS, "A,B"),
    ("Thiazide diuretics are prescribed widely for hypertension.", SETS, None),
])
def test_round6_letter_sets(text, item, answer):
    assert read(text, item) == answer
