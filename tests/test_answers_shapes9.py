"""Round 9 of the answer parsers (issue 12): shapes first met in the eighth held-out split, each as a
general rule, with cases written for these tests (own items, own wording) and traps next to them (a wrong
pick is far worse than a miss, so most traps must read as None)."""

from __future__ import annotations

import pytest

from clinreason.grading.parsers import parse_answer
from clinreason.items import AnswerFormat, Item, TaskType

ANEMIA = Item(id="an", benchmark="toy", question="Which finding best explains a microcytic anemia in a vegan runner?",
              options={"A": "Folate deficiency", "B": "Iron deficiency anemia", "C": "Vitamin B12 deficiency",
                       "D": "Hemolysis", "E": "Thalassemia trait"}, answer="B")
YNM = Item(id="y", benchmark="toy", question="Does early mobilisation shorten stay after hip surgery?",
           options={"A": "yes", "B": "no", "C": "maybe"}, answer="yes", task=TaskType.yes_no_maybe)
YNM_BARE = Item(id="yb", benchmark="toy", question="早期活动能否缩短髋关节术后住院时间？", options={}, answer="maybe",
                task=TaskType.yes_no_maybe, language="zh")
DE = Item(id="d", benchmark="toy", question="Welcher Wert ist bei einer Rachitis typischerweise erhöht?",
          options={"A": "Kalzium", "B": "Alkalische Phosphatase", "C": "Phosphat", "D": "Parathormon"}, answer="B",
          language="de")
SETS_FR = Item(id="sf", benchmark="toy", question="Parmi ces molécules, lesquelles sont des statines ?",
               options={"A": "Atorvastatine", "B": "Ézétimibe", "C": "Rosuvastatine", "D": "Fénofibrate",
                        "E": "Simvastatine"}, answer="A,C,E", answer_format=AnswerFormat.letters, language="fr")
SETS_JA = Item(id="sj", benchmark="toy", question="低カリウム血症の心電図所見はどれか。2つ選べ。",
               options={"A": "U波", "B": "テント状T波", "C": "ST低下", "D": "QRS幅の拡大"}, answer="A,C",
               answer_format=AnswerFormat.letters, language="ja")


def read(text: str, item: Item) -> str | None:
    return parse_answer(text, item).answer


_OPTS = "A. Folate deficiency\nB. Iron deficiency anemia\nC. Vitamin B12 deficiency\nD. Hemolysis\nE. Thalassemia trait"


@pytest.mark.parametrize(("text", "item", "answer"), [
    # numbered steps calling answers correct in turn: a conclusion must restate the last step (or say "final")
    (f"{_OPTS}\n\n1. The correct answer is A.\n2. The correct answer is D.\n3. The correct answer is C.\n\n"
     "The correct answer is B.", ANEMIA, None),
    (f"{_OPTS}\n\n1. The correct answer is A.\n2. The correct answer is D.\n3. The correct answer is B.\n\n"
     "The correct answer is B.", ANEMIA, "B"),  # trap: restating the last step settles it
    (f"{_OPTS}\n\n1. The answer is A.\n2. The answer is D.\n\nThe final answer is B.", ANEMIA, "B"),  # named final
    (f"{_OPTS}\n\n1. The answer is A.\n2. The answer is D.\n\nThe answer is B.", ANEMIA, "B"),  # two steps: no loop
    # an earlier "no." is the earlier answer itself, not a "No:" taking it back
    ("The answer to your question is no. The answer to the question is yes.", YNM, None),
    ("The answer is no. Actually, on reflection, the answer is yes.", YNM, "yes"),  # trap: a real correction
    ("The answer to your question is no.", YNM, "no"),  # "to your question" is a lead-in like "to the question"
    # two letters joined by "oder" / "or", then a dash explaining: no single answer
    ("Antwort: C oder D – beide können verändert sein.", DE, None),
    ("Answer: A or D - either could fit.", DE, None),
    ("Antwort: B – die alkalische Phosphatase steigt.", DE, "B"),  # trap: one letter, then a dash
    # a yes/no/maybe item's options echoed as "A: Yes / B: No": no choice
    ("A: Yes\nB: No", YNM, None),
    ("A: Yes\nB: No\nC: Maybe", YNM, None),
    ("A: Yes. Mobilisation on day one cut the stay by two days.", YNM, "yes"),  # trap: an answer, then reasons
    # Chinese 也许 / 或许 as "maybe"
    ("样本量很小，结论仍不确定。因此答案为：也许（maybe）。", YNM_BARE, "maybe"),
    ("答案：或许", YNM_BARE, "maybe"),
    # a bold diagnosis: an option's whole text after a short qualifier
    ("This picture is **diet-related iron deficiency anemia**; ferritin will be low.", ANEMIA, "B"),
    ("This is **not iron deficiency anemia**; the ferritin is normal.", ANEMIA, None),  # trap: negated
    # trap: two bold spans naming two options
    ("Consider **dietary iron deficiency anemia** and **inherited thalassemia trait** here.", ANEMIA, None),
])
def test_round9_letter_shapes(text: str, item: Item, answer: str | None) -> None:
    assert read(text, item) == answer


@pytest.mark.parametrize(("text", "item", "answer"), [
    # the asked-for class, a plural copula, then each option's text glossed with its own letter
    ("Les statines de cette liste sont l'atorvastatine (A), la rosuvastatine (C) et la simvastatine (E). "
     "L'ézétimibe (B) agit autrement.", SETS_FR, "A,C,E"),
    ("Here the statines are: atorvastatine (A) and rosuvastatine (C).", SETS_FR, "A,C"),
    # traps: a letter glossing another option's text; a subject that is not what is asked; a negated subject
    ("Les statines de cette liste sont l'atorvastatine (A) et la rosuvastatine (B).", SETS_FR, None),
    ("Les hypolipémiants oraux sont l'atorvastatine (A) et l'ézétimibe (B).", SETS_FR, None),
    ("Les molécules qui ne sont pas des statines sont l'ézétimibe (B) et le fénofibrate (D).", SETS_FR, None),
    # Japanese: the list, then "が正解" (is correct)
    ("**a と c** が正解です。", SETS_JA, "A,C"),
    ("a、c が正しい。", SETS_JA, "A,C"),
    ("a と c が正解ではない。", SETS_JA, None),  # trap: called wrong
])
def test_round9_letters_shapes(text: str, item: Item, answer: str | None) -> None:
    assert read(text, item) == answer
