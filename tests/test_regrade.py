"""`clinreason regrade`: scores of an older scorer version are redone, current ones are not."""

from __future__ import annotations

from conftest import make_item
from typer.testing import CliRunner

from clinreason.cli import app
from clinreason.grading.scorers import SCORERS
from clinreason.results import Score
from clinreason.store import Store

ITEMS = [make_item(i, answer="A") for i in range(3)]
RUN = {"id": "toy-regrade", "benchmark": "toy", "model": "scripted", "model_identity": "scripted:x",
       "method": "direct", "config": {"method": {}}}  # no "scorers": an old run, graded by "answer"


def test_regrade_redoes_only_stale_scores(tmp_path):
    current = SCORERS.get("answer").version
    store = Store(tmp_path)
    store.start_run(RUN, ITEMS)
    # Both stored scores are wrong on purpose (the output is right): only the stale one may change.
    wrong = {"value": 0.0, "label": "X", "detail": {"rule": "format", "strict": True}}
    store.save_result(RUN["id"], "q0", {"status": "ok", "output": "ANSWER: A"}, {"answer": {**wrong, "version": "0"}})
    store.save_result(RUN["id"], "q1", {"status": "ok", "output": "ANSWER: A"},
                      {"answer": Score(**wrong, version=current)})
    store.save_result(RUN["id"], "q2", {"status": "error", "output": None, "error": "boom"}, {"answer": wrong})
    assert store.stale_scores(RUN["id"], "answer", current) == ["q0", "q2"]
    store.close()

    result = CliRunner().invoke(app, ["regrade", "toy-re", "--out", str(tmp_path)])  # a unique prefix
    assert result.exit_code == 0, result.output
    assert "answer: 2 stale" in result.output and "accuracy 33.3%" in result.output
    store = Store(tmp_path)
    scores = {s["item_id"]: s for s in store.scores(RUN["id"], "answer")}
    assert (scores["q0"]["value"], scores["q0"]["label"], scores["q0"]["version"]) == (1.0, "A", current)
    assert (scores["q1"]["value"], scores["q1"]["label"]) == (0.0, "X")  # current version: untouched
    assert (scores["q2"]["label"], scores["q2"]["version"]) == ("error", current)
    assert store.stale_scores(RUN["id"], "answer", current) == []
    assert store.get_run(RUN["id"])["summary"]["accuracy"] == 1 / 3
    assert (tmp_path / "runs" / f"{RUN['id']}.json").is_file()
    store.close()

    result = CliRunner().invoke(app, ["regrade", RUN["id"], "--all", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert {s["item_id"]: s["value"] for s in Store(tmp_path).scores(RUN["id"], "answer")} == \
        {"q0": 1.0, "q1": 1.0, "q2": 0.0}
