"""Round 7 of the answer parsers (issue 12): shapes first met in the sixth held-out split, each as a
general rule, with cases written for these tests (own items, own wording) and the traps next to them
(a wrong pick is far worse than a miss, so most traps must read as None)."""

from __future__ import annotations

import pytest

from clinreason.grading.parsers import parse_answer
from clinreason.grading.parsers.fuzzy import alike
from clinreason.items import AnswerFormat, Item, TaskType

OPIOID = Item(id="o", benchmark="toy", question="Which drug reverses a morphine overdose?",
              options={"A": "Flumazenil", "B": "Naloxone hydrochloride", "C": "Atropine sulphate", "D": "Glucagon",
                       "E": "Haemodialysis"}, answer="B")
THYROID = Item(id="t", benchmark="toy", question="Which finding suggests primary hypothyroidism?",
               options={"A": "Low TSH", "B": "Raised TSH", "C": "Primary hypothyroidism screen", "D": "Goitre"},
               answer="B")
TEN = Item(id="x", benchmark="toy", question="Which vitamin deficiency causes scurvy?",
           options={k: v for k, v in zip("ABCDEFGHIJ", (
               "Vitamin A", "Vitamin C (ascorbic acid)", "Vitamin D", "Vitamin E", "Vitamin K", "Thiamine",
               "Riboflavin", "Niacin", "Pyridoxine", "Folate"))}, answer="B")
ES = Item(id="e", benchmark="toy", question="¿Qué signo acompaña a la insuficiencia aórtica?",
          options={"A": "Pulso celer et altus", "B": "Pulso paradójico", "C": "Chasquido de apertura", "D": "Soplo sistólico"},
          answer="A", language="es")
ZH = Item(id="z", benchmark="toy", question="成人社区获得性肺炎最常见的病原体是",
          options={"A": "肺炎链球菌", "B": "金黄色葡萄球菌", "C": "肺炎支原体", "D": "铜绿假单胞菌"}, answer="A", language="zh")
JA = Item(id="j", benchmark="toy", question="アナフィラキシーショックで最初に投与する薬剤はどれか。",
          options={"A": "アドレナリン", "B": "ジフェンヒドラミン", "C": "ヒドロコルチゾン", "D": "サルブタモール"},
          answer="A", language="ja")
HI = Item(id="h", benchmark="toy", question="मलेरिया किस परजीवी से होता है?",
          options={"A": "प्लाज्मोडियम", "B": "लीशमैनिया", "C": "ट्रिपैनोसोमा", "D": "जियार्डिया"}, answer="A", language="hi")
HI_SIX = Item(id="h6", benchmark="toy", question="कौन-सा सही है?",
              options={"P": "एक", "Q": "दो", "R": "तीन"}, answer="P", language="hi")
PT = Item(id="p", benchmark="toy", question="Qual é o antídoto da intoxicação por paracetamol?",
          options={"A": "N-acetilcisteína", "B": "Naloxona", "C": "Flumazenil", "D": "Atropina"}, answer="A", language="pt")
AR = Item(id="a", benchmark="toy", question="ما هو مضاد التسمم بالباراسيتامول؟",
          options={"A": "أسيتيل سيستئين", "B": "نالوكسون", "C": "فلومازينيل", "D": "أتروبين"}, answer="A", language="ar")
YNM = Item(id="y", benchmark="toy", question="Does the vaccine lower hospital admissions in this trial?",
           answer="yes", task=TaskType.yes_no_maybe)
SETS = Item(id="s", benchmark="toy", question="Which of these cause a raised anion gap acidosis? Select all that apply.",
            options={"A": "Lactic acidosis", "B": "Diabetic ketoacidosis", "C": "Diarrhoea", "D": "Methanol poisoning",
                     "E": "Renal tubular acidosis"}, answer="A,B,D", answer_format=AnswerFormat.letters)
SETS_JA = Item(id="sj", benchmark="toy", question="高カリウム血症をきたすのはどれか。2つ選べ。",
               options={"A": "横紋筋融解症", "B": "原発性アルドステロン症", "C": "腎不全", "D": "嘔吐", "E": "下痢"},
               answer="A,C", answer_format=AnswerFormat.letters, language="ja")
