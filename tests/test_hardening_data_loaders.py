"""Non-text values (objects, lists, NaN, Infinity, booleans) where a loader expects text stop with
`FILE:LINE: field 'X': expected text` instead of being stored as their Python repr; integral
numbers as ids are text ("7"). Plus a hypothesis fuzz of the field-map loader: random JSONL, JSON
and CSV files give Items or a DataError naming the file, never another exception."""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinreason.data import BENCHMARKS, load_file, scan_file
from clinreason.items import DataError, Item

NOT_TEXT = {
    "object": {"a": 1},
    "list": ["x", "y"],
    "nan": float("nan"),
    "infinity": float("inf"),
    "-infinity": float("-inf"),
    "true": True,
    "false": False,
}
SPEC = "question=question,options=options,answer=answer,id=id"


def rec(**over):
    base = {"id": "q1", "question": "Which?", "options": {"A": "alpha", "B": "beta", "C": "gamma"}, "answer": "B"}
    base.update(over)
    return base


def jsonl(path: Path, *records) -> Path:
    # json.dumps writes NaN / Infinity as those bare words, exactly what pandas and Python leave in files.
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def expect_not_text(call, path: Path, line: int, field: str):
    with pytest.raises(DataError) as err:
        call()
    text = str(err.value)
    assert f"{path}:{line}: field '{field}'" in text, text
    assert "expected text" in text, text
    return err.value


# --- the field-map loader (user files, --fields) ----------------------------------------------------
@pytest.mark.parametrize("kind", list(NOT_TEXT))
@pytest.mark.parametrize("where", ["question", "option", "id", "context", "explanation", "list_option", "answer"])
def test_generic_rejects_non_text(tmp_path, kind, where):
    value = NOT_TEXT[kind]
    spec = SPEC + ",context=ctx,explanation=why"
    if where == "option":
        bad, field = rec(id="q2", options={"A": "alpha", "B": value, "C": "gamma"}), "options.B"
    elif where == "list_option":
        bad, field = rec(id="q2", options=["alpha", value, "gamma"]), "options.B"
    elif where in ("context", "explanation"):
        name = {"context": "ctx", "explanation": "why"}[where]
        bad, field = {**rec(id="q2"), name: value}, name
    else:
        bad, field = rec(**{"id": "q2", where: value}), where
    path = jsonl(tmp_path / "mine.jsonl", rec(), bad)
    expect_not_text(lambda: load_file(path, spec), path, 2, field)
    result = scan_file(path, spec)  # skipping keeps the good record and names the bad one
    assert [i.id for i in result.items] == ["q1"] and result.skipped[0].field == field


@pytest.mark.parametrize("raw, expected", [(7, "7"), (7.0, "7"), (-3, "-3"), ("x1", "x1")])
def test_generic_integral_number_ids_are_text(tmp_path, raw, expected):
    [item] = load_file(jsonl(tmp_path / "m.jsonl", rec(id=raw)), SPEC)
    assert item.id == expected


def test_generic_fractional_id_is_an_error(tmp_path):
    path = jsonl(tmp_path / "m.jsonl", rec(id=7.5))
    err = expect_not_text(lambda: load_file(path, SPEC), path, 1, "id")
    assert "7.5" in str(err)


def test_generic_json_file_names_the_record(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps([rec(), rec(id="q2", question={"en": "Which?"})]))
    with pytest.raises(DataError, match=r"m\.json: field 'question': record 2: expected text"):
        load_file(path, SPEC)


# --- benchmark loaders -------------------------------------------------------------------------------
MAB = {"realidx": 1, "question": "Q?", "options": {"A": "x", "B": "y"}, "answer_idx": "A"}


@pytest.mark.parametrize("kind", list(NOT_TEXT))
@pytest.mark.parametrize("where", ["question", "option", "realidx", "answer_idx", "reason"])
def test_medagentsbench_rejects_non_text(tmp_path, kind, where):
    value = NOT_TEXT[kind]
    if where == "option":
        bad, field = {**MAB, "realidx": 2, "options": {"A": "x", "B": value}}, "options.B"
    else:
        bad, field = {**MAB, "realidx": 2, where: value}, where
    if where == "realidx":
        bad["realidx"] = value
    path = jsonl(tmp_path / "test.jsonl", MAB, bad)
    expect_not_text(lambda: BENCHMARKS.get("afrimedqa").load(path, "test"), path, 2, field)


