"""Numeric, date and (weeks, days) answers: units, separators, ranges, scientific notation, date
spellings, gestational-age pairs; the answer line wins over the reasoning."""

from __future__ import annotations

import pytest

from clinreason.grading.parsers import parse_answer, parse_gold
from clinreason.grading.scorers import AnswerScorer
from clinreason.items import AnswerFormat, Item, TaskType, Tolerance
from clinreason.results import Prediction


def numeric(answer="97", language="en", **kw):
    return Item(id="n1", benchmark="t", question="CrCl?", answer=answer, task=TaskType.numeric, language=language, **kw)


@pytest.mark.parametrize("text,answer,rule", [
    ("ANSWER: 97 mL/min", "97", "format"),
    ("ANSWER: 5.2 mg/dL", "5.2", "format"),
    ("ANSWER: 97 mL/min/1.73 m²", "97", "format"),
    ("ANSWER: 45%", "45", "format"),
    ("ANSWER: 1,234", "1234", "format"),
    ("ANSWER: 1,234,567.5", "1234567.5", "format"),
    ("ANSWER: 1 234", "1234", "format"),
    ("ANSWER: 1.234,5", "1234.5", "format"),
    ("ANSWER: 1.234.567", "1234567", "format"),
    ("ANSWER: 1,5", "1.5", "format"),  # a thousands group has 3 digits: a decimal comma
    ("ANSWER: 1.2e-3", "0.0012", "format"),
    ("ANSWER: 1.2 × 10^-3", "0.0012", "format"),
    ("ANSWER: 1.2 × 10⁻³", "0.0012", "format"),
    ("ANSWER: 1.2 x 10^3 cells", "1200", "format"),
    ("ANSWER: approximately 97", "97", "format"),
    ("ANSWER: ~97", "97", "format"),
    ("ANSWER: -3", "-3", "format"),
    ("ANSWER: −3.5", "-3.5", "format"),
    ("ANSWER: 97.", "97", "format"),
    ("ANSWER: １２３", "123", "format"),
    ("**ANSWER:**\n\n97", "97", "format"),
    ("ANSWER: CrCl = (140 - 65) × 70 / 72 = 72.9", "72.9", "format"),
    ("ANSWER: 3 points (CHA2DS2-VASc)", "3", "format"),
    ("ANSWER: 140 - 65 = 75", "75", "format"),
    ("Normal is 60-120; the patient's is 97 on day 3.\nANSWER: 97", "97", "format"),  # the answer line wins
    ("\\boxed{42}", "42", "boxed"),
    ("The final answer is approximately 97 mL/min.", "97", "answer_phrase"),
    ("The BMI is 22.1, within the normal range 18.5-24.9.", "22.1", "last_number"),
    ("eGFR is 97 mL/min/1.73 m2.", "97", "last_number"),
    ("<think>so 12</think>ANSWER: 97", "97", "format"),
    ("<think>it is 12\nANSWER: 15", "15", "format@think"),
])
def test_numbers(text, answer, rule):
    read = parse_answer(text, numeric())
    assert (read.answer, read.rule) == (answer, rule)
    assert read.strict == (rule == "format")


@pytest.mark.parametrize("text", ["ANSWER: 18.5-24.9", "ANSWER: 18.5 – 24.9", "ANSWER: 18.5 to 24.9",
                                  "ANSWER: between 5 and 10", "Normal BMI: 18.5-24.9"])
def test_a_range_is_not_one_answer(text):
    read = parse_answer(text, numeric())
    assert read.answer is None and read.rule == "range" and not read.strict
    assert "-24.9" not in str(read)


def test_an_answer_line_without_a_number_is_not_read_from_the_reasoning():
    assert parse_answer("CrCl is 97.\nANSWER: cannot be determined", numeric()).answer is None


def test_decimal_comma_languages_read_a_comma_as_the_decimal_point():
    assert parse_answer("RÉPONSE : 1,234", numeric(language="fr")).answer == "1.234"
    assert parse_answer("Réponse : 1 234,5 mL", numeric(language="fr")).answer == "1234.5"
    assert parse_answer("ANSWER: 1,234", numeric()).answer == "1234"


