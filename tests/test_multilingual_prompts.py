"""Prompts in the item's language: lookup order, fallback to English, user overrides, the ANSWER: token."""

from __future__ import annotations

import pytest

from clinreason.items import AnswerFormat, Item, TaskType
from clinreason.prompts import builtin_languages, item_messages, language_chain, render

LANGS = ["zh", "ja", "fr", "es", "hi"]
# A phrase only that language's templates write: the system line, the question header, the direct and cot
# instructions, and the answer-format line.
LOCALIZED = {
    "en": ("careful medical expert", "Question:", "Give only the answer", "Think step by step", "End your reply"),
    "zh": ("医学专家", "问题：", "只给出答案", "逐步思考", "最后一行请写成"),
    "ja": ("医学の専門家", "問題：", "答えだけを示して", "段階的に考えて", "最後の行は"),
    "fr": ("expert médical", "Question :", "Donnez uniquement la réponse", "Réfléchissez étape par étape", "Terminez votre réponse"),
    "es": ("experto médico", "Pregunta:", "Da solo la respuesta", "Piensa paso a paso", "Termina tu respuesta"),
    "hi": ("चिकित्सा विशेषज्ञ", "प्रश्न:", "केवल उत्तर दें", "चरण-दर-चरण सोचें", "अंतिम पंक्ति"),
}
FORMATS = {
    "letter": dict(options={"A": "x", "B": "y"}, answer="A"),
    "letters": dict(options={"A": "x", "B": "y", "C": "z"}, answer="A,C", answer_format=AnswerFormat.letters),
    "number": dict(answer="3.5", task=TaskType.numeric),
    "date": dict(answer="2020-01-02", task=TaskType.numeric, answer_format=AnswerFormat.date),
    "yes_no_maybe": dict(options={"A": "yes", "B": "no", "C": "maybe"}, answer="yes", task=TaskType.yes_no_maybe),
}
EXAMPLE = {"letter": "ANSWER: X", "letters": "ANSWER: X, Y", "number": "ANSWER: <", "date": "ANSWER: YYYY-MM-DD",
           "yes_no_maybe": "ANSWER: maybe"}


def item(language: str = "en", fmt: str = "letter", **kw) -> Item:
    return Item(id="1", benchmark="t", question="Q?", language=language, context="ctx", **{**FORMATS[fmt], **kw})


def test_language_chain_and_builtins():
    assert set(LANGS) <= set(builtin_languages())
    assert language_chain("ja") == ("ja",) and language_chain("pt-BR") == ("pt-br", "pt") and language_chain("zh_CN") == ("zh-cn", "zh")
    assert language_chain("en") == language_chain("en-GB") == language_chain(None) == ()
    assert language_chain("../etc") == language_chain("") == ()  # never a path


@pytest.mark.parametrize("lang", ["en", *LANGS])
def test_direct_and_cot_in_the_item_language(lang):
    system, direct = (m.content for m in item_messages("direct", item(lang)))
    cot = item_messages("cot", item(lang))[1].content
    phrases = LOCALIZED[lang]
    assert phrases[0] in system and phrases[1] in direct and phrases[2] in direct and phrases[3] in cot
    assert phrases[4] in direct and phrases[4] in cot
    others = [p for other, ps in LOCALIZED.items() if other != lang for p in ps[2:4]]
    assert not any(p in direct + cot for p in others)


@pytest.mark.parametrize("lang", ["en", *LANGS])
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_language_keeps_the_answer_token(lang, fmt):
    """The strict parsers read `ANSWER: X`: the final-line instruction keeps that token in every language."""
    text = render("_answer_format", item=item(lang, fmt), options=item(lang, fmt).options)
    assert EXAMPLE[fmt] in text
    assert LOCALIZED[lang][4] in text
    if fmt in ("letter", "letters"):
        assert "A, B" in text  # the item's letters are listed


def test_unknown_language_falls_back_to_english():
    english = [m.content for m in item_messages("cot", item("en"))]
    for lang in ("de", "pt-BR", "not a code", "EN-us"):
        assert [m.content for m in item_messages("cot", item(lang))] == english


def test_regional_code_uses_the_base_language():
    assert "问题：" in item_messages("direct", item("zh-TW"))[1].content


def test_method_templates_without_a_translation_use_localized_pieces():
    """An English-only method template still shows the item with the localized headers and answer line."""
    text = item_messages("tools", item("ja"))[1].content
    assert "問題：" in text and "You may use the tools" in text and "最後の行は" in text


def test_open_ended_formats_fall_back_to_the_shared_english_instruction():
    it = Item(id="1", benchmark="t", question="Q?", answer="pneumonia", task=TaskType.open_ended, language="fr")
    assert 'ANSWER: <your answer in a few words>' in item_messages("cot", it)[1].content


def test_base_prefix_skips_language_folders():
    assert "Question:" in render("base/_question", item=item("ja"), options={"A": "x", "B": "y"})
    assert "問題：" in render("_question", item=item("ja"), options={"A": "x", "B": "y"})


def test_explicit_language_argument_wins():
    assert render("system", language="es") != render("system") and "experto" in render("system", language="es")
    assert "Question:" in render("_question", language="en", item=item("ja"), options={})


def test_user_overrides_still_win(tmp_path, monkeypatch):
    (tmp_path / "ja").mkdir()
    (tmp_path / "_reason_direct.jinja").write_text("USER ROOT direct instruction")
    (tmp_path / "ja" / "system.jinja").write_text("USER JA system")
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "_question.jinja").write_text("USER FR question {{ item.question }}")
    monkeypatch.setenv("CLINREASON_PROMPTS", str(tmp_path))
    system, user = (m.content for m in item_messages("direct", item("ja")))
    assert system == "USER JA system"  # the user's language folder first
    assert "USER ROOT direct instruction" in user  # the user's root beats the built-in ja template
    assert "問題：" in user and "最後の行は" in user  # what the user did not override stays localized
    fr = item_messages("direct", item("fr"))
    assert fr[1].content.startswith("USER FR question Q?") and "expert médical" in fr[0].content
    en = item_messages("direct", item("en"))
    assert "USER ROOT direct instruction" in en[1].content and "USER" not in en[0].content
