"""Multilingual loaders (IgakuQA ja/en, FrenchMedMCQA, HEAD-QA, CMMLU, translated MMLU) and MedXpertQA,
against the real files in shared/data (counts from its MANIFEST), plus small broken copies in tmp_path:
every bad record is a DataError naming file, line (or JSON path) and field."""

from __future__ import annotations

import collections
import json
import shutil
from pathlib import Path

import pytest

from clinreason.data import BENCHMARKS, load_items
from clinreason.items import AnswerFormat, DataError, Item, TaskType

# (benchmark, subset) -> items. MANIFEST: IgakuQA 2,000 (400 a year); FrenchMedMCQA 622 / 312; HEAD-QA
# 2,742 in 12 exams; CMMLU 1,333 in 7 CSVs (rows minus header); translated MMLU 1,089 per language
# (135/265/144/173/100/272 by subject); MedXpertQA sampled 244. The text-only / image / question-type
# counts are computed from the same files.
COUNTS = {
    ("igakuqa", "all"): 2000, ("igakuqa", "text_only"): 1471, **{("igakuqa", str(y)): 400 for y in range(2018, 2023)},
    ("igakuqa_en", "all"): 2000, ("igakuqa_en", "text_only"): 1471, ("igakuqa_en", "2022"): 400,
    ("frenchmedmcqa", "test"): 622, ("frenchmedmcqa", "dev"): 312,
    ("headqa", "all"): 2742, ("headqa", "text_only"): 2675, ("headqa", "medicine"): 396, ("headqa", "nursery"): 455,
    ("headqa", "pharmacology"): 457, ("headqa", "biology"): 454, ("headqa", "psychology"): 455, ("headqa", "chemistry"): 458,
    ("cmmlu", "all"): 1333, ("cmmlu", "anatomy"): 148, ("cmmlu", "clinical_knowledge"): 237,
    ("cmmlu", "college_medicine"): 273, ("cmmlu", "genetics"): 176, ("cmmlu", "nutrition"): 145,
    ("cmmlu", "traditional_chinese_medicine"): 185, ("cmmlu", "virology"): 169,
    **{(f"mmlu_{lang}", "all"): 1089 for lang in ("fr", "es", "hi")},
    **{(f"mmlu_{lang}", subject): n for lang in ("fr", "es", "hi") for subject, n in [
        ("anatomy", 135), ("clinical_knowledge", 265), ("college_biology", 144), ("college_medicine", 173),
        ("medical_genetics", 100), ("professional_medicine", 272)]},
    ("medxpertqa", "sampled"): 244, ("medxpertqa", "reasoning"): 186, ("medxpertqa", "understanding"): 58,
}
LANGUAGE = {"igakuqa": "ja", "igakuqa_en": "en", "frenchmedmcqa": "fr", "headqa": "es", "cmmlu": "zh",
            "mmlu_fr": "fr", "mmlu_es": "es", "mmlu_hi": "hi", "medxpertqa": "en"}
DEFAULTS = {"igakuqa": "text_only", "igakuqa_en": "text_only", "frenchmedmcqa": "test", "headqa": "text_only",
            "cmmlu": "all", "mmlu_fr": "all", "mmlu_es": "all", "mmlu_hi": "all", "medxpertqa": "sampled"}


@pytest.fixture(scope="module")
def loaded(shared_data: Path) -> dict[tuple[str, str], list[Item]]:
    return {key: load_items(*key, shared_data) for key in COUNTS}


@pytest.mark.parametrize("name,subset", list(COUNTS), ids=[f"{n}-{s}" for n, s in COUNTS])
def test_counts_and_validity(loaded, name, subset):
    items = loaded[name, subset]
    assert len(items) == COUNTS[name, subset]
    assert len({it.id for it in items}) == len(items)
    for it in items:
        assert Item.model_validate(it.model_dump()) == it
        assert it.benchmark == name and it.language == LANGUAGE[name] and it.metadata["split"] == subset
        assert it.question.strip()
        if it.format == AnswerFormat.letter:
            assert it.answer in it.options and len(it.options) >= 2
        elif it.format == AnswerFormat.letters:
            gold = it.answer.split(",")
            assert len(gold) > 1 and gold == sorted(gold) and all(g in it.options for g in gold)
        else:
            assert name.startswith("igakuqa") and it.format == AnswerFormat.number and not it.options
        assert all(letter == chr(ord("A") + i) for i, letter in enumerate(it.options))  # upper-case, in order