SETS_ZH = Item(id="sz", benchmark="toy", question="下列属于钙通道阻滞剂的是（多选）",
               options={"A": "氨氯地平", "B": "美托洛尔", "C": "维拉帕米", "D": "卡托普利", "E": "地尔硫䓬"},
               answer="A,C,E", answer_format=AnswerFormat.letters, language="zh")


def read(text: str, item: Item) -> str | None:
    return parse_answer(text, item).answer


def test_slips_in_a_word():
    assert alike("sulphate", "sulfate") and alike("naloxon", "naloxone") and alike("haemodialysis", "hemodialysis")
    # a change of prefix or suffix that flips the meaning, short words, numbers: never a slip
    assert not alike("hyperthyroidism", "hypothyroidism") and not alike("nephritis", "nephrosis")
    assert not alike("ileum", "ilium") and not alike("type2", "type1") and not alike("prednisolone", "prednisone")


@pytest.mark.parametrize("text,item,answer", [
    # an option's text with a typo or a spelling variant, the only option the response names
    ("Naloxone hydrocloride, given intravenously and repeated every few minutes as needed.", OPIOID, "B"),
    ("The drug to use is naloxone hydrochlorid, titrated to the breathing rate.", OPIOID, "B"),
    ("Atropine sulfate has no role here; the antidote is naloxone.", OPIOID, None),  # no option's whole text
    # ... a slip that is another option's exact text, or two options named: nothing
    ("Primary hypothyroidism screen is unhelpful; a low TSH or a raised TSH both need context.", THYROID, None),
    ("Haemodialysis or naloxone hydrochloride could both be tried.", OPIOID, None),
    # a Spanish conjunction inside a Latin option text
    ("Opción correcta: pulso celer y altus, por el gran volumen sistólico.", ES, "A"),
    ("Opción correcta: pulso celer y tardus.", ES, None),  # no option says that
    # bold in prose: the one option emphasised, its text with its own letter
    ("Morphine toxicity is reversed by **naloxone hydrochloride (B)**, which may need repeating.", OPIOID, "B"),
    ("The choice is between **Flumazenil (A)** and **Naloxone hydrochloride (B)** here.", OPIOID, None),
    ("Morphine toxicity is reversed by **Flumazenil (B)** in some texts.", OPIOID, None),  # text and letter disagree
    ("**Glucagon (D)** is not an antidote for morphine.", OPIOID, None),  # the bold sentence negates it
    # an answer row of a summary table
    ("Opioid toxidrome.\n\n| Item | Value |\n|---|---|\n| Antidote | naloxone |\n| Answer | B |", OPIOID, "B"),
    ("| Option | Mechanism |\n|---|---|\n| A | GABA antagonist |\n| B | mu antagonist |", OPIOID, None),
    # "between X and Y, Y is more likely"
    ("Flumazenil or naloxone? Between A and B, B is more likely, because morphine is an opioid.", OPIOID, "B"),
    ("Between A and B, B is more likely than A to be used in children, but the answer is D.", OPIOID, "D"),
    ("Between A and B, D is more likely.", OPIOID, None),  # not one of the two just named
    # "the best choice here is", "I'd say" / "Je dirais" hedges
    ("I believe the best choice here is B. I would not give flumazenil (A), which reverses benzodiazepines.", OPIOID, "B"),
    ("I'd say naloxone hydrochloride (option B), though glucagon (D) helps in beta-blocker overdose.", OPIOID, "B"),
    ("Je dirais la naloxone hydrochloride (réponse B), mais le glucagon (D) a d'autres indications.", OPIOID, "B"),
    ("Je dirais la naloxone hydrochloride (réponse A).", OPIOID, None),  # text and letter disagree
    # renumbered options: the number and the text must agree
    ("1) Flumazenil - benzodiazepines.\n2) Naloxone hydrochloride - opioids.\n\nCorrect choice: 2) Naloxone hydrochloride",
     OPIOID, "B"),
    ("Reviewing:\n1) Naloxone hydrochloride - opioids.\n\nCorrect choice: 1) Naloxone hydrochloride", OPIOID, "B"),
    ("Correct choice: 4) Naloxone hydrochloride", OPIOID, None),  # a number that fits neither
    # the pronoun I on a ten-option item is no option
    ("I believe the best choice here is B. I would not pick thiamine, whose lack causes beriberi instead.", TEN, "B"),
    # French guillemets
    ("Le déficit en vitamine C donne le scorbut. La réponse est « B ».", TEN, "B"),
    ("La réponse est « A ».", OPIOID, "A"),
    # Portuguese and Arabic answer phrases
    ("A N-acetilcisteína repõe a glutationa. Alternativa correta: letra A.", PT, "A"),
    ("Resposta: A", PT, "A"),
    ("الإجابة الصحيحة هي: A\nيعطى أسيتيل سيستئين.", AR, "A"),
    ("الإجابة: B", AR, "B"),
    # Hindi option letters क ख ग घ for A-D, only in Devanagari text, only where the options are A-E
    ("उत्तर: (क)", HI, "A"),
    ("सही उत्तर (ख) है।", HI, "B"),
    ("Answer: (क)", OPIOID, None),
    ("उत्तर: (क)", HI_SIX, None),
    # Chinese: "only option X is right", the question's superlative stem echoed before an option's text
    ("金黄色葡萄球菌多见于流感后；支原体多见于年轻人。只有选项A是对的。", ZH, "A"),
    ("选项A是对的吗？需要结合临床。", ZH, None),
    ("成人社区获得性肺炎最常见的病原体是肺炎链球菌（尤其是老年人），而年轻人中支原体也不少见。", ZH, "A"),
    ("成人社区获得性肺炎最常见的病原体不是肺炎链球菌。", ZH, None),
    ("最常见的并发症是肺炎链球菌感染。", ZH, None),  # a superlative that is not the question's
    # Japanese: a sentence that commits to the option it names
    ("アナフィラキシーにはまずアドレナリンを投与する。", JA, "A"),
    ("アドレナリンを投与することもあるが、まず気道確保を行う。", JA, None),
    ("ジフェンヒドラミンは用いない。", JA, None),
    # an options header followed by nothing but echoed option lines
    ("选项：A. 肺炎链球菌\n\nA. 肺炎链球菌\n\nA. 肺炎链球菌", ZH, None),
    ("选项：A. 肺炎链球菌\n\n答案：A", ZH, "A"),
    # a conclusion needs a conclusion marker, not "overall" in the middle of a phrase
    ("A. Flumazenil\n\nFlumazenil keeps the overall balance of receptors.\n\nThe correct answer is:\nB. Naloxone hydrochloride",
     OPIOID, None),
])
def test_letter_shapes(text, item, answer):
    assert read(text, item) == answer


