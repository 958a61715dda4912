"""Printing a run's calibration (summary["calibration"]): per confidence source, ECE over 10
equal-width bins, Brier score, AUROC of confidence for correctness, area under the risk-coverage
curve, selective accuracy; then each source's non-empty bins, so the ECE can be checked by hand."""

from __future__ import annotations

from rich.table import Table

from ._app import console, esc


def print_calibration(calibration: dict) -> None:
    if not calibration:
        return
    table = Table(title="calibration (confidence vs correctness)", title_justify="left")
    for col in ("source", "n", "accuracy", "mean conf.", "ECE", "Brier", "AUROC", "AURC", "acc. @50% cov.",
                "acc. @80% cov."):
        table.add_column(col, justify="left" if col == "source" else "right")
    for source, m in calibration.items():
        rc = m.get("risk_coverage") or {}
        sel = rc.get("selective_accuracy") or {}
        table.add_row(esc(source), str(m["n"]), _pct(m["accuracy"]), _pct(m["mean_confidence"]), _num(m["ece"]),
                      _num(m["brier"]), _num(m["auroc"]), _num(rc.get("aurc")), _pct(sel.get("50%")),
                      _pct(sel.get("80%")))
    console.print(table)
    bins = Table(title="reliability bins (10 equal-width; empty bins left out)", title_justify="left")
    for col in ("source", "bin", "n", "mean conf.", "accuracy", "gap"):
        bins.add_column(col, justify="left" if col in ("source", "bin") else "right")
    for source, m in calibration.items():
        for b in m["bins"]:
            if b["n"]:
                bins.add_row(esc(source), f"{b['lo']:.1f}–{b['hi']:.1f}", str(b["n"]), _num(b["confidence"]),
                             _num(b["accuracy"]), _num(b["accuracy"] - b["confidence"], sign=True))
    console.print(bins)
    if any(m["auroc"] is None for m in calibration.values()):
        console.print("AUROC –: every answer of that source is right (or every one wrong); nothing to separate.")


def _num(x, sign: bool = False) -> str:
    return "–" if x is None else (f"{x:+.3f}" if sign else f"{x:.3f}")


def _pct(x) -> str:
    return "–" if x is None else f"{x:.1%}"
