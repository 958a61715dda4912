"""Multi-answer MCQ (select all that apply, FrenchMedMCQA, IgakuQA): letter lists in many
spellings; exact match is the score's value, the Hamming score is in its detail and summaries."""

from __future__ import annotations

import asyncio

import pytest
from conftest import make_item

from clinreason import engine
from clinreason.grading.parsers import parse_answer
from clinreason.grading.scorers import AnswerScorer
from clinreason.items import AnswerFormat, Item
from clinreason.methods import build_method
from clinreason.models.scripted import ScriptedModel
from clinreason.results import Prediction
from clinreason.store import Store


def multi(answer="A,C", n=5, **kw):
    return make_item(0, answer=answer, n_options=n, answer_format=AnswerFormat.letters, **kw)


@pytest.mark.parametrize("text,answer,rule", [
    ("ANSWER: A, C", "A,C", "format"),
    ("ANSWER: C, A", "A,C", "format"),
    ("ANSWER: AC", "A,C", "format"),
    ("ANSWER: A and C", "A,C", "format"),
    ("ANSWER: A, B, and C", "A,B,C", "format"),
    ("Réponse : A et C", "A,C", "format"),
    ("Respuesta: A y C", "A,C", "format"),
    ("ANSWER: A e C", "A,C", "format"),
    ("答え：a、c", "A,C", "format"),
    ("答え：aとc", "A,C", "format"),
    ("ＡＮＳＷＥＲ：Ａ，Ｃ", "A,C", "format"),
    ("ANSWER: ＡＣ", "A,C", "format"),
    ("ANSWER: (A) (C)", "A,C", "format"),
    ("ANSWER: **A, C**", "A,C", "format"),
    ("ANSWER: A/C", "A,C", "format"),
    ("ANSWER: A and C are correct", "A,C", "format"),
    ("ANSWER: B", "B", "format"),
    ("Reasoning about A, B...\nANSWER: D, E", "D,E", "format"),
    ("The correct answers are A and C.", "A,C", "answer_phrase"),
    ("Les réponses correctes sont A et C.", "A,C", "answer_phrase"),
    ("A, C", "A,C", "bare"),
    ("AC.", "A,C", "bare"),
    ("ANSWER: ACE inhibitors", None, "unparsed"),  # a word, not letters
    ("ANSWER: All of the above", None, "unparsed"),
    ("ANSWER: A and Z", None, "unparsed"),  # Z is no option: not a clean list
    ("A 45-year-old man presents with chest pain.", None, "unparsed"),
    ("答案是B、D、E。", "B,D,E", "answer_phrase"),
    ('```json\n{"answers": ["C", "E"]}\n```', "C,E", "json"),
    ("bd", "B,D", "bare"),
    ("B, C, E are all correct.", "B,C,E", "bare"),
    ("A、D 均正确", "A,D", "bare"),
    # round 4: a list closing the response after a colon or copula; lists opening judged sentences
    ("Both nitrate options qualify here, so the picks are these: B, D.", "B,D", "tail_list"),
    ("需要选择的是：A、D。", "A,D", "tail_list"),
    ("該当するのは a, c です。", "A,C", "tail_list"),
    ("Consider C: it may help.", None, "unparsed"),  # a colon, but the response goes on after the letter
    ("B and D are correct here, whereas A and C are not.", "B,D", "letters_first"),
    ("C and E are what toy question 0 asks for; A is not.", "C,E", "letters_first"),
    ("A and D are mentioned in older guidelines only.", None, "unparsed"),  # said to be something else
    ("B and C are not correct.", None, "unparsed"),  # only a rejection
    ("A and B are correct. B and E are not correct.", None, "unparsed"),  # B kept and rejected
])
def test_letter_lists(text, answer, rule):
    read = parse_answer(text, multi())
    assert (read.answer, read.rule) == (answer, rule)
    assert read.strict == (rule == "format")


def test_lowercase_options_igakuqa_style():
    item = Item(id="ig", benchmark="igakuqa", question="2つ選べ。", options={k: f"選択肢{k}" for k in "abcde"},
                answer="a,c", answer_format=AnswerFormat.letters)
    assert parse_answer("答え：ａ、ｃ", item).answer == "a,c"
    assert parse_answer("ANSWER: A, C", item).answer == "a,c"
    assert AnswerScorer()(item, Prediction(output="答え：c、a")).value == 1.0


