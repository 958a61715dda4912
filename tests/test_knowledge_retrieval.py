"""Corpora, the on-disk bm25s index (built once, reused, rebuilt when the corpus changes, never left
partial), reciprocal-rank fusion, and the `search` tool. Runs of the retrieval methods are in
test_knowledge_retrieval_runs.py."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from clinreason.errors import DataError
from clinreason.knowledge.topk import top_k
from clinreason.knowledge import (Passage, build_retriever, parse_spec, retriever_identity, split_specs)
from clinreason.knowledge.corpus import chunk, resolve
from clinreason.knowledge.fusion import FusedRetriever
from clinreason.tools import ToolError, build_tools

DOCS = [
    {"id": "hk", "title": "Hyperkalemia", "text": "Hyperkalemia is a high potassium level; it causes peaked T waves."},
    {"id": "dka", "title": "Diabetic ketoacidosis", "text": "DKA presents with ketones, acidosis and hyperglycemia."},
    {"id": "mi", "title": "Myocardial infarction", "text": "Chest pain with ST elevation suggests an infarction."},
]


def write_jsonl(path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def indexes(cache):
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_index_is_built_once_then_loaded(tmp_path):
    corpus = write_jsonl(tmp_path / "notes.jsonl", DOCS)
    cache = tmp_path / "cache"
    first = build_retriever([corpus], cache_dir=cache)
    assert first.built and len(first) == 3
    second = build_retriever([corpus], cache_dir=cache)
    assert not second.built and second.directory == first.directory  # loaded, not rebuilt
    hits = second.search("potassium peaked T waves", 2)
    assert hits[0].id == "notes:hk" and hits[0].title == "Hyperkalemia" and hits[0].score > 0
    assert indexes(cache) == [first.directory.name]


def test_changed_corpus_gets_a_new_index(tmp_path):
    path = tmp_path / "notes.jsonl"
    cache = tmp_path / "cache"
    old = build_retriever([write_jsonl(path, DOCS)], cache_dir=cache)
    key_before = retriever_identity([str(path)])[0]["key"]
    new = build_retriever([write_jsonl(path, DOCS + [{"id": "pe", "text": "Pulmonary embolism: dyspnea."}])],
                          cache_dir=cache)
    assert new.built and new.directory != old.directory and len(new) == 4
    assert retriever_identity([str(path)])[0]["key"] != key_before
    assert new.search("pulmonary embolism", 1)[0].id == "notes:pe"


@pytest.mark.parametrize("name,content,where", [
    ("bad.jsonl", '{"id": "a", "text": "fine"}\n{"id": "b", "text": "ok"}\n{"id": "c", "text": \n', "bad.jsonl:3"),
    ("bad.jsonl", '{"id": "a", "text": "fine"}\n\n{"id": "b", "title": "no text"}\n', "bad.jsonl:3: field 'text'"),
    ("bad.jsonl", '{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', "bad.jsonl:2: field 'id'"),
    ("bad.csv", 'id,title,text\n1,One,first passage\n2,Two,\n', "bad.csv:3: field 'text'"),
    ("bad.csv", 'id,body\n1,first\n', "bad.csv:1: field 'text'"),
    ("bad.json", '[{"text": "ok"}, {"text": 5}]', "bad.json:2: field 'text'"),
])
def test_a_broken_record_names_file_and_line_and_leaves_no_index(tmp_path, name, content, where):
    (tmp_path / name).write_text(content)
    cache = tmp_path / "cache"
    with pytest.raises(DataError) as e:
        build_retriever([str(tmp_path / name)], cache_dir=cache)
    assert where in str(e.value)
    assert indexes(cache) == []  # nothing partial, not even a temporary folder


def test_folder_and_csv_corpora(tmp_path):
    folder = tmp_path / "guidelines"
    (folder / "cardio").mkdir(parents=True)
    (folder / "cardio" / "afib.md").write_text("Atrial fibrillation: anticoagulate by CHA2DS2-VASc score.")
    (folder / "sepsis.txt").write_text("Sepsis: give antibiotics within one hour.")
    retriever = build_retriever([str(folder)], cache_dir=tmp_path / "cache")
    assert retriever.search("antibiotics hour", 1)[0].id == "guidelines:sepsis"
    assert retriever.search("anticoagulate", 1)[0].id == "guidelines:cardio/afib"
    (tmp_path / "t.csv").write_text('id,title,text\n7,Gout,"Gout: urate crystals,\nneedle-shaped"\n')
    assert build_retriever([str(tmp_path / "t.csv")], cache_dir=tmp_path / "cache").search("urate", 1)[0].id == "t:7"


def test_chunking_gives_stable_ids():
    assert [p.id for p in chunk("c:d", "T", "word " * 10, max_words=4)] == ["c:d#1", "c:d#2", "c:d#3"]
    assert [p.id for p in chunk("c:d", "T", "short text", max_words=4)] == ["c:d"]


def test_specs(tmp_path):
    assert split_specs(["medquad, a.jsonl", "b.csv", "medquad"]) == ["medquad", "a.jsonl", "b.csv"]
    assert parse_spec("https://user:key@search.example/q") == ("http", "https://user:key@search.example/q")
    assert parse_spec("bm25:notes.jsonl") == ("bm25", "notes.jsonl")
    assert parse_spec("notes.jsonl") == ("bm25", "notes.jsonl")
    with pytest.raises(FileNotFoundError, match="no such file"):
        resolve(str(tmp_path / "missing.jsonl"))


@pytest.mark.slow
def test_medquad_is_read_from_its_archive(shared_data, tmp_path):
    retriever = build_retriever(["medquad"], data_dir=shared_data, cache_dir=tmp_path / "cache")
    assert len(retriever) > 16_000  # 16k question-answer pairs, long answers split
    hits = retriever.search("symptoms of adult acute lymphoblastic leukemia", 3)
    assert hits and all(h.id.startswith("medquad:") for h in hits)
    assert any("leukemia" in h.text.lower() for h in hits)


@dataclass
class Fixed:
    name: str
    ids: list[str]

    def search(self, query, k):
        return [Passage(id=i, text=i, score=10.0 - n) for n, i in enumerate(self.ids[:k])]


def test_reciprocal_rank_fusion():
    fused = FusedRetriever([Fixed("a", ["x", "y", "z"]), Fixed("b", ["y", "w", "x"])])
    hits = fused.search("q", 3)
    assert [h.id for h in hits] == ["y", "x", "w"]  # y: ranks 2+1, x: 1+3, w: 2
    assert hits[0].score == pytest.approx(1 / 62 + 1 / 61)
    assert fused.name == "a+b"


def test_several_corpora_are_fused(tmp_path):
    one = write_jsonl(tmp_path / "one.jsonl", DOCS[:2])
    two = write_jsonl(tmp_path / "two.jsonl", DOCS[2:])
    retriever = build_retriever([f"{one},{two}"], cache_dir=tmp_path / "cache")
    assert retriever.name == "one+two"
    assert {h.id for h in retriever.search("potassium infarction", 5)} == {"one:hk", "two:mi"}


def test_search_tool_reports_bad_calls_to_the_model(tmp_path):
    tool = build_tools(["search"])["search"]
    with pytest.raises(ToolError, match="no corpus"):
        tool.run({"query": "potassium"})
    tool.bind(retriever=build_retriever([write_jsonl(tmp_path / "n.jsonl", DOCS)], cache_dir=tmp_path / "c"))
    assert "[n:hk] Hyperkalemia:" in tool.run({"query": "potassium", "k": 1})
    for bad in ({"query": ""}, {"query": "x", "k": 0}, {"query": "x", "k": True}, {"q": "x"}):
        with pytest.raises(ToolError):
            tool.run(bad)
    assert "no passages" in tool.run({"query": "zzzz"})


def test_sparse_scoring_matches_bm25s(tmp_path):
    records = [{"id": str(n), "text": " ".join(f"w{(n * 7 + j) % 23}" for j in range(n % 9 + 3))} for n in range(200)]
    retriever = build_retriever([write_jsonl(tmp_path / "syn.jsonl", records)], cache_dir=tmp_path / "cache")
    for query in ("w1 w5", "w3 w3 w7 w11", "w22"):
        ids = [retriever.vocab[t] for t in query.split()]
        dense = retriever.bm25.get_scores_from_ids(ids)
        docs, scores = top_k(retriever._postings(), ids, len(retriever), len(retriever))
        assert set(docs.tolist()) == set(map(int, dense.nonzero()[0]))
        assert scores == pytest.approx(dense[docs], rel=1e-5)
        assert retriever.search(query, 3)[0].score == pytest.approx(float(dense.max()), rel=1e-5)


def test_maxscore_pruning_gives_the_exhaustive_top_k(tmp_path, monkeypatch):
    """Zipf-shaped text (a few words in nearly every passage, a long tail): the pruned top k has the
    same scores as scoring every document, for queries mixing common and rare words."""
    import numpy as np

    from clinreason.knowledge import topk

    monkeypatch.setattr(topk, "SEED_POSTINGS", 50)  # small corpus: force the pruned path
    rng = np.random.default_rng(3)
    weights = 1.0 / np.arange(1, 401)
    words = rng.choice(400, size=(3000, 30), p=weights / weights.sum())
    records = [{"id": str(i), "text": " ".join(f"t{w}" for w in row)} for i, row in enumerate(words)]
    retriever = build_retriever([write_jsonl(tmp_path / "zipf.jsonl", records)], cache_dir=tmp_path / "cache")
    assert (retriever.directory / "term_max.npy").is_file()
    vocab = sorted(retriever.vocab.values())
    for n in range(60):
        ids = [int(rng.choice(vocab[:15])) for _ in range(rng.integers(1, 6))]  # common words
        ids += [int(rng.choice(vocab)) for _ in range(rng.integers(0, 4))]  # any words
        k = int(rng.choice([1, 3, 10]))
        dense = retriever.bm25.get_scores_from_ids(ids)
        expected = np.sort(dense[dense > 0])[::-1][:k]
        _, scores = top_k(retriever._postings(), ids, k, len(retriever))
        assert scores == pytest.approx(expected, rel=1e-5), f"query {n}"