def test_registered_with_default_subsets():
    for name, default in DEFAULTS.items():
        bench = BENCHMARKS.get(name)
        assert bench.subsets[0] == default and bench.task == TaskType.mcq
    assert BENCHMARKS.canonical("head-qa") == "headqa" and BENCHMARKS.canonical("mmlu_french") == "mmlu_fr"


def test_igakuqa_formats_and_quirks(loaded):
    items = {it.id: it for it in loaded["igakuqa", "all"]}
    formats = collections.Counter(it.format.value for it in items.values())
    assert formats == {"letter": 1690, "letters": 298, "number": 12}
    assert sum(not it.metadata["text_only"] for it in items.values()) == 529
    assert all(it.metadata["text_only"] for it in loaded["igakuqa", "text_only"])
    first = items["112A1"]
    assert first.options["E"] == "オルニチントランスカルバミラーゼ欠損症" and first.answer == "E"
    assert first.metadata | {"split": None} == {"split": None, "year": 2018, "exam": "112", "block": "A", "category": "小児科",
                                                "text_only": True, "points": 1, "human_accuracy": 39.3, "kinki": []}
    multi = [it for it in items.values() if it.format == AnswerFormat.letters]
    assert all("選べ" in it.question for it in multi)  # "choose two/three" is in the question itself
    # Calculations: the gold fills the template's boxes; value right after rounding to its decimals.
    calc = {i: (it.answer, it.tolerance.decimals) for i, it in items.items() if it.task == TaskType.numeric}
    assert calc["116F74"] == ("0.4", 1) and calc["114F75"] == ("1130", 0) and calc["114C75"] == ("10.0", 1)
    assert calc["113F84"] == ("7.20", 2) and len(calc) == 12
    assert all(it.tolerance.rule == "rounded" for it in items.values() if it.task == TaskType.numeric)
    assert items["112B30"].answer == "A" and items["112B30"].metadata["accepted_answers"] == ["A", "D"]
    assert items["112A16"].metadata["kinki"] == ["C", "E"] and items["112A27"].metadata["kinki"] == ["C", "D", "E"]
    assert list(items["113F83"].options) == list("ABCDEFGH") and items["113F83"].answer == "G"
    assert items["114C11"].options == {"A": "ａ", "B": "ｂ", "C": "ｃ", "D": "ｄ", "E": "ｅ"}  # blank choices


def test_igakuqa_english_pairs_by_problem_id(loaded):
    ja = {it.id: it for it in loaded["igakuqa", "all"]}
    en = {it.id: it for it in loaded["igakuqa_en", "all"]}
    assert ja.keys() == en.keys()
    for pid, it in en.items():
        assert (it.answer, it.format, list(it.options)) == (ja[pid].answer, ja[pid].format, list(ja[pid].options))
        assert it.metadata["text_only"] == ja[pid].metadata["text_only"]
    assert en["112A1"].question == "What disease causes hyperammonemia?"
    # Choices with no Japanese script come from the Japanese file, not the translation's refusals.
    assert en["112A14"].options == {"A": "①", "B": "②", "C": "③", "D": "④", "E": "⑤"}
    assert en["113F83"].options["G"] == "g" and en["114C11"].options["A"] == "a"
    assert not any("translate" in text.lower() and "sorry" in text.lower() for it in en.values() for text in it.options.values())
    assert en["116F74"].answer == "0.4"  # decoded from the Japanese template (the translation mangled it)


def test_frenchmedmcqa(loaded):
    test = loaded["frenchmedmcqa", "test"]
    n_gold = collections.Counter(len(it.answer.split(",")) for it in test)
    assert n_gold == {1: 321, 3: 141, 2: 97, 4: 56, 5: 7}
    assert all((it.format == AnswerFormat.letters) == (it.metadata["n_correct"] > 1) for it in test)
    first = test[0]
    assert first.id.startswith("5987fa6b") and first.answer == "C" and first.options["C"] == "Le suc pancréatique"
    assert first.metadata["subject"] == "pharmacie"
    assert collections.Counter(it.metadata["type"] for it in loaded["frenchmedmcqa", "dev"]) == {"simple": 164, "multiple": 148}


def test_headqa(loaded):
    items = {it.id: it for it in loaded["headqa", "all"]}
    assert sum(it.metadata["has_image"] for it in items.values()) == 67
    assert not any(it.metadata["has_image"] for it in loaded["headqa", "text_only"])
    first = items["Cuaderno_2016_1_B-1"]
    assert first.options["B"] == "Colágeno." and first.answer == "B" and len(first.options) == 4
    assert first.metadata | {"split": None} == {"split": None, "exam": "Cuaderno_2016_1_B", "category": "biology",
                                                "year": 2016, "qid": "1", "has_image": False}
    assert items["Cuaderno_2016_1_M-1"].metadata["image"].startswith("./data/MIR/")