@pytest.mark.parametrize("text,item,answer", [
    ("Yes.", YNM, "yes"),
    ("जी हाँ, टीकाकरण से भर्ती कम हुई।", YNM, "yes"),
    ("जी नहीं, अंतर नगण्य था।", YNM, "no"),
    ("一つの試験だけなので、どちらとも言えない。", YNM, "maybe"),
    ("どちらとも言えないが、効果は示唆される。したがって、はい。", YNM, "yes"),
    ("نعم، انخفضت حالات الدخول.", YNM, "yes"),
    ("لا يمكن الجزم من دراسة واحدة فقط", YNM, None),  # "لا" negating a verb is no answer
])
def test_yes_no_words(text, item, answer):
    assert read(text, item) == answer


@pytest.mark.parametrize("text,item,answer", [
    # letters each given a gloss in brackets
    ("The correct options are A (lactate), B (ketones) and D (formate). C and E keep the gap normal.", SETS, "A,B,D"),
    # the answer opening the response, then the explanation
    ("A and B. Diarrhoea gives a normal anion gap, so I leave C out.", SETS, "A,B"),
    ("A, B et D. La diarrhée donne une acidose à trou anionique normal.", SETS, "A,B,D"),
    ("A\n\n横紋筋融解症では細胞内カリウムが放出される。", SETS_JA, "A"),
    ("横紋筋融解症と腎不全である。嘔吐と下痢ではむしろ低カリウムとなる。", SETS_JA, "A,C"),
    ("选A、C、E。美托洛尔是β受体阻滞剂，卡托普利是ACEI。", SETS_ZH, "A,C,E"),
    # ... traps: the article "A", an option's line, an echo of every letter, the list of options below
    ("A raised gap comes from unmeasured anions such as lactate.", SETS, None),
    ("A. Lactic acidosis\nB. Diabetic ketoacidosis", SETS, None),
    ("A, B, C, D, E. Let me think about each one.", SETS, None),
    ("A and B are usually quoted, but I am not sure.", SETS, None),
])
def test_letter_sets(text, item, answer):
    assert read(text, item) == answer
