"""Round 8 of the answer parsers (issue 12): shapes first met in the seventh held-out split, each as a
general rule, with cases written for these tests (own items, own wording) and the traps next to them
(a wrong pick is far worse than a miss, so most traps must read as None)."""

from __future__ import annotations

import pytest

from clinreason.grading.parsers import parse_answer
from clinreason.grading.parsers.option_words import named_by_words
from clinreason.items import AnswerFormat, Item, TaskType

GOUT = Item(id="g", benchmark="toy", question="Which drug is first-line for an acute gout flare in a healthy adult?",
            options={"A": "Allopurinol", "B": "Oral naproxen", "C": "Febuxostat (urate lowering)", "D": "Probenecid",
                     "E": "None of the above"}, answer="B")
SCURVY = Item(id="s", benchmark="toy", question="Deficiency of which vitamin causes scurvy?",
              options={"A": "Vitamin B12 (cobalamin)", "B": "Vitamin A", "C": "Ascorbic acid (vitamin C)",
                       "D": "Vitamin D", "E": "Vitamin K", "F": "Niacin (vitamin B3)"}, answer="C")
DE = Item(id="d", benchmark="toy", question="Welches Antidot gibt man bei einer Opioidüberdosis?",
          options={"A": "Flumazenil i.v.", "B": "Naloxon i.v.", "C": "Atropin i.v.", "D": "Glukagon"}, answer="B",
          language="de")
PT = Item(id="p", benchmark="toy", question="Qual é o agente da malária grave no Brasil?",
          options={"A": "Plasmodium falciparum", "B": "Trypanosoma cruzi", "C": "Leishmania chagasi"}, answer="A",
          language="pt")
ZH = Item(id="z", benchmark="toy", question="甲状腺功能亢进症的典型表现为",
          options={"A": "心动过缓", "B": "怕热多汗", "C": "体重增加", "D": "便秘"}, answer="B", language="zh")
JA = Item(id="j", benchmark="toy", question="鉄欠乏性貧血でみられるのはどれか。",
          options={"A": "大球性貧血", "B": "小球性貧血", "C": "溶血", "D": "血小板減少"}, answer="B", language="ja")
HI = Item(id="h", benchmark="toy", question="स्कर्वी किस विटामिन की कमी से होता है?",
          options={"A": "विटामिन डी", "B": "एस्कॉर्बिक एसिड (विटामिन सी)", "C": "थायमिन", "D": "नियासिन"}, answer="B",
          language="hi")
AR = Item(id="a", benchmark="toy", question="ما هو العلاج الأول لنوبة النقرس الحادة؟",
          options={"A": "الوبيورينول", "B": "مضادات الالتهاب غير الستيرويدية نابروكسين", "C": "فيبوكسوستات"}, answer="B",
          language="ar")
VI = Item(id="v", benchmark="toy", question="Vitamin D có giảm gãy xương ở người cao tuổi không?",
          options={"A": "có", "B": "không", "C": "có thể"}, answer="no", task=TaskType.yes_no_maybe, language="vi")
YNM = Item(id="y", benchmark="toy", question="Does early feeding shorten hospital stay after colectomy?",
           options={"A": "yes", "B": "no", "C": "maybe"}, answer="yes", task=TaskType.yes_no_maybe)
SETS = Item(id="m", benchmark="toy", question="Which are features of hyperthyroidism? Select all that apply.",
            options={"A": "Heat intolerance", "B": "Weight loss", "C": "Bradycardia", "D": "Tremor", "E": "Constipation"},
            answer="A,B,D", answer_format=AnswerFormat.letters)
SETS_FR = Item(id="mf", benchmark="toy", question="Lesquels sont des bêta-bloquants ?",
               options={"A": "Bisoprolol", "B": "Amlodipine", "C": "Métoprolol", "D": "Ramipril", "E": "Nébivolol"},
               answer="A,C,E", answer_format=AnswerFormat.letters, language="fr")
SETS_JA = Item(id="mj", benchmark="toy", question="高カルシウム血症の原因となるのはどれか。2つ選べ。",
               options={"A": "副甲状腺機能亢進症", "B": "低マグネシウム血症", "C": "悪性腫瘍", "D": "ビタミンD欠乏"},
               answer="A,C", answer_format=AnswerFormat.letters, language="ja")
# the item a run-on question answers instead: numbered like an exam, its options not the item's
RUNON = Item(id="r", benchmark="toy", question="41. Which antibiotic is first-line for streptococcal pharyngitis?",
             options={"A": "Ciprofloxacin", "B": "Penicillin V", "C": "Vancomycin", "D": "Gentamicin"}, answer="B")