def test_cmmlu(loaded):
    first = loaded["cmmlu", "all"][0]
    assert (first.id, first.question, first.answer, first.options["A"]) == ("anatomy-0", "女性生殖腺是", "A", "卵巢")
    assert collections.Counter(it.metadata["subject"] for it in loaded["cmmlu", "all"])["traditional_chinese_medicine"] == 185


def test_translated_mmlu_pairs_with_english_mmlu(loaded, shared_data):
    english = {it.id: it for it in load_items("mmlu", "test", shared_data)}
    by_lang = {lang: {it.id: it for it in loaded[f"mmlu_{lang}", "all"]} for lang in ("fr", "es", "hi")}
    for lang, items in by_lang.items():
        assert items.keys() == english.keys(), lang  # same ids: MMLU test-split indices (realidx)
        for i, it in items.items():
            assert it.answer == english[i].answer and it.metadata["subject"] == english[i].metadata["subject"]
    assert by_lang["fr"]["100"].question.startswith("Une lésion provoquant une compression du nerf facial")
    assert english["100"].question.startswith("A lesion causing compression of the facial nerve")
    assert by_lang["hi"]["100"].metadata["row"] == 0 and by_lang["es"]["12436"].metadata["row"] == 271


def test_medxpertqa(loaded):
    items = loaded["medxpertqa", "sampled"]
    assert all(len(it.options) == 10 and "Answer Choices" not in it.question for it in items)
    first = items[0]
    assert first.id == "Text-20" and first.answer == "J" and first.options["J"] == "Bacterial destruction"
    assert first.question.endswith("What is the most likely explanation for this patient's condition?")
    assert first.metadata == {"split": "sampled", "medical_task": "Diagnosis", "body_system": "Digestive",
                              "question_type": "Reasoning"}
    assert collections.Counter(it.metadata["medical_task"] for it in items) == {"Diagnosis": 100, "Treatment": 81, "Basic Science": 63}


# --- broken copies: one bad record -> FILE:LINE: field 'X': ... -----------------------------------------


def _copy_igakuqa_year(shared_data: Path, tmp_path: Path, year: str = "2018") -> Path:
    shutil.copytree(shared_data / "igakuqa" / year, tmp_path / "igakuqa" / year)
    return tmp_path / "igakuqa" / year


def _rewrite_line(path: Path, lineno: int, change) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    rec = json.loads(lines[lineno - 1])
    change(rec)
    lines[lineno - 1] = json.dumps(rec, ensure_ascii=False)
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize("file,change,field,message", [
    ("112-B.jsonl", lambda r: r.update(answer=["z"]), "answer", "'z' is not an option letter of this item (A, B, C, D, E)"),
    ("112-B.jsonl", lambda r: r.update(answer="c"), "answer", "expected a non-empty list of choice letters"),
    ("112-B.jsonl", lambda r: r.update(answer=[{"x": 1}]), "answer[0]", "expected text, got an object"),
    ("112-B.jsonl", lambda r: r.update(choices="abc"), "choices", "expected a list of option texts"),
    ("112-B.jsonl", lambda r: r.update(text_only="yes"), "text_only", "expected true or false"),
    ("112-B.jsonl", lambda r: r.update(problem_text=""), "problem_text", "missing or empty"),
    ("112-B_metadata.jsonl", lambda r: r.update(kinki=["q"]), "kinki", "'q' is not an option letter"),
    ("112-B_translate.jsonl", lambda r: r.update(answer=["a"]), "answer", "['a'] differs from the question's ['c']"),
    ("112-B_translate.jsonl", lambda r: r.update(choices_en=["x", "y"]), "choices_en", "2 choices, the question has 5"),
])
def test_igakuqa_bad_record(shared_data, tmp_path, file, change, field, message):
    year = _copy_igakuqa_year(shared_data, tmp_path)
    _rewrite_line(year / file, 3, change)
    name = "igakuqa_en" if "translate" in file else "igakuqa"
    with pytest.raises(DataError) as err:
        BENCHMARKS.get(name).load(year / "112-A.jsonl", "2018")
    text = str(err.value)
    assert f"{file}:3: field '{field}': {message}" in text, text


