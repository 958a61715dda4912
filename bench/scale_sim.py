"""On paper, by script: 100 nodes x 8 model replicas (and other sizes) running one clinreason run
or grid on the Ray executor. Each item costs: the replica's generation; two acknowledged round
trips to the one ledger actor (its model call, its result); its bytes over the network twice
(task -> ledger, ledger -> driver); and one row pair written by the driver. For each cluster size
the script prints the demand on each of those against its capacity, and which one binds: where
the bottleneck moves, and at what size.

Capacities default to what was measured on this machine (bench/results/ray_overhead.json,
store_write_rate.json; see docs/scale.md); replica throughput is an assumption to set per model.

    python bench/scale_sim.py [--nodes 1,5,10,25,50,100,200] [--replicas 8]
                              [--ledger-ops 5000] [--driver-writes 25000] [--nic-gbps 10]"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, table, write_result  # noqa: E402

# Items per second one vLLM replica (one GPU) serves, by how much a method generates: an
# assumption (an 8B model on one H100-class GPU with continuous batching, ~2.5k output tok/s).
# (items/s per replica, model calls per item)
SCENARIOS = {"direct (~10 output tokens)": (60.0, 1), "cot (~300 output tokens)": (8.0, 1),
             "cot_sc n=5 (5 x 300)": (1.6, 5)}
BYTES_PER_CALL = 8_000  # a call row: the prompt as JSON (~6 KB for a MedQA item), the response (~1.5 KB)
BYTES_PER_RESULT = 4_000  # a result: prediction, trace events, scores
# Acknowledged ledger calls per item: one per model call, one for the result (drains: one per 20 ms).


def measured(name: str, pick) -> float | None:
    path = RESULTS / f"{name}.json"
    try:
        return pick(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", default="1,5,10,25,50,100,200")
    parser.add_argument("--replicas", type=int, default=8)
    writes = measured("store_write_rate", lambda d: max(r["results_per_s"] for r in d["rows"]))
    rtt = measured("ray_overhead", lambda d: next(r["ledger_round_trips_per_s"] for r in d["rows"]
                                                  if r.get("ledger_round_trips_per_s")))
    parser.add_argument("--driver-writes", type=float, default=writes or 25000.0,
                        help="results/s the driver writes (default: bench/results/store_write_rate.json)")
    many = measured("ray_overhead-latency0.5", lambda d: d["rows"][0]["ledger_ops_per_s_4_clients"])
    parser.add_argument("--ledger-ops", type=float, default=many or 1600.0,
                        help="acknowledged calls/s one Python actor serves to many clients (default: measured with 4 "
                             f"clients, bench/results/ray_overhead-latency0.5.json; one client: {rtt or 0:.0f}/s)")
    parser.add_argument("--ledgers", type=int, default=1, help="ledger actors (RayOptions.ledgers; default there: "
                        "one per 64 CPUs); capacity taken as linear in their number")
    parser.add_argument("--nic-gbps", type=float, default=10.0, help="the ledger's and driver's node network")
    args = parser.parse_args()
    rows, moves = [], {}
    for scenario, (per_replica, calls) in SCENARIOS.items():
        # The driver writes `calls` call rows per result: its rate is measured for 1 call per result.
        caps = {"ledger": args.ledgers * args.ledger_ops / (calls + 1), "driver writes": args.driver_writes * 2 / (calls + 1),
                "network": args.nic_gbps * 1e9 / 8 / (2 * (calls * BYTES_PER_CALL + BYTES_PER_RESULT))}
        for nodes in (int(n) for n in args.nodes.split(",")):
            demand = nodes * args.replicas * per_replica
            limits = {"replicas (GPUs)": demand, **caps}
            binding = min(limits, key=limits.get)
            rows.append({"scenario": scenario, "nodes": nodes, "replicas": nodes * args.replicas,
                         "gpu_items_per_s": demand, "ledger_cap": caps["ledger"], "driver_cap": caps["driver writes"],
                         "network_cap": caps["network"], "items_per_s": limits[binding], "bottleneck": binding,
                         "gpu_utilisation": limits[binding] / demand})
        per_node = args.replicas * per_replica
        moves[scenario] = {name: cap / per_node for name, cap in caps.items()}  # nodes at which each binds
    print(table(rows, ["scenario", "nodes", "replicas", "gpu_items_per_s", "items_per_s", "bottleneck",
                       "gpu_utilisation"]))
    for scenario, at in moves.items():
        print(f"{scenario}: the GPUs bind up to ~{min(at.values()):.0f} nodes; then, by size: "
              + ", ".join(f"{k} from {v:.0f} nodes" for k, v in sorted(at.items(), key=lambda kv: kv[1])))
    path = write_result("scale_sim" + (f"-ledgers{args.ledgers}" if args.ledgers != 1 else ""), {"assumptions": {"replica_items_per_s_and_calls": SCENARIOS,
                                                      "bytes_per_call": BYTES_PER_CALL,
                                                      "bytes_per_result": BYTES_PER_RESULT, **vars(args)},
                                      "nodes_at_which_each_binds": moves, "rows": rows})
    print(f"-> {path}")


if __name__ == "__main__":
    main()
