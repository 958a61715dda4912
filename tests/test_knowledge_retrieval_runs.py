"""The retrieval methods in runs: passages in the trace and the report, the corpus identity in the run
id only for methods that read it, the http retriever against a real local server (secrets never
recorded), a broken corpus stopping `clinreason run` before anything is written, and the embedded
model running `rag` and `i_medrag` end to end."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from clinreason import engine
from clinreason.items import Item
from clinreason.knowledge import RetrievalError, build_retriever, retriever_identity
from clinreason.methods import build_method
from clinreason.methods.i_medrag import follow_up_queries
from clinreason.models.scripted import ScriptedModel
from clinreason.report import build_report
from clinreason.store import Store
from clinreason.trace import Retrieval, parse_event

EVIL = "<script>alert(1)</script> potassium"
DOCS = [{"id": "hk", "title": "Hyperkalemia", "text": f"High potassium gives peaked T waves. {EVIL}"},
        {"id": "mi", "title": "Infarction", "text": "ST elevation and chest pain."}]
ITEMS = [Item(id=f"q{i}", benchmark="toy", question="Which ECG sign goes with high potassium?",
              options={"A": "peaked T waves", "B": "delta wave"}, answer="A") for i in range(2)]


@pytest.fixture
def corpus(tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # indexes land in a fresh cache
    path = tmp_path / "notes.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    return str(path)


def run(method, corpus, tmp_path, replies, **plan):
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec="scripted", method=build_method(method),
                          items=ITEMS, corpora=(corpus,), **plan)
    store = Store(tmp_path / "results")
    summary = asyncio.run(engine.execute(plan, ScriptedModel(replies), store))
    return store, summary["run_id"], store.predictions(summary["run_id"])


def retrievals(pred) -> list[dict]:
    return [e for e in pred["trace"] if e.get("type") == "retrieval"]


def test_rag_stores_passages_and_the_report_shows_them_as_text(corpus, tmp_path):
    store, run_id, preds = run("rag", corpus, tmp_path, ["Peaked T waves [P1].\nANSWER: A"])
    assert len(preds) == 2
    for pred in preds:
        (event,) = retrievals(pred)
        assert event["source"] == "notes" and event["doc_ids"][0] == "notes:hk"
        assert EVIL in event["passages"][0] and len(event["scores"]) == len(event["doc_ids"])
        assert pred["info"]["cited"] == ["notes:hk"]
    html = build_report(store, [run_id])
    assert "notes:hk" in html and "peaked T waves" in html
    assert "<script>alert(1)" not in html  # passage text is data, never markup


def test_i_medrag_searches_each_follow_up_query(corpus, tmp_path):
    replies = ["QUERY: ST elevation\nQUERY: potassium ECG", "QUERY: chest pain", "Answer [P2]\nANSWER: A"]
    _, _, preds = run("i_medrag", corpus, tmp_path, replies, seed=0)
    for pred in preds:
        queries = [e["query"] for e in retrievals(pred)]
        assert len(queries) >= 2 and queries[1:3] == ["ST elevation", "potassium ECG"]
        assert pred["info"]["queries"][:2] == ["ST elevation", "potassium ECG"]
        assert set(pred["info"]["passages"]) <= {"notes:hk", "notes:mi"}


def test_tools_method_searches_the_runs_corpus(corpus, tmp_path):
    call = '<tool_call>{"name": "search", "arguments": {"query": "potassium", "k": 1}}</tool_call>'
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec="scripted", items=ITEMS[:1], corpora=(corpus,),
                          method=build_method("tools", {"tools": ["calculator", "search"]}))
    store = Store(tmp_path / "results")
    run_id = asyncio.run(engine.execute(plan, ScriptedModel([call, "ANSWER: A"]), store))["run_id"]
    (pred,) = store.predictions(run_id)
    (use,) = [e for e in pred["trace"] if e.get("type") == "tool"]
    assert use["name"] == "search", use
    assert use["error"] is None, use["error"]
    assert use["result"].startswith("[notes:hk] Hyperkalemia:") and not use["error"]
    assert store.get_run(run_id)["config"]["corpora"][0]["corpus"] == "notes"


def test_follow_up_queries_are_read_leniently():
    assert follow_up_queries("1. Query: a\n- QUERY 2: b\nsearch: c", 2) == ["a", "b"]
    assert follow_up_queries("I would look up potassium.", 3) == ["I would look up potassium."]
    assert follow_up_queries("", 3) == []


def test_corpus_identity_enters_the_run_id_only_for_methods_that_read_it(corpus, tmp_path):
    model = ScriptedModel(["ANSWER: A"])
    cot = engine.RunPlan(benchmark="toy", subset=None, model_spec="scripted", method=build_method("cot"), items=ITEMS)
    cot_with_corpus = engine.RunPlan(benchmark="toy", subset=None, model_spec="scripted",
                                     method=build_method("cot"), items=ITEMS, corpora=(corpus,))
    assert cot.run_id(model) == cot_with_corpus.run_id(model) and "corpora" not in cot.config(model)
    rag = engine.RunPlan(benchmark="toy", subset=None, model_spec="scripted", method=build_method("rag"),
                         items=ITEMS, corpora=(corpus,))
    before = rag.run_id(model)
    assert rag.config(model)["corpora"][0]["corpus"] == "notes"
    Path(corpus).write_text(json.dumps(DOCS[0]) + "\n")
    changed = engine.RunPlan(benchmark="toy", subset=None, model_spec="scripted", method=build_method("rag"),
                             items=ITEMS, corpora=(corpus,))
    assert changed.run_id(model) != before


def test_old_retrieval_events_still_parse():
    event = parse_event({"type": "retrieval", "source": "pubmed", "query": "q", "doc_ids": ["1"], "scores": [1.0]})
    assert isinstance(event, Retrieval) and event.passages == []


class _Search(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if "slow" in body["query"]:
            time.sleep(1.0)
        if "broken" in body["query"]:
            payload = b"not json"
        else:
            payload = json.dumps({"passages": [{"id": f"d{n}", "text": f"{body['query']} {n}", "score": 1 - n / 10}
                                               for n in range(body["k"])]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def search_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Search)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://reader:s3cret@127.0.0.1:{server.server_address[1]}/search?api_key=topsecret"
    server.shutdown()
    server.server_close()


def test_http_retriever_reads_passages_and_never_records_its_secrets(search_url):
    retriever = build_retriever([search_url])
    hits = retriever.search("potassium", 2)
    assert [h.text for h in hits] == ["potassium 0", "potassium 1"] and hits[0].id == "http:127.0.0.1:d0"
    identity = json.dumps(retriever_identity([search_url]))
    assert "s3cret" not in identity and "topsecret" not in identity and "127.0.0.1" in identity
    with pytest.raises(RetrievalError, match="not JSON") as e:
        retriever.search("broken", 1)
    assert "s3cret" not in str(e.value) and "topsecret" not in str(e.value)
    retriever.client.timeout = __import__("httpx").Timeout(0.2)
    started = time.perf_counter()
    with pytest.raises(RetrievalError, match="Timeout"):
        retriever.search("slow", 1)
    assert time.perf_counter() - started < 1.5  # a timeout and one retry, not a hang


def test_http_retriever_fused_with_a_corpus(search_url, corpus, tmp_path):
    store, run_id, preds = run("rag", f"{corpus},{search_url}", tmp_path, ["ANSWER: A"])
    config = store.get_run(run_id)["config"]
    assert [c["kind"] for c in config["corpora"]] == ["bm25", "http"]
    assert "s3cret" not in json.dumps(config) and "s3cret" not in json.dumps(preds)
    assert {i.split(":")[0] for i in retrievals(preds[0])[0]["doc_ids"]} == {"notes", "http"}


def clinreason(*args, cwd, env=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "clinreason", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, env={**os.environ, **(env or {})})


def test_cli_broken_corpus_fails_with_file_and_line_before_writing(tmp_path):
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"question": "Q?", "options": {"A": "a", "B": "b"}, "answer": "A"}) + "\n")
    broken = tmp_path / "corpus.jsonl"
    broken.write_text('{"id": "a", "text": "fine"}\n{"id": "b"}\n')
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    proc = clinreason("run", items, "--method", "rag", "--model", "scripted", "--corpus", broken,
                      "--out", tmp_path / "results", cwd=tmp_path, env=env)
    assert proc.returncode == 2, proc.stderr
    assert f"{broken}:2: field 'text'" in proc.stderr.replace("\n", "")
    assert not (tmp_path / "results").exists()
    assert not (tmp_path / "xdg" / "clinreason" / "indexes").exists() or \
        not any((tmp_path / "xdg" / "clinreason" / "indexes").iterdir())


@pytest.mark.model
@pytest.mark.parametrize("method", ["rag", "i_medrag"])
def test_embedded_model_runs_retrieval_methods(method, shared_data, tmp_path):
    env = {"CLINREASON_DATA": str(shared_data)}
    out = tmp_path / "results"
    proc = clinreason("run", "medqa", "--subset", "test_hard", "-n", "2", "--method", method,
                      "-p", "max_tokens=48", "--out", out, "--json", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    store = Store(out)
    (run,) = store.list_runs()
    assert run["config"]["corpora"][0]["corpus"] == "medquad"
    for pred in store.predictions(run["id"]):
        events = retrievals(pred)
        assert events and events[0]["doc_ids"][0].startswith("medquad:") and events[0]["passages"]
    report = clinreason("report", run["id"], "--results", out, "--output", tmp_path / "r.html", cwd=tmp_path, env=env)
    assert report.returncode == 0, report.stderr
    assert '"passages"' in (tmp_path / "r.html").read_text()