def read(text: str, item: Item) -> str | None:
    return parse_answer(text, item).answer


@pytest.mark.parametrize(("text", "item", "answer"), [
    # two letters offered as alternatives: no single answer
    ("It is either B or D, I cannot say which.", GOUT, None),
    ("Je dirais soit la A, soit la C.", GOUT, None),
    ("Es ist entweder B oder D.", GOUT, None),
    ("要么B要么D。", GOUT, None),
    # ... unless the reply then settles it, framed as a conclusion
    ("It is either B or D at first sight, but on reflection the answer is B.", GOUT, "B"),
    # "either" with words (not letters) is prose
    ("Either naproxen or colchicine would be reasonable, so the answer is B.", GOUT, "B"),
    # a reply saying it cannot choose
    ("Yes, at first glance.\n\nBut the adjusted data point the other way. Both readings are equally plausible.", YNM, None),
    ("答案是B。不过也可能是D。两种说法都有道理，难以取舍。", GOUT, None),
    ("I cannot decide between B and D.", GOUT, None),
])
def test_undecided(text, item, answer):
    assert read(text, item) == answer


@pytest.mark.parametrize(("text", "item", "answer"), [
    # the clause before "so the answer is" states another option: text and letter disagree
    ("Ascorbic acid deficiency is the cause, so the answer is F.", SCURVY, None),
    ("Ascorbic acid deficiency is the cause, so the answer is C.", SCURVY, "C"),
    # a rejected option before the conclusion is no disagreement
    ("Niacin deficiency is not the cause, so the answer is C.", SCURVY, "C"),
    # a clause naming an option without stating it as the answer
    ("Naproxen was tried last year, so the answer is B.", GOUT, "B"),
])
def test_letter_against_named_option(text, item, answer):
    assert read(text, item) == answer


@pytest.mark.parametrize(("text", "item", "answer"), [
    # ranked candidates: the first one, its gloss in brackets
    ("Most likely B (naproxen), then A as a remote alternative.", GOUT, "B"),
    ("Probably B (naproxen), or D.", GOUT, None),  # two answers
    ("Most likely B (allopurinol), then A.", GOUT, None),  # the gloss names another option
    ("b が最も考えられます。次点で a です。", JA, "B"),
    ("b 最も考えられます。", JA, None),  # without its particle the letter heads a line
    ("最可能是B，其次考虑A。", ZH, "B"),
    # eliminations: "which leaves X"
    ("Allopurinol, febuxostat and probenecid lower urate but do not treat the flare, which leaves B.", GOUT, "B"),
    ("That leaves a gap in the evidence.", GOUT, None),  # the article, not option A
    # "I would answer X"
    ("The effect is small and confounded; I would therefore answer maybe (C).", YNM, "maybe"),
    ("If asked directly, I would answer yes.", YNM, None),  # a hypothetical
    # localized lead-ins
    ("Schritt 1: Atemwege sichern.\n\nDamit lautet die Lösung B.", DE, "B"),
    ("Die richtige Antwort lautet B.", DE, "B"),
    ("सही उत्तर A है।\n\nलेकिन यह गलत है, इसलिए उत्तर B है।", HI, "B"),
    ("उत्तर B के बारे में सोचें।", HI, None),  # no copula after the letter: not a statement of the answer
    ('A. x\nB. y\n\nel resultado de la opción "A, B" es la opción "B".', GOUT, "B"),
    ('La respuesta no es la opción "B".', GOUT, None),
    ("答案又应该是B。", ZH, "B"),
    ("Verdict — No. The benefit is not clinically meaningful.", YNM, "no"),
])
def test_phrases(text, item, answer):
    assert read(text, item) == answer


@pytest.mark.parametrize(("text", "item", "answer"), [
    ("Đáp án: B (không).", VI, "no"),
    ("Không. Lợi ích quá nhỏ.", VI, "no"),
    ("Có thể. Dữ liệu còn hạn chế.", VI, "maybe"),
    ("Có, rõ ràng.", VI, "yes"),
    ("Có nhiều nghiên cứu về vấn đề này.", VI, None),  # "có" (there are) opening a sentence
])
def test_vietnamese(text, item, answer):
    assert read(text, item) == answer