def test_igakuqa_bad_calculation_and_missing_files(shared_data, tmp_path):
    year = _copy_igakuqa_year(shared_data, tmp_path)
    _rewrite_line(year / "112-C.jsonl", 66, lambda r: r.update(answer=["2600"]))  # 112C66: two boxes ①②
    with pytest.raises(DataError, match=r"112-C.jsonl:66: field 'answer': '2600' does not fill the 2 boxes"):
        BENCHMARKS.get("igakuqa").load(year / "112-A.jsonl", "2018")
    (year / "112-D_metadata.jsonl").write_text("")
    (year / "112-C.jsonl").unlink()
    with pytest.raises(DataError, match=r"112-C.jsonl: missing"):
        BENCHMARKS.get("igakuqa").load(year / "112-A.jsonl", "2018")
    shutil.copy(shared_data / "igakuqa" / "2018" / "112-C.jsonl", year / "112-C.jsonl")
    with pytest.raises(DataError, match=r"112-D_metadata.jsonl: field 'problem_id': no record for 112D1, "):
        BENCHMARKS.get("igakuqa").load(year / "112-A.jsonl", "2018")
    (year / "112-A.jsonl").write_text(year.joinpath("112-A.jsonl").read_text().replace("}\n", "}\n{broken\n", 1))
    with pytest.raises(DataError, match=r"112-A.jsonl:2: invalid JSON"):
        BENCHMARKS.get("igakuqa").load(year / "112-A.jsonl", "2018")


FRENCH = {"id": "q1", "question": "Q ?", "answers": {"a": "x", "b": "y", "c": "z"}, "correct_answers": ["a"],
          "subject_name": "pharmacie", "nbr_correct_answers": 1}


@pytest.mark.parametrize("bad,field,message", [
    ({**FRENCH, "id": "q2", "correct_answers": ["f"]}, "correct_answers", "'f' is not an option letter of this item (A, B, C)"),
    ({**FRENCH, "id": "q2", "correct_answers": "zz"}, "correct_answers", "'zz' is not an option letter"),
    ({**FRENCH, "id": "q2", "correct_answers": []}, "correct_answers", "empty: no correct option given"),
    ({**FRENCH, "id": "q2", "correct_answers": ["a", "b"]}, "nbr_correct_answers", "1, but correct_answers lists 2: A, B"),
    ({**FRENCH, "id": "q2", "answers": ["x", "y"]}, "answers", "expected an object of at least two options"),
    ({**FRENCH, "id": "q2", "answers": {"a": "x", "b": None}}, "answers.b", "missing or empty"),
    ({**FRENCH, "question": "dup"}, "id", "duplicate id 'q1' (first on line 2)"),
])
def test_frenchmedmcqa_bad_record(tmp_path, bad, field, message):
    path = tmp_path / "test.json"
    path.write_text(json.dumps([FRENCH, bad], indent=4), encoding="utf-8")
    second = len(json.dumps([FRENCH], indent=4).split("\n"))  # the line where record 2 starts: "[", 11 lines, "{"
    with pytest.raises(DataError) as err:
        BENCHMARKS.get("frenchmedmcqa").load(path, "test")
    assert f"test.json:{second}: field '{field}': {message}" in str(err.value), str(err.value)


def test_frenchmedmcqa_one_or_several_correct(tmp_path):
    path = tmp_path / "dev.json"
    path.write_text(json.dumps([FRENCH, {**FRENCH, "id": "q3", "correct_answers": ["c", "a"], "nbr_correct_answers": 2}]))
    items = BENCHMARKS.get("frenchmedmcqa").load(path, "dev")
    assert [(i.answer, i.format) for i in items] == [("A", AnswerFormat.letter), ("A,C", AnswerFormat.letters)]


def _headqa(tmp_path: Path, question: dict) -> Path:
    good = {"qid": "1", "qtext": "¿Q?", "ra": "2", "answers": [{"aid": i, "atext": t} for i, t in enumerate("wxyz", 1)], "image": ""}
    data = {"version": "1.0", "language": "es", "exams": {"Cuaderno_2016_1_M": {
        "name": "Cuaderno_2016_1_M", "category": "medicine", "year": 2016, "data": [good, {**good, "qid": "2", **question}]}}}
    path = tmp_path / "HEAD-QA-test.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("question,field,message", [
    ({"ra": "5"}, "ra", "'5' is not among the answer ids 1, 2, 3, 4"),
    ({"ra": {"x": 1}}, "ra", "expected text or a whole number, got an object"),
    ({"answers": "abcd"}, "answers", "expected a list of at least two {aid, atext}"),
    ({"qtext": "  "}, "qtext", "missing or empty"),
    ({"qid": "1"}, "qid", "duplicate id 'Cuaderno_2016_1_M-1'"),
])
def test_headqa_bad_record(tmp_path, question, field, message):
    path = _headqa(tmp_path, question)
    with pytest.raises(DataError) as err:
        BENCHMARKS.get("headqa").load(path, "all")
    assert f"HEAD-QA-test.json: field 'exams.Cuaderno_2016_1_M.data[1].{field}': {message}" in str(err.value), str(err.value)