def test_medagentsbench_integral_realidx(tmp_path):
    path = jsonl(tmp_path / "test.jsonl", {**MAB, "realidx": 3.0}, {**MAB, "realidx": "4"})
    assert [i.id for i in BENCHMARKS.get("medqa").load(path, "test")] == ["3", "4"]
    path = jsonl(tmp_path / "test.jsonl", {**MAB, "realidx": 3.5})
    expect_not_text(lambda: BENCHMARKS.get("medqa").load(path, "test"), path, 1, "realidx")


HB = {"prompt_id": "p1", "prompt": [{"role": "user", "content": "Hi?"}],
      "rubrics": [{"criterion": "Says hello.", "points": 3, "tags": []}]}


@pytest.mark.parametrize("kind", ["object", "list", "nan", "infinity", "true"])
@pytest.mark.parametrize("where, field", [("content", "prompt[0].content"), ("criterion", "rubrics[0].criterion"),
                                          ("points", "rubrics[0].points"), ("prompt_id", "prompt_id")])
def test_healthbench_rejects_non_text(tmp_path, kind, where, field):
    value = NOT_TEXT[kind]
    bad = json.loads(json.dumps(HB))
    if where == "content":
        bad["prompt"][0]["content"] = value
    elif where == "prompt_id":
        bad["prompt_id"] = value
    else:
        bad["rubrics"][0][where] = value
    path = jsonl(tmp_path / "test.jsonl", HB, bad)
    with pytest.raises(DataError) as err:
        BENCHMARKS.get("healthbench_hard_lite50").load(path, "test")
    text = str(err.value)
    assert f"{path}:2: field '{field}'" in text, text
    assert ("expected text" if where != "points" else "number") in text, text


def test_healthbench_turns_that_are_not_objects(tmp_path):
    path = jsonl(tmp_path / "test.jsonl", {**HB, "prompt": ["just text"]})
    with pytest.raises(DataError, match=r"test\.jsonl:1: field 'prompt"):
        BENCHMARKS.get("healthbench_hard_lite50").load(path, "test")
    path = jsonl(tmp_path / "test.jsonl", {**HB, "rubrics": ["just text"]})
    with pytest.raises(DataError, match=r"test\.jsonl:1: field 'rubrics\[0\]'"):
        BENCHMARKS.get("healthbench_hard_lite50").load(path, "test")


@pytest.mark.parametrize("kind", ["object", "list", "nan", "true"])
def test_medrbench_rejects_non_text(tmp_path, kind):
    case = {"case_summary": "A case.", "differential_diagnosis": "dd", "final_diagnosis": "fd", "diagnosis_results": "X"}
    data = {"PMC1": {"generate_case": case}, "PMC2": {"generate_case": {**case, "diagnosis_results": NOT_TEXT[kind]}}}
    path = tmp_path / "d.json"
    path.write_text(json.dumps(data))
    with pytest.raises(DataError, match=r"field 'PMC2\.generate_case\.diagnosis_results': expected text"):
        BENCHMARKS.get("medrbench").load(path, "diagnosis")


@pytest.mark.parametrize("kind", ["object", "nan", "true"])
def test_pubmedqa_pqal_rejects_non_text(tmp_path, kind):
    good = {"QUESTION": "Q?", "CONTEXTS": ["c"], "LABELS": ["BACKGROUND"], "MESHES": [], "YEAR": "2000",
            "final_decision": "yes", "LONG_ANSWER": "a"}
    (tmp_path / "ori_pqal.json").write_text(json.dumps({"1": good, "2": {**good, "LABELS": [NOT_TEXT[kind]]}}))
    with pytest.raises(DataError, match=r"field '2\.LABELS\[0\]': expected text"):
        BENCHMARKS.get("pubmedqa_pqal").load(tmp_path / "ori_pqal.json", "all")
    (tmp_path / "ori_pqal.json").write_text(json.dumps({"1": good, "2": {**good, "final_decision": [NOT_TEXT[kind]]}}))
    with pytest.raises(DataError, match=r"field '2\.final_decision'"):
        BENCHMARKS.get("pubmedqa_pqal").load(tmp_path / "ori_pqal.json", "all")
    (tmp_path / "ori_pqal.json").write_text(json.dumps({"1": good, "2": {**good, "LONG_ANSWER": NOT_TEXT[kind]}}))
    with pytest.raises(DataError, match=r"field '2\.LONG_ANSWER': expected text"):
        BENCHMARKS.get("pubmedqa_pqal").load(tmp_path / "ori_pqal.json", "all")