def test_numeric_scorer_with_units_and_ranges():
    s = AnswerScorer()
    item = numeric(tolerance=Tolerance(lower=95, upper=99))
    assert s(item, Prediction(output="ANSWER: 97 mL/min")).value == 1.0
    ranged = s(item, Prediction(output="ANSWER: 95-99"))
    assert (ranged.value, ranged.label, ranged.detail["rule"]) == (0.0, "unparsed", "range")
    voted = s(item, Prediction(output="x", answer="97", rule="vote", strict=True))
    assert (voted.value, voted.detail["rule"], voted.detail["strict"]) == (1.0, "vote", True)  # not re-read loosely


def date_item(answer="2021-03-04"):
    return Item(id="d", benchmark="t", question="Due date?", answer=answer, task=TaskType.numeric,
                answer_format=AnswerFormat.date)


@pytest.mark.parametrize("text,answer,rule", [
    ("ANSWER: 2021-03-04", "2021-03-04", "format"),
    ("ANSWER: 03/04/2021", "2021-03-04", "format"),  # US month-first, as MedCalc-Bench writes
    ("ANSWER: 3/4/2021", "2021-03-04", "format"),
    ("ANSWER: 13/04/2021", "2021-04-13", "format"),  # 13 cannot be a month: day-first
    ("ANSWER: March 4, 2021", "2021-03-04", "format"),
    ("ANSWER: Mar. 4th 2021", "2021-03-04", "format"),
    ("ANSWER: 4 March 2021", "2021-03-04", "format"),
    ("ANSWER: the 4th of March, 2021", "2021-03-04", "format"),
    ("ANSWER: 04.03.2021", "2021-03-04", "format"),
    ("LMP was 06/01/2020.\nANSWER: 03/04/2021", "2021-03-04", "format"),
    ("LMP was 06/01/2020, so the due date is March 4, 2021.", "2021-03-04", "last_date"),
    ("ANSWER: 2021-02-30", None, "unparsed"),
    ("LMP 06/01/2020.\nANSWER: unknown", None, "unparsed"),
])
def test_dates(text, answer, rule):
    read = parse_answer(text, date_item())
    assert (read.answer, read.rule) == (answer, rule)


def weeks_item(answer="(4 weeks, 2 days)"):
    return Item(id="g", benchmark="medcalc", question="Gestational age?", answer=answer, task=TaskType.numeric,
                answer_format=AnswerFormat.weeks_days)


@pytest.mark.parametrize("text,answer", [
    ("ANSWER: (4 weeks, 2 days)", "(4 weeks, 2 days)"),
    ("ANSWER: 4 weeks and 2 days", "(4 weeks, 2 days)"),
    ("ANSWER: 4w2d", "(4 weeks, 2 days)"),
    ("ANSWER: 4 wk 2 d", "(4 weeks, 2 days)"),
    ("ANSWER: ('4 weeks', '2 days')", "(4 weeks, 2 days)"),
    ("ANSWER: (4, 2)", "(4 weeks, 2 days)"),
    ("ANSWER: 38+3", "(38 weeks, 3 days)"),
    ("ANSWER: 40 weeks", "(40 weeks, 0 days)"),
    ("Counting from the LMP, she is 12 weeks 3 days pregnant.", "(12 weeks, 3 days)"),
    ("ANSWER: unknown", None),
])
def test_weeks_days(text, answer):
    assert parse_answer(text, weeks_item()).answer == answer


def test_weeks_days_are_scored_as_a_pair():
    s = AnswerScorer()
    for gold in ("(4 weeks, 2 days)", "(4, 2)", "('4 weeks', '2 days')"):
        item = weeks_item(gold)
        assert parse_gold(item) == "(4 weeks, 2 days)"
        assert s(item, Prediction(output="ANSWER: 4 weeks and 2 days")).value == 1.0
        assert s(item, Prediction(output="ANSWER: (4 weeks, 3 days)")).value == 0.0
    with pytest.raises(ValueError, match="weeks, days"):
        weeks_item("four weeks")


def test_dates_are_scored_exactly():
    s = AnswerScorer()
    assert s(date_item(), Prediction(output="ANSWER: March 4, 2021")).value == 1.0
    assert s(date_item(), Prediction(output="ANSWER: 04/03/2021")).value == 0.0  # April 3 (US)


@pytest.mark.parametrize("junk", ["9" * 5000, "1," * 3000, "ANSWER: " + "1 " * 3000, "1e" * 3000, "(" * 3000,
                                  "ANSWER: 10^999999", "ANSWER: 1e999", "0^-1"])
def test_parsers_never_raise(junk):
    for item in (numeric(), date_item(), weeks_item()):
        parse_answer(junk, item)
