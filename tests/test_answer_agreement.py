"""Agreement of clinreason's answer parsers with human-read labels of real and realistic responses.

The labelled set lives in tests/data/answers/ (dev, heldout, heldout2 ... heldout5 .jsonl; see its README.md
and docs/answers.md). heldout2 is a second held-out split, built after the parsers' second round by a
labeller who had not read the parsers; it is reported as its own split and counts in the asserted totals.

Every row is a model response to a medical exam item and the answer a careful human reader takes it
to commit to: a letter, a set of letters ("A,C"), yes/no/maybe, or null when the
response commits to no single answer. Labels were made by reading, never by running a parser.

Rows that quote published outputs keep no text here: `response_ref` points into the shared benchmark
data ({"source_file": <path under the data dir>, "record": <index>}) and the text is read at test time;
those rows are left out when the data is absent.

    python tests/test_answer_agreement.py            # the agreement table (failures shown with an excerpt)
    python tests/test_answer_agreement.py --markdown # the same, as Markdown for docs/answers.md

The agreement test is meant to fail until the parsers read these shapes: it is not marked xfail.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script
    sys.path.insert(0, str(HERE))

from conftest import shared_data_dir  # noqa: E402

from clinreason.errors import DataError  # noqa: E402
from clinreason.grading.parsers import parse_answer  # noqa: E402
from clinreason.items import AnswerFormat, Item, TaskType  # noqa: E402

ANSWERS = HERE / "data" / "answers"
FILES = ("dev", "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6", "heldout7", "heldout8")
FORMATS = ("letter", "letters", "yes_no_maybe")
# Splits whose failures are printed with their text: every split listed here has been promoted to development.
DEVELOPMENT = FILES
MIN_AGREEMENT = 0.99  # the target (issue 12): >= 99% and no wrong or false pick, on every split
# What the parsers reach today, asserted per split so that no change makes them worse. dev and heldout
# were developed against (the held-out file was promoted to a second development round); heldout2 and
# heldout3 were each built afterwards by a labeller who had not read the parsers, first measured fresh
# (heldout2 91.6%, 1 wrong, 2 false; heldout3 2026-12-02: 91/104, 1 wrong, 1 false), then promoted to
# development (heldout2 in round 3, heldout/heldout2/heldout3 all development in round 4). Round 4:
# 100/100/99.4/100%, no wrong or false pick anywhere. heldout4 (151 rows, a fourth fresh split by an
# independent labeller, built while round 4 was being written) was first measured fresh after round 4:
# 139/151 = 92.1%, 1 wrong pick, 3 false picks; it was promoted to development in round 5. Round 5:
# 100/100/99.4/100/100%, no wrong or false pick anywhere. heldout5 (128 rows, a fifth fresh split whose
# labeller was asked for shapes unlike the earlier ones: tables, checklists, ordinals, option numbers,
# hedges, double negatives, SmolLM2 self-consistency in zh) was first measured after round 5: 95/128 =
# 74.2%, no wrong pick, 11 false picks; it was promoted to development in round 6. Round 6 (general rules for
# its shapes: verdict tables and checklists, options named by position, hedges, "not X; it is Y", box tokens,
# bracketed glosses, letter loops, "all except C", withdrawn answer lines): 100/100/99.4/100/100/100%
# (heldout5 128/128), no wrong or false pick anywhere. heldout6 (120 rows by an independent labeller who ran
# no parser: 15 published, 29 SmolLM2, 76 authored; en, zh, ja, fr, hi, es, de, pt, ko, ar) was first
# measured after round 6: 94/120 = 78.3%, 1 wrong pick, 2 false picks (published 15/15, SmolLM2 27/29,
# authored 52/76); it was promoted to development in round 7. Round 7 (general rules for its shapes: option
# text with a one-letter slip or a spelling variant, a Chinese question stem echoed, Japanese/Chinese committing
# verbs, bold in prose, an answer row of a table, "between B and C, C is more likely", renumbered options, French
# guillemets, pt/ar answer phrases, Hindi option letters, letters opening the response or glossed in brackets,
# an options header echoed): 100/100/99.4/100/100/100/100% (heldout6 120/120), no wrong or false pick anywhere.
# heldout7 (113 rows, a seventh fresh split by an
# independent labeller: 10 published, 21 SmolLM2, 82 authored; 13 languages) was first measured after round 7:
# 86/113 = 76.1%, 1 wrong pick, 5 false picks (published 10/10, SmolLM2 20/21, authored 56/82); it was promoted
# to development in round 8. Round 8 (general rules for its shapes: undecided replies, "either B or E", a letter
# against the option its clause states, a numbered question of the model's own opening the response, ranked
# candidates, "which leaves A", German/Hindi/Vietnamese/Spanish lead-ins, options named by their words in short
# replies in ten languages, "None of the listed ..." for a "None of the above" option, "Correct: A, B, D" lines,
# French articles before option texts, an explanation reviewing the distractors): 100/100/99.4/100/100/100/100/100%
# (heldout7 113/113), no wrong or false pick anywhere.
# heldout8 (127 rows, an eighth fresh split weighted to common shapes and real outputs: 10 published, 62
# SmolLM2, 55 authored; 7 languages) was first measured after round 8: 119/127 = 93.7%, no wrong pick, 4 false
# picks (published 10/10, SmolLM2 59/62, authored 50/55); it was promoted to development in round 9. Round 9
# (general rules for its shapes: a loop of numbered steps whose conclusion differs from the last step, an
# earlier "no." not read as a correction, "B oder D – ...", "A: Yes / B: No" echoed, 也许/或许, a qualified bold
# diagnosis, options' texts glossed with their own letters after a plural copula, "a と c が正解"):
# heldout8 127/127, no wrong or false pick anywhere.
# (agreement, max wrong picks, max false picks)
FLOORS = {"dev": (0.995, 0, 0), "heldout": (0.997, 0, 0), "heldout2": (0.993, 0, 0), "heldout3": (0.99, 0, 0),
          "heldout4": (0.993, 0, 0), "heldout5": (1.0, 0, 0), "heldout6": (1.0, 0, 0), "heldout7": (1.0, 0, 0), "heldout8": (1.0, 0, 0)}


@dataclass
class Row:
    split: str
    raw: dict
    question: str
    options: dict[str, str]
    response: str

    @property
    def id(self) -> str:
        return self.raw["id"]

    @property
    def fmt(self) -> str:
        return self.raw["answer_format"]

    @property
    def human(self) -> str | None:
        return normalise(self.raw["human_answer"], self.fmt)


def normalise(answer: str | None, fmt: str) -> str | None:
    """Compare like with like: letter sets sorted and comma-joined, yes/no/maybe lower-case."""
    if answer is None:
        return None
    text = str(answer).strip()
    if not text:
        return None
    if fmt == "letters":
        return ",".join(sorted({x.strip().upper() for x in text.split(",") if x.strip()}))
    if fmt == "yes_no_maybe":
        return text.lower()
    return text.upper()


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:  # pragma: no cover - a broken file is a failing test
                raise AssertionError(f"{path.name}:{n}: not JSON: {e}") from None
    return rows


def raw_rows() -> dict[str, list[dict]]:
    return {split: read_jsonl(ANSWERS / f"{split}.jsonl") for split in FILES}


_RECORDS: dict[Path, list] = {}


def _record(data_dir: Path, ref: dict) -> dict | None:
    path = data_dir / ref["source_file"]
    if path not in _RECORDS:
        if not path.is_file():
            return None
        _RECORDS[path] = json.loads(path.read_text(encoding="utf-8"))
    records = _RECORDS[path]
    i = ref["record"]
    return records[i] if 0 <= i < len(records) else None


_ITEMS: dict[tuple[str, str], dict] = {}


def _item(data_dir: Path, ref: dict):
    """A benchmark item named by an item_ref, read from the shared data (benchmark data never lives
    in this repository: rows of our model's outputs point at the items they answered)."""
    from clinreason.data import load_items

    key = (ref["benchmark"], ref["subset"])
    if key not in _ITEMS:
        try:
            _ITEMS[key] = {i.id: i for i in load_items(*key, data_dir, hub=False)}
        except DataError:
            _ITEMS[key] = {}
    return _ITEMS[key].get(ref["item_id"])


def resolve(split: str, raw: dict, data_dir: Path | None) -> Row | None:
    """A row with its texts; None when it quotes shared data that is not there."""
    if "item_ref" in raw:
        item = _item(data_dir, raw["item_ref"]) if data_dir is not None else None
        if item is None:
            return None
        return Row(split, raw, item.question, dict(item.options), raw["response"])
    if "response_ref" not in raw:
        return Row(split, raw, raw["question"], dict(raw.get("options") or {}), raw["response"])
    if data_dir is None:
        return None
    rec = _record(data_dir, raw["response_ref"])
    if rec is None:
        return None
    text = rec.get("predicted_answer")
    text = text if isinstance(text, str) else ""
    return Row(split, raw, raw.get("question") or rec["question"], dict(raw.get("options") or rec["options"]), text)


def load_rows(data_dir: Path | None) -> tuple[list[Row], int]:
    """All rows that can be read; and how many were left out for want of the shared data."""
    rows, missing = [], 0
    for split, raws in raw_rows().items():
        for raw in raws:
            row = resolve(split, raw, data_dir)
            if row is None:
                missing += 1
            else:
                rows.append(row)
    return rows, missing


def build_item(row: Row) -> Item:
    fmt = row.fmt
    task = TaskType.yes_no_maybe if fmt == "yes_no_maybe" else TaskType.mcq
    gold = "yes" if fmt == "yes_no_maybe" else next(iter(row.options))
    return Item(id=row.id, benchmark="labelled", question=row.question, options=row.options, answer=gold,
                task=task, answer_format=AnswerFormat(fmt), language=row.raw.get("language") or "en")


@dataclass
class Outcome:
    row: Row
    parsed: str | None
    rule: str

    @property
    def kind(self) -> str:
        human, parsed = self.row.human, self.parsed
        if human == parsed:
            return "agree"
        if human is None:
            return "false_pick"  # the human reads no answer, the parser picks one
        if parsed is None:
            return "miss"  # the human reads an answer, the parser finds none
        return "wrong_pick"  # both have answers, different ones


def evaluate(rows: list[Row]) -> list[Outcome]:
    out = []
    for row in rows:
        ext = parse_answer(row.response, build_item(row))
        out.append(Outcome(row, normalise(ext.answer, row.fmt), ext.rule))
    return out


# ----------------------------------------------------------------------------- report

KINDS = ("agree", "miss", "wrong_pick", "false_pick")


def tally(outcomes: list[Outcome]) -> dict[str, int]:
    c = Counter(o.kind for o in outcomes)
    return {"n": len(outcomes), **{k: c.get(k, 0) for k in KINDS}}


def wilson_low(k: int, n: int, z: float = 1.96) -> float:
    if n == 0:
        return 0.0
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def table(title: str, groups: dict[str, list[Outcome]], markdown: bool) -> list[str]:
    head = (title, "n", "agree", "agreement", "miss", "wrong", "false pick")
    body = []
    for name, outs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        t = tally(outs)
        body.append((name, str(t["n"]), str(t["agree"]), f"{t['agree'] / t['n']:.1%}" if t["n"] else "-",
                     str(t["miss"]), str(t["wrong_pick"]), str(t["false_pick"])))
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in body]
        return lines + [""]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    fmt = lambda r: "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r))  # noqa: E731
    return [fmt(head), "  ".join("-" * w for w in widths), *map(fmt, body), ""]


