"""The knowledge graph on a small user graph in Hetionet's shapes: loading (and FILE:LINE: field
errors for broken files, before anything is built), per-process caching, linking rules, bounded
shortest paths and their sentences, the `kg_lookup` tool, and `kg_paths` recording its evidence."""

from __future__ import annotations

import asyncio
import gzip
import os

import pytest

from clinreason.errors import DataError
from clinreason.items import Item
from clinreason.knowledge.graph import graph_identity, load_graph
from clinreason.knowledge.graph_linking import normalise
from clinreason.knowledge.graph_paths import PathFinder, verbalise
from clinreason.methods import Context, build_method
from clinreason.models.gateway import Gateway
from clinreason.models.scripted import ScriptedModel
from clinreason.store import Store
from clinreason.tools import ToolError, build_tools
from clinreason.trace import Retrieval

NODES = """id\tname\tkind
C1\tMetformin\tCompound
C2\tPropranolol\tCompound
D1\ttype 2 diabetes mellitus\tDisease
D2\thypertension\tDisease
D3\tmigraine\tDisease
D4\tasthma\tDisease
S1\tNausea\tSymptom
S2\tPain\tSymptom
A1\theart\tAnatomy
G1\tBRCA1\tGene
G2\tCAT\tGene
"""
EDGES = """source\tmetaedge\ttarget
C1\tCtD\tD1
C2\tCtD\tD2
C2\tCtD\tD3
D3\tDpS\tS1
D1\tDrD\tD2
D1\tDaG\tG1
D4\tDaG\tG1
D2\tDlA\tA1
"""
METAEDGES = """metaedge\tabbreviation
Compound - treats - Disease\tCtD
Disease - presents - Symptom\tDpS
Disease - resembles - Disease\tDrD
Disease - associates - Gene\tDaG
Disease - localizes - Anatomy\tDlA
"""


def write_graph(directory, nodes=NODES, edges=EDGES, metaedges=METAEDGES, edges_name="edges.sif"):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "nodes.tsv").write_text(nodes)
    if edges_name.endswith(".gz"):
        (directory / edges_name).write_bytes(gzip.compress(edges.encode()))
    else:
        (directory / edges_name).write_text(edges)
    if metaedges is not None:
        (directory / "metaedges.tsv").write_text(metaedges)
    return directory


@pytest.fixture
def kg(tmp_path):
    return load_graph(str(write_graph(tmp_path / "toygraph")))


def test_a_user_graph_loads_with_readable_verbs(kg):
    assert kg.name == "toygraph" and kg.source == "kg:toygraph"
    assert kg.graph.number_of_nodes() == 11 and kg.graph.number_of_edges() == 8
    assert kg.node_name("D1") == "type 2 diabetes mellitus" and kg.kind("C1") == "Compound"
    assert kg.verb("CtD") == "treats"


def test_gzipped_sif_without_header_crlf_and_a_file_spec(tmp_path):
    edges = "C1\tCtD\tD1\r\nC2\tCtD\tD2\r\n"
    directory = write_graph(tmp_path / "g", nodes=NODES.replace("\n", "\r\n"), edges=edges, edges_name="e.sif.gz")
    kg = load_graph(str(directory / "e.sif.gz"))
    assert kg.graph.number_of_edges() == 2 and kg.node_name("D2") == "hypertension"


def test_graphs_are_cached_per_process_until_a_file_changes(tmp_path):
    directory = write_graph(tmp_path / "g")
    first = load_graph(str(directory))
    assert load_graph(str(directory)) is first
    assert first.linker is first.linker  # the name index is built once per graph
    identity = graph_identity(str(directory))
    (directory / "edges.sif").write_text(EDGES + "C1\tCtD\tD2\n")
    os.utime(directory / "edges.sif", ns=(1, 1))  # a new stamp even on coarse clocks
    second = load_graph(str(directory))
    assert second is not first and second.graph.number_of_edges() == 9
    assert graph_identity(str(directory)) != identity


