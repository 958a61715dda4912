"""The report's robustness probes panel (issue 16 item 7): per base run in the report, its probe runs
(runs whose config records `probe_of` and `transform`, made by `clinreason probe`), each compared with
the base on the same source items by the very computation `clinreason probe` prints
(robustness.probe_row: accuracy, change with a paired interval over source items, p, flip rate,
took-the-bait rate, skipped items)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..robustness import ProbePlan, probe_row
from . import charts


def probe_config(run: dict) -> dict | None:
    """The probe fields of a stored run's config; None for an ordinary run."""
    config = (run or {}).get("config") or {}
    if not config.get("probe_of"):
        return None
    return {"probe_of": str(config["probe_of"]), "transform": config.get("transform"),
            "probe": config.get("probe") or config.get("transform") or "?",
            "n_source": config.get("n_source_items"), "skipped": config.get("probe_skipped") or {}}


def probe_panels(store, runs: list[dict], scorer: str = "answer") -> dict[str, Any]:
    """-> {"panels": one per base run present with its probes, "orphans": probe runs whose base is
    not in the report}. `runs` are the report's leaderboard rows (data.collect)."""
    present = {r["run_id"]: r for r in runs}
    by_base: dict[str, list[tuple[dict, dict]]] = {}
    orphans = []
    for r in runs:
        config = probe_config(store.get_run(r["run_id"]))
        if config is None:
            continue
        if config["probe_of"] in present:
            by_base.setdefault(config["probe_of"], []).append((r, config))
        else:
            orphans.append({"run_id": r["run_id"], "label": r["label"], "probe_of": config["probe_of"],
                            "transform": config["transform"]})
    panels = []
    for base_id, members in by_base.items():
        rows = []
        for r, config in members:
            skipped = Counter({str(k): int(v) for k, v in config["skipped"].items() if isinstance(v, int)})
            n_source = config["n_source"] if isinstance(config["n_source"], int) else None
            plan = ProbePlan(str(config["probe"]), None, n_source if n_source is not None else 0, skipped)
            row = probe_row(store, base_id, plan, r["run_id"], scorer)
            row.update(n_source=n_source, transform=config["transform"], label=r["label"],
                       skipped_text="; ".join(f"{reason}: {n}" for reason, n in skipped.most_common()))
            rows.append(row)
        rows.sort(key=lambda x: (x["probe"], x["run_id"]))
        base = present[base_id]
        panels.append({"base": base_id, "label": base["label"], "accuracy": base["accuracy"], "rows": rows,
                       "chart": charts.probe_changes(rows, f"{base['label']}: accuracy change under each probe")})
    return {"panels": panels, "orphans": orphans}
