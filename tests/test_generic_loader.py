"""The generic loader for users' own files: every format, every bad input named by file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clinreason.data import FieldMap, load_file
from clinreason.data.generic import scan_file
from clinreason.items import DataError, TaskType

ROWS = [
    {"ID": "q1", "Question": "First?", "A": "alpha", "B": "beta", "C": "gamma", "D": "delta", "Answer": "B", "subject": "s1"},
    {"ID": "q2", "Question": "Second?", "A": "one", "B": "two", "C": "three", "D": "", "Answer": "three", "subject": "s2"},
]
SPEC = "question=Question,options=A|B|C|D,answer=Answer,id=ID,meta=subject"


def write(path: Path, rows: list[dict], fmt: str | None = None) -> Path:
    fmt = fmt or path.suffix
    if fmt == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif fmt == ".json":
        path.write_text(json.dumps(rows), encoding="utf-8")
    else:
        sep = "\t" if fmt == ".tsv" else ","
        cols = list(rows[0])
        lines = [sep.join(cols)] + [sep.join(str(r.get(c, "")) for c in cols) for r in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv", ".tsv"])
def test_each_format(tmp_path, suffix):
    items = load_file(write(tmp_path / f"mine{suffix}", ROWS), FieldMap.parse(SPEC))
    assert [i.id for i in items] == ["q1", "q2"]
    assert items[0].benchmark == "mine" and items[0].answer == "B" and items[0].metadata == {"subject": "s1"}
    assert items[1].options == {"A": "one", "B": "two", "C": "three"}  # empty cell: no option D
    assert items[1].answer == "C"  # matched by option text


def test_json_data_wrapper_dict_and_list_options(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"data": [
        {"q": "Dict?", "opts": {"A": "x", "B": "y"}, "gold": "b", "ctx": "some context", "why": "because"},
        {"q": "List?", "opts": ["x", "y", "z"], "gold": "z"},
        {"q": "Other keys?", "opts": {"opa": "x", "opb": "y"}, "gold": "y"},
    ]}))  # fmt: skip
    items = load_file(path, "question=q,options=opts,answer=gold,context=ctx,explanation=why", benchmark="mine")
    assert [i.id for i in items] == ["1", "2", "3"]  # record numbers
    assert (items[0].answer, items[0].context, items[0].explanation) == ("B", "some context", "because")
    assert items[1].options == {"A": "x", "B": "y", "C": "z"} and items[1].answer == "C"
    assert items[2].options == {"A": "x", "B": "y"} and items[2].answer == "B"
    assert items[0].benchmark == "mine"


@pytest.mark.parametrize("base,gold,expected", [(0, 2, "C"), (1, 2, "B"), (1, "1", "A")])
def test_answer_index(tmp_path, base, gold, expected):
    path = write(tmp_path / "i.jsonl", [{"q": "Q?", "o": ["a", "b", "c"], "g": gold}])
    [item] = load_file(path, f"question=q,options=o,answer=g,answer_index_base={base}")
    assert item.answer == expected and item.id == "1"  # line number


def test_options_json_in_csv_cell_and_bom(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes('\ufeffquestion,options,answer\n"Q, with comma?","[""x"", ""y""]",y\n'.encode("utf-8"))
    [item] = load_file(path)  # default: question=question,options=options,answer=answer
    assert item.question == "Q, with comma?" and item.options == {"A": "x", "B": "y"} and item.answer == "B"
    jl = tmp_path / "b.jsonl"
    jl.write_bytes(b"\xef\xbb\xbf" + json.dumps({"question": "Q?", "options": ["x", "y"], "answer": "A"}).encode())
    assert load_file(jl)[0].answer == "A"


def test_yes_no_maybe(tmp_path):
    path = write(tmp_path / "y.jsonl", [{"q": "Q?", "label": "Yes"}, {"q": "R?", "label": "maybe"}])
    items = load_file(path, "question=q,answer=label,task=yes_no_maybe")
    assert [i.answer for i in items] == ["yes", "maybe"] and items[0].task == TaskType.yes_no_maybe
    with pytest.raises(DataError, match=r"y2.jsonl:1: field 'label': 'perhaps' is not yes/no/maybe"):
        load_file(write(tmp_path / "y2.jsonl", [{"q": "Q?", "label": "perhaps"}]), "question=q,answer=label,task=yes_no_maybe")


def test_fieldmap_parse():
    fm = FieldMap.parse(" question = Q , options=A|B, answer=Ans, meta=s|t, answer_index_base=1 ")
    assert fm.options == ("A", "B") and fm.meta == ("s", "t") and fm.answer_index_base == 1
    assert FieldMap(question="Q", options="A|B", answer="Ans").options == ("A", "B")
    for bad, msg in [("question=Q,answer=A", "needs options"), ("question=Q,options=o,answer=A,colour=red", "unknown name 'colour'"),
                     ("question=Q,options=o", "answer"), ("question", "not NAME=VALUE"),
                     ("question=Q,options=o,answer=a,answer_index_base=2", "answer_index_base"),
                     ("question=Q,options=o,answer=a,task=numeric", "task")]:  # fmt: skip
        with pytest.raises(ValueError, match=msg):
            FieldMap.parse(bad)


# --- bad input: the message names file, line and field -------------------------------------------

GOOD = {"id": "a", "question": "Q?", "options": ["x", "y"], "answer": "A"}
FIELDS = "question=question,options=options,answer=answer,id=id"


@pytest.mark.parametrize(
    "bad,field,message",
    [
        ({k: v for k, v in GOOD.items() if k != "question"} | {"id": "b"}, "question", "missing"),
        ({**GOOD, "id": "b", "question": "   "}, "question", "empty question"),
        ({**GOOD, "id": "b", "answer": "Z"}, "answer", "'Z' is not among options A, B"),
        ({**GOOD, "id": "b", "answer": "zeta"}, "answer", "not among options"),
        ({**GOOD, "id": "b", "answer": 1}, "answer", "answer_index_base"),
        ({**GOOD, "id": "b", "options": ["x"]}, "options", "at least two"),
        ({**GOOD, "id": "b", "options": "x"}, "options", "expected a {letter: text} object"),
        ({k: v for k, v in GOOD.items() if k != "answer"} | {"id": "b"}, "answer", "missing"),
        ({**GOOD, "id": ""}, "id", "missing or empty id"),
        (GOOD, "id", "duplicate id 'a' (first on line 1)"),
    ],
)
def test_bad_record_jsonl(tmp_path, bad, field, message):
    path = write(tmp_path / "bad.jsonl", [GOOD, bad])
    with pytest.raises(DataError) as err:
        load_file(path, FIELDS)
    text = str(err.value)
    assert "bad.jsonl:2" in text and f"field '{field}'" in text and message in text


def test_bad_record_json_names_record(tmp_path):
    path = write(tmp_path / "bad.json", [GOOD, {**GOOD, "id": "b", "answer": "Z"}])
    with pytest.raises(DataError, match=r"bad.json: field 'answer': record 2: 'Z' is not among options"):
        load_file(path, FIELDS)


def test_bad_record_csv(tmp_path):
    rows = [dict(ROWS[0]), {**ROWS[1], "Answer": "E"}]
    with pytest.raises(DataError, match=r"bad.csv:3: field 'Answer': 'E' is not among options A, B, C"):
        load_file(write(tmp_path / "bad.csv", rows), SPEC)
    with pytest.raises(DataError, match=r"bad.tsv:1: field 'Topic': no such column; the header has: ID, Question"):
        load_file(write(tmp_path / "bad.tsv", ROWS), SPEC + "|Topic")


def test_csv_line_numbers_follow_multiline_cells(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text('question,options,answer\n"two\nlines?","[""x"",""y""]",A\n"Q?","[""x"",""y""]",C\n')
    with pytest.raises(DataError, match=r"m.csv:4: field 'answer'"):
        load_file(path)


def test_malformed_json(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n" + '{"question": "Q?", "options": [' + "\n")
    with pytest.raises(DataError, match=r"bad.jsonl:3: invalid JSON"):
        load_file(path, FIELDS)
    whole = tmp_path / "bad.json"
    whole.write_text('[\n{"question": "Q?",\n]')
    with pytest.raises(DataError, match=r"bad.json:3: invalid JSON"):
        load_file(whole, FIELDS)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_non_utf8_names_line_and_field(tmp_path, suffix):
    path = write(tmp_path / f"latin{suffix}", ROWS)
    path.write_bytes(path.read_bytes().replace(b"two", "tw\u00f6".encode("latin-1")))  # a Latin-1 byte on line 2 / row 3
    line = 2 if suffix == ".jsonl" else 3
    with pytest.raises(DataError, match=rf"latin{suffix}:{line}: field 'B': holds bytes that are not valid UTF-8"):
        load_file(path, SPEC)


def test_all_or_nothing_and_skip(tmp_path):
    rows = [GOOD, {**GOOD, "id": "b", "answer": "Z"}, {**GOOD, "id": "c"}, {**GOOD, "id": "c"}]
    path = write(tmp_path / "mixed.jsonl", rows)
    with pytest.raises(DataError, match=r"mixed.jsonl:2: .*\(and 1 more bad record; nothing was loaded\)"):
        load_file(path, FIELDS)
    result = scan_file(path, FIELDS)
    assert [i.id for i in result.items] == ["a", "c"]
    assert [(e.line, e.field) for e in result.skipped] == [(2, "answer"), (4, "id")]


def test_file_level_errors(tmp_path):
    with pytest.raises(DataError, match="unsupported file type"):
        load_file(tmp_path / "x.xlsx", FIELDS)
    with pytest.raises(DataError, match="no such file"):
        load_file(tmp_path / "x.csv", FIELDS)
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(DataError, match="empty.jsonl: no records"):
        load_file(tmp_path / "empty.jsonl", FIELDS)
    (tmp_path / "obj.json").write_text('{"rows": []}')
    with pytest.raises(DataError, match=r"obj.json: expected a list of records"):
        load_file(tmp_path / "obj.json", FIELDS)


# --- options in one string, answer kinds, a language column ---------------------------------------

# Real-shaped: a spreadsheet export where the choices sit in one cell, the answer is an option's text,
# and each row says its language.
SHEET = (
    "ID,Q,Choices,Ans,Lang\n"
    'r1,Which is a modifiable risk factor for type 2 diabetes?,"(A) BMI (B) Family history (C) Age (D) Ethnicity",BMI,en\n'
    'r2,Quel est le principal facteur de risque ?,"A. Le tabac\nB. L\'âge\nC. Le sexe",L\'âge,fr\n'
    'r3,¿Cuál es el fármaco de elección?,A) Amoxicilina; B) Vancomicina; C) Linezolid,amoxicilina,Spanish\n'
    "r4,Which one?,\"(A) x (B) y\",y,\n"
)


def test_options_in_one_string_answer_text_language_column(tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_text(SHEET, encoding="utf-8")
    items = load_file(path, "question=Q,options=Choices,answer=Ans:text,id=ID,language=Lang")
    assert [i.options for i in items[:3]] == [
        {"A": "BMI", "B": "Family history", "C": "Age", "D": "Ethnicity"},
        {"A": "Le tabac", "B": "L'âge", "C": "Le sexe"},
        {"A": "Amoxicilina", "B": "Vancomicina", "C": "Linezolid"},
    ]
    assert [i.answer for i in items] == ["A", "B", "A", "B"]  # text matched exactly, else ignoring case
    assert [i.language for i in items] == ["en", "fr", "es", "en"]  # "Spanish" -> es; blank -> the default


def test_fieldmap_shorthands():
    fm = FieldMap.parse("question=Q,options=O,answer=Ans:index1,language=Lang")
    assert (fm.answer, fm.answer_kind, fm.answer_index_base, fm.language_field, fm.language) == ("Ans", "index1", 1, "Lang", "en")
    fm = FieldMap.parse("question=Q,options=O,answer=Ans,language=pt_BR")
    assert (fm.answer_kind, fm.language, fm.language_field) == ("auto", "pt-br", None)
    assert FieldMap.parse("question=Q,options=O,answer=Ans,answer_index_base=0").answer_kind == "index0"
    assert FieldMap.parse("question=Q,options=O,answer=A:B:letter").answer == "A:B"  # only a known kind is a suffix
    assert FieldMap.parse("question=Q,options=O,answer=Ans,language_field=lg").language_field == "lg"
    with pytest.raises(ValueError, match="disagree"):
        FieldMap.parse("question=Q,options=O,answer=Ans:index0,answer_index_base=1")
    with pytest.raises(ValueError, match="answer_kind"):
        FieldMap.parse("question=Q,options=O,answer=Ans,answer_kind=position")


@pytest.mark.parametrize("kind,gold,expected", [
    ("index0", 0, "A"), ("index0", "2", "C"), ("index1", "1", "A"), ("index1", 3, "C"),
    ("letter", "b", "B"), ("letter", "(C)", "C"), ("letter", "B.", "B"), ("text", "gamma", "C"), ("text", "Beta.", "B"),
    ("auto", "C)", "C"), ("auto", "beta", "B"),
])
def test_answer_kinds(tmp_path, kind, gold, expected):
    path = write(tmp_path / "k.jsonl", [{"q": "Q?", "o": "A. alpha\nB. beta\nC. gamma", "g": gold}])
    [item] = load_file(path, f"question=q,options=o,answer=g:{kind}")
    assert item.answer == expected


@pytest.mark.parametrize("options,gold,spec_answer,field,message", [
    ("A. Vitamin B. deficiency B. other", "A", "g", "o", "ambiguous: 'B.' occurs more than once"),
    ("(A) x (B)", "A", "g", "o", "option B is empty"),
    ("x or y", "A", "g", "o", "lettered options in one string"),
    ("A. x\nB. y", "C", "g:letter", "g", "'C' is not an option letter (A, B)"),
    ("A. x\nB. y", "z", "g:text", "g", "'z' is not the text of any option (A: 'x', B: 'y')"),
    ("A. same\nB. same", "same", "g:text", "g", "is the text of several options (A, B): ambiguous"),
    ("A. x\nB. y", "3", "g:index1", "g", "index '3' is not among the 2 options (base 1)"),
    ("A. x\nB. y", "first", "g:index0", "g", "'first' is not an index"),
    ("A. x\nB. y", "2", "g", "g", "write answer=COLUMN:index0 or :index1"),
])
def test_one_string_and_answer_kind_errors(tmp_path, options, gold, spec_answer, field, message):
    good = {"g": "A", "g:letter": "A", "g:text": "x", "g:index0": "0", "g:index1": "1"}[spec_answer]
    path = write(tmp_path / "bad.jsonl", [{"q": "Q?", "o": "A. x\nB. y", "g": good}, {"q": "Q?", "o": options, "g": gold}])
    with pytest.raises(DataError) as err:
        load_file(path, f"question=q,options=o,answer={spec_answer}")
    text = str(err.value)
    assert "bad.jsonl:2" in text and f"field '{field}'" in text and message in text, text


def test_language_column_errors(tmp_path):
    path = tmp_path / "lang.csv"
    path.write_text("Q,O,A,Lang\nQ?,\"(A) x (B) y\",A,fr\nR?,\"(A) x (B) y\",B,Klingon\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"lang.csv:3: field 'Lang': 'Klingon' is not a language code"):
        load_file(path, "question=Q,options=O,answer=A,language=Lang")
    with pytest.raises(DataError, match=r"lang.csv:1: field 'Language': no such column"):
        load_file(path, "question=Q,options=O,answer=A,language=Language")
    items = scan_file(path, "question=Q,options=O,answer=A,language=Lang")
    assert [i.language for i in items.items] == ["fr"] and items.skipped[0].line == 3