@pytest.mark.parametrize("file, content, line, field", [
    ("nodes.tsv", NODES + "X9\tno kind here\n", 13, "kind"),
    ("nodes.tsv", NODES + "C1\tMetformin again\tCompound\n", 13, "id"),
    ("nodes.tsv", NODES + "X9\t\tCompound\n", 13, "name"),
    ("nodes.tsv", "identifier\tname\tkind\nC1\tMetformin\tCompound\n", 1, "id"),
    ("edges.sif", EDGES + "C1\tCtD\tD99\n", 10, "target"),
    ("edges.sif", EDGES + "Q1\tCtD\tD1\n", 10, "source"),
    ("edges.sif", EDGES + "C1\tXyZ\tD1\n", 10, "metaedge"),
    ("edges.sif", EDGES + "C1\tCtD\n", 10, "target"),
    ("metaedges.tsv", METAEDGES + "treats\tCtD2\n", 7, "metaedge"),
])
def test_a_broken_user_graph_names_file_line_and_field(tmp_path, file, content, line, field):
    directory = write_graph(tmp_path / "broken")
    (directory / file).write_text(content)
    with pytest.raises(DataError) as e:
        load_graph(str(directory))
    assert str(e.value).startswith(f"{directory / file}:{line}: field '{field}': ")


def test_bad_specs_and_unreadable_files_are_clear_errors(tmp_path):
    with pytest.raises(DataError, match="no such knowledge graph"):
        load_graph(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="expected exactly one nodes TSV"):
        load_graph(str(tmp_path / "empty"))
    directory = write_graph(tmp_path / "g", edges_name="edges.sif.gz")
    (directory / "edges.sif.gz").write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match="edges.sif.gz: cannot be read"):
        load_graph(str(directory))
    (directory / "edges.sif.gz").write_bytes(gzip.compress(b"C1\tCtD\t\xff\xfe\n"))
    with pytest.raises(DataError, match=r"edges.sif.gz:1: is not valid UTF-8"):
        load_graph(str(directory))


def test_linking_normalises_and_prefers_the_longest_name(kg):
    assert normalise("Alzheimer's diseases") == normalise("alzheimer disease")
    text = "Known TYPE 2 DIABETES MELLITUS, hypertension; takes metformin. Migraines with nausea."
    linked = {m.text: m.nodes for m in kg.link(text)}
    assert linked == {"TYPE 2 DIABETES MELLITUS": ("D1",), "hypertension": ("D2",), "metformin": ("C1",),
                      "Migraines": ("D3",), "nausea": ("S1",)}


def test_common_words_bare_organs_and_lowercase_gene_symbols_do_not_link(kg):
    text = "The cat had pain in the heart region; the CAT scan was normal. BRCA1 was tested."
    assert [(m.text, m.nodes) for m in kg.link(text)] == [("BRCA1", ("G1",))]  # CAT is a stop symbol


def test_paths_are_shortest_bounded_and_avoid_gene_interiors(kg):
    finder = PathFinder(kg, max_hops=3)
    (path,) = finder.between("S1", "C2")
    assert verbalise(kg, path) == "Nausea ←presents— migraine ←treats— Propranolol"
    assert path.id == "S1 <-DpS- D3 <-CtD- C2" and path.hops == 2
    assert [verbalise(kg, p) for p in finder.between("C1", "C2")] == [
        "Metformin —treats→ type 2 diabetes mellitus —resembles→ hypertension ←treats— Propranolol"]
    assert PathFinder(kg, max_hops=2).between("C1", "C2") == []  # three hops needed
    assert finder.between("D4", "D1") == []  # only through a gene
    assert [verbalise(kg, p) for p in finder.between("D4", "G1")] == ["asthma —associates→ BRCA1"]  # an endpoint may be a gene


