"""Paired comparison: source-item pairing (probe runs vs base), TOST equivalence, Holm's correction,
several runs against one base, a grid file, and cross-lingual agreement on hand-made stores."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from clinreason.cli import app
from clinreason.grading.crosslingual import known_pair
from clinreason.grading.paired import Pair, compare_pairs, holm, mcnemar_exact, run_pairs, tost
from clinreason.items import Item
from clinreason.store import Store


def item(i: int, benchmark: str = "toy", language: str = "en", **kw) -> Item:
    return Item(id=kw.pop("id", f"q{i}"), benchmark=benchmark, question=f"Q{i}?", language=language,
                options={"A": "a", "B": "b", "C": "c"}, answer="A", **kw)


def save_run(store: Store, run_id: str, items: list[Item], answers: list[str | None], benchmark: str = "toy") -> None:
    """A run whose answer to each item is given (None: unread), graded against gold A."""
    store.start_run({"id": run_id, "benchmark": benchmark, "subset": None, "model": "m", "model_identity": "m",
                     "method": "direct", "config": {}}, items)
    for it, answer in zip(items, answers):
        store.save_result(run_id, it.id, {"status": "ok", "output": str(answer)},
                          {"answer": {"value": float(answer == it.answer), "label": answer or "unparsed", "detail": {}}})


# --- statistics ------------------------------------------------------------------------------------

def test_mcnemar_is_scipys_exact_binomial():
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(1, 9) == pytest.approx(0.021484375)


def test_holm_adjusts_step_down_and_keeps_order():
    adjusted = holm([0.01, 0.04, 0.03, None])
    assert adjusted[:3] == pytest.approx([0.03, 0.06, 0.06]) and adjusted[3] is None
    assert holm([0.5]) == [0.5] and holm([]) == []
    assert holm([0.01, 0.9])[1] == 0.9  # never above 1, never below an earlier adjusted value


def test_tost_equivalence_within_a_margin():
    same = [0] * 200
    assert tost(same, 0.05) == 0.0  # no difference at all: equivalent
    small = [0] * 380 + [1] * 10 + [-1] * 10
    assert tost(small, 0.05) < 0.05
    big = [0] * 150 + [1] * 50
    assert tost(big, 0.05) > 0.5  # a +25% difference is not within 5%
    assert tost([1], 0.05) is None
    r = compare_pairs([Pair(f"i{i}", 1, 1) for i in range(50)], margin=0.05)
    assert r.equivalent is True and r.tost_p == 0.0


def test_derived_items_pair_with_their_source_and_resample_together():
    base = [{"id": "s1", "key": "s1", "value": 1.0, "answer": "A"}, {"id": "s2", "key": "s2", "value": 0.0, "answer": "B"}]
    probe = [{"id": f"s{k}~shuffle{j}", "key": f"s{k}", "value": v, "answer": a}
             for k, j, v, a in ((1, 1, 1.0, "A"), (1, 2, 0.0, "C"), (2, 1, 0.0, "B"), (2, 2, 1.0, "A"))]
    pairs = run_pairs(base, probe)
    assert len(pairs) == 4 and {p.key for p in pairs} == {"s1", "s2"}
    r = compare_pairs(pairs)
    assert (r.n, r.n_sources, r.right_to_wrong, r.wrong_to_right, r.answer_changed) == (4, 2, 1, 1, 2)
    assert r.diff == 0.0 and r.p_value == 1.0


# --- the command -----------------------------------------------------------------------------------

def test_compare_several_runs_against_a_base_with_holm_and_tost(tmp_path):
    store = Store(tmp_path)
    items = [item(i) for i in range(40)]
    save_run(store, "base", items, ["A"] * 30 + ["B"] * 10)
    save_run(store, "same", items, ["A"] * 30 + ["B"] * 10)
    save_run(store, "worse", items, ["B"] * 25 + ["A"] * 5 + ["B"] * 10)
    store.close()
    runner = CliRunner()
    result = runner.invoke(app, ["compare", "base", "same", "worse", "--margin", "0.05", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    same, worse = json.loads(result.output)["comparisons"]
    assert same["b"] == "same" and same["equivalent"] is True and same["p_holm"] == 1.0
    assert worse["diff"] == -25 / 40 and worse["right_to_wrong"] == 25 and worse["equivalent"] is False
    assert worse["p_holm"] == pytest.approx(min(1.0, 2 * worse["p_value"]))
    table = runner.invoke(app, ["compare", "base", "same", "worse", "--margin", "0.05", "--out", str(tmp_path)])
    assert table.exit_code == 0 and "p Holm" in table.output and "equivalent" in table.output
    two = runner.invoke(app, ["compare", "base", "same", "--margin", "0.05", "--out", str(tmp_path)])
    assert two.exit_code == 0 and "equivalent within ±5.0%" in two.output and ": yes" in two.output


def test_compare_a_grid_file_each_cell_against_its_base(tmp_path):
    store = Store(tmp_path)
    items = [item(i) for i in range(10)]
    for run_id, answers in (("g-cot", ["A"] * 8 + ["B"] * 2), ("g-direct", ["A"] * 5 + ["B"] * 5),
                            ("g-sc", ["A"] * 9 + ["B"])):
        save_run(store, run_id, items, answers)
    store.close()
    rows = [{"benchmark": "toy", "subset": None, "model": "m", "method": m, "run_id": f"g-{m}"} for m in ("cot", "direct", "sc")]
    grid = tmp_path / "grid.json"
    grid.write_text(json.dumps({"rows": rows}))
    runner = CliRunner()
    result = runner.invoke(app, ["compare", "--grid", str(grid), "--base", "direct", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    comparisons = json.loads(result.output)["comparisons"]
    assert [(c["a"], c["b"]) for c in comparisons] == [("g-direct", "g-cot"), ("g-direct", "g-sc")]
    assert all(c["p_holm"] >= c["p_value"] for c in comparisons)
    default = runner.invoke(app, ["compare", "--grid", str(grid), "--out", str(tmp_path), "--json"])
    assert [c["a"] for c in json.loads(default.output)["comparisons"]] == ["g-cot", "g-cot"]
    grid.write_text("{not json")
    broken = runner.invoke(app, ["compare", "--grid", str(grid), "--out", str(tmp_path)])
    assert broken.exit_code == 2 and "not a grid file" in broken.output


def test_crosslingual_agreement_for_a_known_translation_pair(tmp_path):
    assert known_pair("igakuqa", "igakuqa_en") and known_pair("mmlu_fr", "mmlu") and not known_pair("mmlu", "medqa")
    store = Store(tmp_path)
    ja = [item(i, benchmark="igakuqa", language="ja", id=f"112A{i}") for i in range(6)]
    en = [item(i, benchmark="igakuqa_en", id=f"112A{i}") for i in range(6)]
    save_run(store, "ja", ja, ["A", "A", "B", "C", None, "B"], benchmark="igakuqa")
    save_run(store, "en", en, ["A", "B", "B", "A", "A", "B"], benchmark="igakuqa_en")
    store.close()
    runner = CliRunner()
    result = runner.invoke(app, ["compare", "ja", "en", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    c = data["crosslingual"]
    assert (c["both_answered"], c["agreed"], c["both_right"], c["both_wrong_same_answer"]) == (5, 3, 1, 2)
    assert data["diff"] == pytest.approx(1 / 6)  # en 3/6 right, ja 2/6
    text = runner.invoke(app, ["compare", "ja", "en", "--out", str(tmp_path)])
    assert "same answer on 3 of 5" in text.output
    off = runner.invoke(app, ["compare", "ja", "en", "--no-crosslingual", "--out", str(tmp_path), "--json"])
    assert "crosslingual" not in json.loads(off.output)


def test_compare_bad_input_is_one_line(tmp_path):
    store = Store(tmp_path)
    save_run(store, "a", [item(0)], ["A"])
    save_run(store, "b", [item(0)], ["B"])
    store.close()
    runner = CliRunner()
    for args, message in ((["a"], "needs two runs"), (["a", "b", "--margin", "2"], "--margin 2.0"),
                          (["a", "b", "--margin", "nan"], "--margin"), (["a", "b", "--base", "x"], "--base is for --grid"),
                          (["a", "--grid", "g.json"], "not both"), (["--grid", str(tmp_path / "none.json")], "no such grid file")):
        result = runner.invoke(app, ["compare", *args, "--out", str(tmp_path)])
        assert result.exit_code == 2 and message in result.output, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