def test_exact_match_is_the_value_and_hamming_is_in_the_detail():
    s = AnswerScorer()
    item = multi("A,C")
    exact = s(item, Prediction(output="ANSWER: A, C"))
    assert (exact.value, exact.detail["hamming"]) == (1.0, 1.0)
    partial = s(item, Prediction(output="ANSWER: A, B"))  # {A} / {A, B, C}
    assert partial.value == 0.0 and partial.detail["hamming"] == pytest.approx(1 / 3)
    subset = s(item, Prediction(output="ANSWER: A"))  # {A} / {A, C}
    assert subset.detail["hamming"] == 0.5
    none = s(item, Prediction(output="no idea"))
    assert (none.value, none.label, none.detail["hamming"]) == (0.0, "unparsed", 0.0)
    assert "hamming" not in s(make_item(0, answer="A"), Prediction(output="ANSWER: A")).detail


def test_summaries_show_the_hamming_score(tmp_path):
    items = [multi("A,C", id="m0"), multi("B", id="m1")]
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec="s", method=build_method("cot"), items=items)
    summary = asyncio.run(engine.execute(plan, ScriptedModel(["ANSWER: A, B"]), Store(tmp_path)))
    assert summary["accuracy"] == 0.0
    assert summary["scores"]["answer"]["hamming"]["mean"] == pytest.approx((1 / 3 + 1 / 2) / 2)
    assert summary["scores"]["answer"]["hamming"]["n"] == 2


def test_votes_on_letter_sets(tmp_path):
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec="s", items=[multi("A,C")],
                          method=build_method("cot_sc", {"n": 3, "adaptive": False}))
    store = Store(tmp_path)
    summary = asyncio.run(engine.execute(plan, ScriptedModel(["ANSWER: C, A", "ANSWER: AC", "ANSWER: A"]), store))
    pred = store.predictions(summary["run_id"])[0]
    assert pred["answer"] == "A,C" and pred["info"]["votes"] == {"A,C": 2, "A": 1}
    assert summary["accuracy"] == 1.0 and summary["accuracy_strict_format"] == 1.0


# Round 5: option texts instead of letters, French "propositions", and an elided "d'" that is no letter.
def _drugs() -> Item:
    return Item(id="cyp", benchmark="toy", question="Which of these induce CYP3A4?", language="fr", answer="A,C",
                options={"A": "Phénytoïne", "B": "Itraconazole", "C": "Phénobarbital", "D": "Érythromycine",
                         "E": "Vérapamil"}, answer_format=AnswerFormat.letters)


@pytest.mark.parametrize("text,answer,rule", [
    ("Les propositions correctes sont A et C ; B et D inhibent au contraire l'enzyme.", "A,C", "answer_phrase"),
    ("Las opciones correctas son A y C.", "A,C", "answer_phrase"),
    ("Voici mon choix, la réponse est : Phénobarbital.", "C", "answer_phrase"),  # one option's whole text
    ("The correct answers are phenytoin... ", None, "unparsed"),  # a text that is no option's
    ("The answers are: Phénytoïne and Phénobarbital.", "A,C", "answer_phrase"),
    ("ANSWER: Phénytoïne, Phénobarbital", "A,C", "answer_label"),  # texts on the answer line: not the format
    # a text list that goes on after a comma may be naming something else: no answer
    ("La réponse est : Phénytoïne, mais pas seulement", None, "unparsed"),
    ("ANSWER: Phénytoïne, Phénobarbital, among others", None, "unparsed"),
    # the response cut off right after an elided "de": "d'" is no option D
    ("A. Phénytoïne\nB. Itraconazole\n\nLa réponse est d'", None, "unparsed"),
    ("La réponse est d’", None, "unparsed"),
    ("La réponse est 'D'.", "D", "answer_phrase"),  # a quoted letter is still a letter
    ("ANSWER: D'", "D", "format"),  # a capital letter with a stray quote is not an elision
    ("ANSWER: A; C", "A,C", "format"),  # a semicolon joins letters when nothing but the list follows
])
def test_round5_letter_lists(text, answer, rule):
    read = parse_answer(text, _drugs())
    assert (read.answer, read.rule) == (answer, rule)