def test_headqa_image_questions_are_kept_out_of_the_default(tmp_path):
    path = _headqa(tmp_path, {"image": "./data/MIR/img.png"})
    assert [i.id for i in BENCHMARKS.get("headqa").load(path)] == ["Cuaderno_2016_1_M-1"]
    assert [i.metadata["has_image"] for i in BENCHMARKS.get("headqa").load(path, "all")] == [False, True]
    assert len(BENCHMARKS.get("headqa").load(path, "medicine")) == 1


@pytest.mark.parametrize("row,line_field,message", [
    ("1,Q?,a,b,c,d,E", "3: field 'Answer'", "'E' is not an option letter of this item (A, B, C, D)"),
    ("1,Q?,a,b,c,d", "3", "6 columns, expected 7"),
    ("1,Q?,a,,c,d,A", "3: field 'B'", "missing or empty"),
    ("0,Q?,a,b,c,d,A", "3: field 'index (first column)'", "duplicate id 'anatomy-0' (first on line 2)"),
])
def test_cmmlu_bad_row(tmp_path, row, line_field, message):
    path = tmp_path / "anatomy.csv"
    path.write_text(f",Question,A,B,C,D,Answer\n0,Q?,a,b,c,d,A\n{row}\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        BENCHMARKS.get("cmmlu").load(path, "anatomy")
    assert f"anatomy.csv:{line_field}: {message}" in str(err.value), str(err.value)
    path.write_text(",Question,A,B,C,D,Answer\n0,Q?,a,b,c,d,A\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"clinical_knowledge.csv: missing file"):
        BENCHMARKS.get("cmmlu").load(path, "all")
    path.write_text("Question,A,B,C,D,Answer\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"anatomy.csv:1: expected the header"):
        BENCHMARKS.get("cmmlu").load(path, "anatomy")


@pytest.mark.parametrize("row,line_field,message", [
    ('"Q, two?",a,b,c,d,F', "3: field 'answer (column 6)'", "'F' is not an option letter of this item (A, B, C, D)"),
    ('"Q, two?",a,b,c,d', "3", "5 columns, expected 6"),
    ('"Q, two?",a,b,c,d,[]', "3: field 'answer (column 6)'", "'[]' is not an option letter"),
])
def test_translated_mmlu_bad_row(tmp_path, row, line_field, message):
    path = tmp_path / "mmlu_French_test_anatomy_test.csv"
    path.write_text(f'"Q\non two lines?",a,b,c,d,A\n{row}\n', encoding="utf-8")
    with pytest.raises(DataError) as err:
        BENCHMARKS.get("mmlu_fr").load(path, "anatomy")
    assert f"mmlu_French_test_anatomy_test.csv:{line_field}: {message}" in str(err.value), str(err.value)


MXQ = {"id": "Text-1", "question": "Q?\nAnswer Choices: (A) x (B) y", "label": ["B"], "medical_task": "Diagnosis",
       "body_system": "Nervous", "question_type": "Reasoning",
       "options": [{"letter": "A", "content": "x"}, {"letter": "B", "content": "y"}]}


@pytest.mark.parametrize("bad,field,message", [
    ({**MXQ, "id": "Text-2", "label": ["K"]}, "label", "'K' is not an option letter of this item (A, B)"),
    ({**MXQ, "id": "Text-2", "label": None}, "label", "missing"),
    ({**MXQ, "id": "Text-2", "options": {"A": "x"}}, "options", "expected a list of {letter, content}"),
    ({**MXQ, "id": "Text-2", "options": [{"letter": "A", "content": "x"}, {"letter": "A", "content": "y"}]},
     "options[1].letter", "'A' is not a new option letter"),
    ({**MXQ, "id": "Text-2", "question": "Answer Choices: (A) x"}, "question", "holds nothing but the answer choices"),
    (MXQ, "id", "duplicate id 'Text-1' (first on line 1)"),
])
def test_medxpertqa_bad_record(tmp_path, bad, field, message):
    path = tmp_path / "mx.jsonl"
    path.write_text(json.dumps(MXQ) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        BENCHMARKS.get("medxpertqa").load(path, "sampled")
    assert f"mx.jsonl:2: field '{field}': {message}" in str(err.value), str(err.value)