def report(outcomes: list[Outcome], missing: int = 0, markdown: bool = False, show_failures: bool = True) -> str:
    t = tally(outcomes)
    lines = []
    agree = t["agree"] / t["n"] if t["n"] else 0.0
    lines.append(f"{t['n']} responses read ({missing} left out: shared data absent); "
                 f"agreement {t['agree']}/{t['n']} = {agree:.1%} (95% CI low {wilson_low(t['agree'], t['n']):.1%}); "
                 f"misses {t['miss']}, wrong picks {t['wrong_pick']}, false picks {t['false_pick']}")
    lines.append("")

    def by(key) -> dict[str, list[Outcome]]:
        g: dict[str, list[Outcome]] = defaultdict(list)
        for o in outcomes:
            g[key(o)].append(o)
        return g

    lines += table("split", by(lambda o: o.row.split), markdown)
    lines += table("source", by(lambda o: o.row.raw["source"]), markdown)
    lines += table("answer format", by(lambda o: o.row.fmt), markdown)
    lines += table("language", by(lambda o: o.row.raw["language"]), markdown)
    lines += table("shape", by(lambda o: o.row.raw["shape"]), markdown)
    lines += table("parser rule", by(lambda o: o.rule), markdown)
    lines += table("human label", by(lambda o: "null (no single answer)" if o.row.human is None else "an answer"), markdown)
    if show_failures:
        bad = [o for o in outcomes if o.kind != "agree"]
        lines.append(f"disagreements ({len(bad)}); rows of development splits are shown with an excerpt:")
        for o in sorted(bad, key=lambda o: (o.row.split, o.kind, o.row.raw["shape"], o.row.id)):
            r = o.row
            head = f"- [{r.split}] {o.kind}: {r.id} ({r.raw['shape']}, {r.raw['language']}, {r.fmt}) human={r.human} parser={o.parsed} rule={o.rule}"
            if r.split in DEVELOPMENT:
                excerpt = r.response if len(r.response) <= 300 else r.response[:150] + " [...] " + r.response[-150:]
                head += "\n    " + json.dumps(excerpt, ensure_ascii=False)
            lines.append(head)
    return "\n".join(lines)


