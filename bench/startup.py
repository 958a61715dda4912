"""Start-up time of the `clinreason` command: `--help`, `show` (list the runs of a store) and
`show RUN`, against a bare interpreter, medians over --rounds. `python -X importtime -m clinreason
--help` shows where the rest goes.

    python bench/startup.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import median, table, write_result  # noqa: E402

TARGET_S = 0.25


def _store_with_a_run(out: Path) -> str:
    """A results directory holding one finished 20-item run (scripted model: no model cost)."""
    from clinreason import engine
    from clinreason.items import Item
    from clinreason.methods import build_method
    from clinreason.models.scripted import ScriptedModel
    from clinreason.store import Store

    items = [Item(id=f"q{i}", benchmark="toy", question=f"Question {i}?", options={"A": "a", "B": "b"}, answer="A")
             for i in range(20)]
    plan = engine.RunPlan(benchmark="toy", subset=None, model_spec="scripted", method=build_method("direct"), items=items)
    return asyncio.run(engine.execute(plan, ScriptedModel(["ANSWER: A"]), Store(out)))["run_id"]


def timed(argv: list[str], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_id = _store_with_a_run(Path(tmp))
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "clinreason --help": [sys.executable, "-m", "clinreason", "--help"],
            "clinreason show": [sys.executable, "-m", "clinreason", "show", "--out", tmp],
            "clinreason show RUN": [sys.executable, "-m", "clinreason", "show", run_id, "--out", tmp],
        }
        rows = []
        for name, argv in cases.items():
            times = timed(argv, args.rounds)
            rows.append({"command": name, "median_s": round(median(times), 3), "min_s": round(min(times), 3),
                         "target_s": TARGET_S if name != "python -c pass" else None, "rounds_s": [round(t, 3) for t in times]})
    print(table(rows, ["command", "median_s", "min_s", "target_s"]))
    print(f"written: {write_result('startup', {'rows': rows, 'rounds': args.rounds})}")


if __name__ == "__main__":
    main()