def test_csv_benchmarks_name_ragged_rows(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id,clean text,final diagnosis,distractor1,distractor2,distractor3\n"
                    "1,text,dx,a,b,c\n"
                    "2,text,dx\n"
                    "3,text,dx,a,b,c,extra\n")
    with pytest.raises(DataError, match=r"c\.csv:3: .*columns"):
        BENCHMARKS.get("cupcase").load(path, "mcq")


# --- fuzz: the field-map loader never raises anything but a DataError --------------------------------
SPECS = [
    "question=question,options=options,answer=answer,id=id",
    "question=question,options=A|B|C|D,answer=answer,id=id,context=ctx,meta=m",
    "question=question,options=options,answer=answer,answer_index_base=0",
    "question=question,options=options,answer=answer,answer_index_base=1,explanation=why",
    "question=question,answer=answer,task=yes_no_maybe,id=id",
    "question=question,options=options,answer=answer,task=yes_no_maybe",
]
KEYS = ["question", "options", "answer", "id", "A", "B", "C", "D", "ctx", "m", "why", "other"]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["A", "b", "yes", "Maybe", "0", "1", "2", " ", "", "[1]", "{}", "nan"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["A", "B", "C", "x", "1"]) | st.text(max_size=3),
                                                 inner, max_size=4)), max_leaves=8)
# Mostly well-formed records with a few fields replaced by anything: the loader's checks are reached.
BASE = {"id": "q", "question": "Which one?", "options": {"A": "yes", "B": "no", "C": "maybe"}, "answer": "A",
        "A": "yes", "B": "no", "C": "maybe", "D": "other", "ctx": "context", "why": "because", "m": "meta"}


@st.composite
def records(draw):
    rec = dict(BASE)
    rec["id"] = draw(st.sampled_from(["q", "r", "s", 1, 2]))
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=3)):
        rec[key] = draw(values)
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=1)):
        rec.pop(key, None)
    return rec


raw_lines = st.sampled_from(['{"question": ', "[1, 2]", '"just a string"', "null", "NaN", "\x00", "{}"])


def _csv_text(rows: list[dict], header: list[str], delimiter: str) -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter)
    w.writerow(header)
    for r in rows:
        w.writerow(["" if r.get(h) is None else json.dumps(r[h]) if isinstance(r.get(h), (dict, list)) else r[h]
                    for h in header])
    return out.getvalue()


def _texts(value) -> set[str]:
    """The texts a loader may take from a JSON value: strings, and finite numbers written out."""
    if isinstance(value, str):
        return {value.strip()}
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return {str(value), str(int(value)) if float(value).is_integer() else str(value)}
    return set()


def _allowed(rows: list, key: str) -> set[str]:
    out: set[str] = set()
    for r in rows:
        if isinstance(r, dict) and key in r:
            v = r[key]
            if key == "options" and isinstance(v, dict):
                for x in v.values():
                    out |= _texts(x)
            elif key == "options" and isinstance(v, list):
                for x in v:
                    out |= _texts(x)
            else:
                out |= _texts(v)
    return out


def _check(path: Path, spec: str, rows: list) -> None:
    for fn in (load_file, scan_file):
        try:
            out = fn(path, spec)
        except DataError as e:
            assert str(path) in str(e), str(e)
            continue
        items = out if isinstance(out, list) else out.items
        assert all(isinstance(i, Item) for i in items)
        if path.suffix in (".jsonl", ".json"):  # nothing that was not text got in as its repr
            questions = _allowed(rows, "question")
            options = _allowed(rows, "options") | set().union(*(_allowed(rows, k) for k in "ABCD")) | \
                {"yes", "no", "maybe"}
            for item in items:
                assert item.question in questions, (item.question, questions)
                assert set(item.options.values()) <= options, (item.options, options)
                if "id=" in spec:
                    assert item.id in _allowed(rows, "id"), item.id
        if not isinstance(out, list):
            for e in out.skipped:
                assert isinstance(e, DataError) and str(path) in str(e)
                assert e.line is not None or "record" in e.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.one_of(records(), records(), raw_lines), max_size=5), spec=st.sampled_from(SPECS),
       fmt=st.sampled_from([".jsonl", ".json", ".csv", ".tsv"]),
       header=st.lists(st.sampled_from(KEYS), max_size=9))
def test_fuzz_field_map_loader(rows, spec, fmt, header):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{fmt}"
        if fmt == ".jsonl":
            path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
        elif fmt == ".json":
            path.write_text(json.dumps(rows))
        else:
            dict_rows = [r for r in rows if isinstance(r, dict)]
            path.write_text(_csv_text(dict_rows, list(dict.fromkeys(header + KEYS[:4])), "\t" if fmt == ".tsv" else ","))
        _check(path, spec, rows)