# ----------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def data_dir(request) -> Path | None:
    """The shared benchmark data (via conftest's `shared_data` fixture), or None when it is absent."""
    try:
        return request.getfixturevalue("shared_data")
    except pytest.skip.Exception:
        return None


REQUIRED = ("id", "source", "answer_format", "human_answer", "language", "shape", "provenance")


def test_labelled_set_is_well_formed():
    raws = raw_rows()
    all_rows = [(s, r) for s, rs in raws.items() for r in rs]
    assert len(all_rows) >= 450
    ids = [r["id"] for _, r in all_rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    n_dev = len(raws["dev"])
    # the 40/60 split is dev vs heldout; the later fresh splits (heldout2, heldout3) stand apart
    assert 0.3 <= n_dev / (n_dev + len(raws["heldout"])) <= 0.5, "dev should be about 40% of dev + heldout"
    sources = Counter(r["source"] for _, r in all_rows)
    assert set(sources) == {"smollm2", "published", "authored"}
    assert sources["authored"] < len(all_rows) / 2, "written responses must not dominate the set"
    for split, r in all_rows:
        missing = [k for k in REQUIRED if k not in r]
        assert not missing, f"{r.get('id')}: missing {missing}"
        assert r["answer_format"] in FORMATS, r["id"]
        assert ("response" in r) != ("response_ref" in r), f"{r['id']}: give response or response_ref"
        if "response_ref" in r:
            assert set(r["response_ref"]) == {"source_file", "record"}, r["id"]
        elif "item_ref" in r:
            assert set(r["item_ref"]) == {"benchmark", "subset", "item_id"}, r["id"]
            assert "question" not in r and "options" not in r, f"{r['id']}: benchmark text stays in the shared data"
        else:
            assert r.get("question") and isinstance(r.get("options"), dict), r["id"]
        label = r["human_answer"]
        if label is None:
            continue
        opts = r.get("options")
        if r["answer_format"] == "yes_no_maybe":
            assert label in ("yes", "no", "maybe"), r["id"]
        elif r["answer_format"] == "letters":
            assert label == normalise(label, "letters"), f"{r['id']}: write letter sets sorted, like A,C"
            if opts:
                assert set(label.split(",")) <= set(opts), r["id"]
        else:
            assert len(label) == 1 and (not opts or label in opts), r["id"]
        if "response" in r and "item_ref" not in r:
            build_item(resolve(split, r, None))  # a valid Item


def test_shared_references_resolve(shared_data):
    refs = [r for rs in raw_rows().values() for r in rs if "response_ref" in r]
    assert refs
    for r in refs:
        rec = _record(shared_data, r["response_ref"])
        assert rec is not None and "predicted_answer" in rec, r["id"]
        row = resolve("x", r, shared_data)
        build_item(row)


def test_parsers_agree_with_human_labels_no_worse_than_today(data_dir):
    rows, missing = load_rows(data_dir)
    outcomes = evaluate(rows)
    summary = report(outcomes, missing, show_failures=False)
    for split, (agreement, wrong, false) in FLOORS.items():
        t = tally([o for o in outcomes if o.row.split == split])
        assert t["n"] and t["wrong_pick"] <= wrong and t["false_pick"] <= false and t["agree"] >= agreement * t["n"], (
            f"{split}: parsers read worse than before (run `python tests/test_answer_agreement.py` for the rows):\n"
            + summary)


if __name__ == "__main__":
    args = sys.argv[1:]
    data = shared_data_dir()
    data = data if (data / "medagentsbench").is_dir() else None
    rows, missing = load_rows(data)
    print(report(evaluate(rows), missing, markdown="--markdown" in args, show_failures="--no-failures" not in args))