def test_options_named_by_their_words():
    assert named_by_words("Give oral naproxen (a NSAID) now.", GOUT) == {"B"}
    # "X (Y)": the head alone or the gloss alone names the option
    assert named_by_words("Scurvy is due to a lack of ascorbic acid.", SCURVY) == {"C"}
    assert named_by_words("The deficient vitamin is cobalamin.", SCURVY) == {"A"}
    # words shared with other options or too short never name one: "vitamin", "b3"
    assert named_by_words("A vitamin deficiency.", SCURVY) == set()
    # Chinese / Japanese: the exact text, ending a clause (not run on into another word)
    assert named_by_words("表现为怕热多汗，心悸。", ZH) == {"B"}
    assert named_by_words("便秘薬を使う。", ZH) == set()


@pytest.mark.parametrize(("text", "item", "answer"), [
    ("The preferred treatment is oral naproxen (an NSAID) at full dose.", GOUT, "B"),
    ("Das Mittel der Wahl ist Naloxon intravenös.", DE, "B"),
    ("Naloxon ist hier nicht sinnvoll.", DE, None),  # negated in German
    ("O agente mais comum no Brasil é o Plasmodium falciparum.", PT, "A"),  # "no Brasil" negates nothing
    ("Não é o Plasmodium falciparum.", PT, None),
    ("患者常表现为怕热多汗，体重下降。", ZH, "B"),
    ("患者不会出现怕热多汗。", ZH, None),  # the clause naming it negates
    ("स्कर्वी एस्कॉर्बिक एसिड की कमी से होता है।", HI, "B"),
    ("स्कर्वी विटामिन सी की कमी से होता है।", HI, None),  # "विटामिन" is shared, "सी" too short: not named
    ("स्कर्वी थायमिन की कमी से नहीं होता।", HI, None),
    ("العلاج الأول هو مضادات الالتهاب غير الستيرويدية مثل نابروكسين.", AR, None),  # "غير" (non-) reads as a negation
    ("小球性貧血\n\n大球性ではない。", JA, None),  # an option as a heading, then a discussion
    ("Intravenous naproxen could be tried; febuxostat is not for flares.", GOUT, None),  # two options named
    # a "None of the above" option, when the reply says none fits and names none
    ("None of the listed drugs is an NSAID; colchicine would be my choice.", GOUT, "E"),
    ("None of the listed drugs is ideal, but naproxen is closest.", GOUT, None),
    ("None of the listed drugs is an NSAID.", SCURVY, None),  # no such option
])
def test_option_text_in_short_replies(text, item, answer):
    assert read(text, item) == answer


@pytest.mark.parametrize(("text", "item", "answer"), [
    # a numbered question of the model's own opens the response, its letters carrying other texts
    ("42. Which drug treats MRSA?\nA. Vancomycin\nB. Ciprofloxacin\nC. Penicillin V\nD. Gentamicin\n\nThe answer is A.",
     RUNON, None),
    # the asked question echoed with its own options is read as usual
    ("41. Which antibiotic is first-line for streptococcal pharyngitis?\nA. Ciprofloxacin\nB. Penicillin V\n"
     "C. Vancomycin\nD. Gentamicin\n\nThe answer is B.", RUNON, "B"),
])
def test_run_on_question_at_the_start(text, item, answer):
    assert read(text, item) == answer


@pytest.mark.parametrize(("text", "item", "answer"), [
    ("Correct: A, B, D\nIncorrect: C (a sign of hypothyroidism), E", SETS, "A,B,D"),
    ("Incorrect: C, E", SETS, None),
    ("Les réponses justes sont le bisoprolol, le métoprolol et le nébivolol : tous des bêta-bloquants.", SETS_FR,
     "A,C,E"),
    # one option, its text with its own letter, called the most likely: that one alone
    ("悪性腫瘍（c）が最も典型的な原因です。", SETS_JA, "C"),
    ("悪性腫瘍（a）が最も典型的な原因です。", SETS_JA, None),  # the letter is another option's
    ("悪性腫瘍（c）が最も典型的な原因ではない。", SETS_JA, None),  # negated
    ("悪性腫瘍（c）が最も典型的ですが、副甲状腺機能亢進症も多い。", SETS_JA, None),  # another option named
])
def test_letter_sets(text, item, answer):
    assert read(text, item) == answer


def test_explanation_reviewing_distractors_is_no_second_answer():
    text = "答案：B（怕热多汗）\n\n解析：心动过缓（A）见于甲减；体重增加（C）和便秘（D）也是甲减的表现。"
    assert read(text, ZH) == "B"
    # an explanation naming one other option as the finding still contradicts the answer line
    assert read("答案：C\n\n解析：怕热多汗（B）是典型表现。", ZH) is None
