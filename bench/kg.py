"""Knowledge graph: Hetionet load time (fresh process each round), then per MedQA item the entity
linking (question + options) and the path search + sentences of `kg_paths` (target < 50 ms per
item for paths), and how often an item gets any path at all.

    python bench/kg.py                    # 100 MedQA test_hard items, 3 rounds
    python bench/kg.py --items 20 --rounds 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA, median, table, write_result  # noqa: E402

from clinreason.data import load_items  # noqa: E402
from clinreason.knowledge.graph import load_graph  # noqa: E402
from clinreason.knowledge.graph_evidence import entity_nodes, option_evidence  # noqa: E402
from clinreason.knowledge.graph_paths import PathFinder, verbalise  # noqa: E402

COLD_LOAD = """
import json, time
t0 = time.perf_counter()
from clinreason.knowledge.graph import load_graph
t1 = time.perf_counter()
kg = load_graph("hetionet", {data!r})
t2 = time.perf_counter()
kg.linker
t3 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "load_s": t2 - t1, "name_index_s": t3 - t2,
                  "nodes": kg.graph.number_of_nodes(), "edges": kg.graph.number_of_edges(), "names": len(kg.linker)}}))
"""


def cold_load(rounds: int) -> dict:
    runs = [json.loads(subprocess.run([sys.executable, "-c", COLD_LOAD.format(data=DATA)], capture_output=True,
                                      text=True, check=True).stdout) for _ in range(rounds)]
    out = {key: round(median(r[key] for r in runs), 3) for key in ("import_s", "load_s", "name_index_s")}
    return {**out, "rounds": runs, **{k: runs[0][k] for k in ("nodes", "edges", "names")}}


def per_item(kg, items, max_hops: int) -> dict:
    """Link and path times per item, measured apart (as kg_paths does them: one finder per item)."""
    link_ms, path_ms = [], []
    for item in items:
        started = time.perf_counter()
        sources = entity_nodes(kg, kg.link(item.question), 12)
        targets = {letter: entity_nodes(kg, kg.link(text)) for letter, text in item.options.items()}
        linked = time.perf_counter()
        finder = PathFinder(kg, max_hops)
        for nodes in targets.values():
            for path in finder.paths(sources, [n for n in nodes if n not in sources], 2):
                verbalise(kg, path)
        link_ms.append((linked - started) * 1000)
        path_ms.append((time.perf_counter() - linked) * 1000)
    return {"link_ms": link_ms, "path_ms": path_ms}


def coverage(kg, items, max_hops: int) -> dict:
    evidence = [option_evidence(kg, item.question, item.options, max_hops=max_hops) for item in items]
    options = [o for item in evidence for o in item]
    return {"items_with_a_path": sum(any(o.sentences for o in item) for item in evidence) / len(items),
            "options_linked": sum(bool(o.entities) for o in options) / len(options),
            "options_with_a_path": sum(bool(o.sentences) for o in options) / len(options),
            "paths_per_item": sum(len(o.sentences) for o in options) / len(items)}


def summarise(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"mean": round(statistics.fmean(values), 2), "median": round(statistics.median(values), 2),
            "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 2), "max": round(ordered[-1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    load = cold_load(args.rounds)
    kg = load_graph("hetionet", DATA)
    kg.linker
    items = load_items("medqa", "test_hard", DATA)[: args.items]
    rows = []
    for hops in (3, 2):
        rounds = [per_item(kg, items, hops) for _ in range(args.rounds)]
        # Per item, the median over rounds (shared machines are noisy), then mean / p95 / max over items.
        link = [median(r["link_ms"][i] for r in rounds) for i in range(len(items))]
        paths = [median(r["path_ms"][i] for r in rounds) for i in range(len(items))]
        rows.append({"max_hops": hops, "link_ms": summarise(link), "path_ms": summarise(paths),
                     "target_path_ms": 50, **{k: round(v, 3) for k, v in coverage(kg, items, hops).items()}})
    print(f"Hetionet {load['nodes']} nodes, {load['edges']} edges, {load['names']} names: import {load['import_s']} s, "
          f"load {load['load_s']} s, name index {load['name_index_s']} s (median of {args.rounds} fresh processes)")
    flat = [{"max_hops": r["max_hops"], "link_ms_mean": r["link_ms"]["mean"], "path_ms_mean": r["path_ms"]["mean"],
             "path_ms_p95": r["path_ms"]["p95"], "path_ms_max": r["path_ms"]["max"],
             "items_with_a_path": r["items_with_a_path"], "options_linked": r["options_linked"],
             "options_with_a_path": r["options_with_a_path"]} for r in rows]
    print(table(flat, list(flat[0])))
    path = write_result("kg", {"items": len(items), "benchmark": "medqa test_hard", "rounds": args.rounds,
                               "load": load, "rows": rows})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