def test_kg_lookup_tool_bounded_output_and_clear_errors(kg):
    tool = build_tools(["kg_lookup"])["kg_lookup"]
    with pytest.raises(ToolError, match="no knowledge graph is open"):
        tool.run({"entity": "metformin"})
    tool.bind(graph=kg, retriever=None)
    text = tool.run({"entity": "Propranolol"})
    assert text.splitlines()[0] == "Propranolol = Propranolol (Compound, C2)"
    assert "—treats→ Disease: hypertension, migraine" in text
    assert tool.run({"entity": "hypertension", "relation": "treats"}).splitlines()[1] == "←treats— Compound: Propranolol"
    assert "hypertension" in tool.run({"entity": "untreated hypertensions"})  # the name inside the phrase
    with pytest.raises(ToolError, match="no entity named 'unobtainium'"):
        tool.run({"entity": "unobtainium"})
    with pytest.raises(ToolError, match="no 'eats' relation; it has: treats"):
        tool.run({"entity": "metformin", "relation": "eats"})
    for bad in ({}, {"entity": ""}, {"entity": 3}, {"entity": "x" * 500}, {"entity": "a", "depth": 2}):
        with pytest.raises(ToolError):
            tool.run(bad)


ITEM = Item(id="q1", benchmark="toy", question="A woman with migraines and nausea. Which drug prevents the attacks?",
            options={"A": "Propranolol", "B": "Metformin", "C": "Reassurance"}, answer="A")


def run_kg_paths(kg, tmp_path, item=ITEM, **params):
    prompts = []

    def reply(messages, sampling, i):
        prompts.append(messages[-1].content)
        return "Propranolol prevents migraine.\nANSWER: A"

    lm = Gateway(ScriptedModel(reply), Store(tmp_path / "store")).for_item(item.id)
    ctx = Context(item=item, lms={"model": lm}, trace=lm.trace, graph=kg)
    prediction = asyncio.run(build_method("kg_paths", params)(item, ctx))
    return prediction, lm.trace, prompts


def test_kg_paths_shows_paths_per_option_and_records_them_in_the_trace(kg, tmp_path):
    prediction, trace, prompts = run_kg_paths(kg, tmp_path)
    assert "  - migraine ←treats— Propranolol" in prompts[0]
    assert "C. Reassurance\n  - (no path found)" in prompts[0]
    events = [e for e in trace if isinstance(e, Retrieval)]
    assert events and all(e.source == "kg:toygraph" for e in events)
    assert {e.query for e in events} >= {"migraine (Disease) | Propranolol (Compound)", "Nausea (Symptom) | Propranolol (Compound)"}
    for event in events:
        assert len(event.doc_ids) == len(event.passages) >= 1
    assert prediction.info["kg_paths"]["A"] >= 2 and prediction.info["kg_paths"]["C"] == 0
    assert prediction.info["kg_option_entities"] == {"A": ["Propranolol"], "B": ["Metformin"], "C": []}
    assert len(trace.model_calls()) == 1


def test_kg_paths_bounds_and_needs_a_graph(kg, tmp_path):
    prediction, _, _ = run_kg_paths(kg, tmp_path, paths_per_option=1, max_hops=1)
    assert prediction.info["kg_paths"] == {"A": 1, "B": 0, "C": 0}
    with pytest.raises(ValueError, match="needs a knowledge graph"):
        run_kg_paths(None, tmp_path)
    with pytest.raises(ValueError, match="max_hops"):
        build_method("kg_paths", {"max_hops": 9})


def test_cli_broken_graph_fails_with_file_and_line_before_writing(tmp_path):
    import subprocess
    import sys

    directory = write_graph(tmp_path / "g", edges=EDGES + "C1\tCtD\tD99\n")
    items = tmp_path / "items.jsonl"
    items.write_text('{"question": "Migraine prevention?", "options": {"A": "Propranolol", "B": "Rest"}, "answer": "A"}\n')
    proc = subprocess.run([sys.executable, "-m", "clinreason", "run", str(items), "--method", "kg_paths", "--graph",
                           str(directory), "--out", str(tmp_path / "results")], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert f"{directory / 'edges.sif'}:10: field 'target'" in proc.stderr.replace("\n", "")
    assert not (tmp_path / "results").exists()
