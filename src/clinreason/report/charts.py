"""Charts as small hand-written inline SVG: no JS library, no network, crisp at any zoom.

Every piece of text that came from data (run labels, subjects) goes through `_t` (XML
escaping) before it touches markup; the returned Markup is then safe to insert as is.
"""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

FONT = 'font-family="system-ui, sans-serif" font-size="11"'
LABEL_W = 260  # px for run labels on the left of bar/heat charts


def _t(text) -> str:
    return escape(str(text), quote=True)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_t(title)}" class="chart" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" {FONT}>'
        f"<title>{_t(title)}</title>{''.join(body)}</svg>"
    )


def _short(label: str, n: int = 40) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def accuracy_bars(runs: list[dict]) -> Markup | None:
    """One horizontal bar per run, with its 95% CI as a whisker and chance as a tick."""
    rows = [r for r in runs if r["accuracy"] is not None]
    if not rows:
        return None
    row_h, plot_w, top = 22, 420, 24
    width, height = LABEL_W + plot_w + 30, top + row_h * len(rows) + 24
    x = lambda v: LABEL_W + v * plot_w  # noqa: E731
    body = []
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        body.append(f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{height - 20}" stroke="#ddd"/>'
                    f'<text x="{x(tick):.1f}" y="{top - 10}" text-anchor="middle" fill="#666">{tick:.0%}</text>')
    for i, r in enumerate(rows):
        y = top + i * row_h
        fill = "#9aa5b1" if r["reference"] else "#3b6ea8"
        body.append(f'<text x="{LABEL_W - 8}" y="{y + 14}" text-anchor="end">{_t(_short(r["label"]))}</text>'
                    f'<rect class="bar" x="{LABEL_W}" y="{y + 3}" width="{r["accuracy"] * plot_w:.1f}" height="{row_h - 8}" fill="{fill}">'
                    f'<title>{_t(r["label"])} ({_t(r["benchmark"])}): {_pct(r["accuracy"])} '
                    f'[{_pct(r["ci_low"])}–{_pct(r["ci_high"])}], n={r["n_done"]}</title></rect>')
        if r["ci_low"] is not None:
            cy = y + row_h / 2 - 1
            body.append(f'<line class="ci" x1="{x(r["ci_low"]):.1f}" y1="{cy}" x2="{x(r["ci_high"]):.1f}" y2="{cy}" stroke="#111" stroke-width="1.5"/>'
                        f'<line x1="{x(r["ci_low"]):.1f}" y1="{cy - 5}" x2="{x(r["ci_low"]):.1f}" y2="{cy + 5}" stroke="#111"/>'
                        f'<line x1="{x(r["ci_high"]):.1f}" y1="{cy - 5}" x2="{x(r["ci_high"]):.1f}" y2="{cy + 5}" stroke="#111"/>')
        if r.get("chance"):
            body.append(f'<line x1="{x(r["chance"]):.1f}" y1="{y + 1}" x2="{x(r["chance"]):.1f}" y2="{y + row_h - 3}" '
                        'stroke="#c0392b" stroke-dasharray="2,2"/>')
    body.append(f'<text x="{LABEL_W}" y="{height - 6}" fill="#666">bar = accuracy, whisker = 95% CI (Wilson), '
                'red dashes = chance; grey = published reference runs</text>')
    return _svg(width, height, body, "Accuracy per run with 95% confidence intervals")


def pareto_front(points: list[tuple[float, float]]) -> list[int]:
    """Indices of points no other point beats on both cost (lower) and accuracy (higher)."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front, best = [], -1.0
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front


def accuracy_vs_cost(runs: list[dict], key: str = "tokens_per_item", axis: str = "tokens per item",
                     title: str | None = None, label_key: str = "label") -> Markup | None:
    rows = [r for r in runs if r["accuracy"] is not None and r.get(key)]
    if not rows:
        return None
    w, h, left, bottom, top, right = 720, 370, 64, 44, 40 if title else 16, 200
    xs = [r[key] for r in rows]
    lo, hi = min(xs), max(xs)
    log = hi / lo > 20  # token use spans orders of magnitude across methods
    f = (lambda v: math.log10(v)) if log else (lambda v: v)  # noqa: E731
    a, b = f(lo), f(hi)
    if a == b:
        a, b = a - 1, b + 1
    px = lambda v: left + (f(v) - a) / (b - a) * (w - left - right)  # noqa: E731
    py = lambda acc: top + (1 - acc) * (h - top - bottom)  # noqa: E731
    body = [f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="#999"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="#999"/>']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        body.append(f'<text x="{left - 6}" y="{py(tick) + 4:.1f}" text-anchor="end" fill="#666">{tick:.0%}</text>'
                    f'<line x1="{left}" y1="{py(tick):.1f}" x2="{w - right}" y2="{py(tick):.1f}" stroke="#eee"/>')
    for v in ([lo + (hi - lo) * k / 4 for k in range(5)] if hi > lo else [lo]) if not log else [10 ** e for e in range(math.floor(a), math.ceil(b) + 1) if a <= e <= b] or (lo, hi):
        body.append(f'<text x="{px(v):.1f}" y="{h - bottom + 14}" text-anchor="middle" fill="#666">{v:,.4g}</text>')
    body.append(f'<text x="{(w - right + left) / 2}" y="{h - 6}" text-anchor="middle">{_t(axis)}{" (log scale)" if log else ""}</text>')
    body.append(f'<text class="axis-y" transform="translate(14,{(top + h - bottom) / 2}) rotate(-90)" text-anchor="middle">accuracy</text>')
    if title:
        body.append(f'<text class="chart-title" x="{left}" y="16" font-size="13" font-weight="600">{_t(title)}</text>')
    front = pareto_front([(r[key], r["accuracy"]) for r in rows])
    path = " ".join(f"{px(rows[i][key]):.1f},{py(rows[i]['accuracy']):.1f}" for i in front)
    body.append(f'<polyline class="pareto" points="{path}" fill="none" stroke="#e67e22" stroke-width="2"/>')
    for i, r in enumerate(rows):
        on_front = i in front
        body.append(f'<circle class="point{" front" if on_front else ""}" cx="{px(r[key]):.1f}" cy="{py(r["accuracy"]):.1f}" '
                    f'r="{6 if on_front else 4}" fill="{"#e67e22" if on_front else ("#9aa5b1" if r["reference"] else "#3b6ea8")}">'
                    f'<title>{_t(r["label"])}: {_pct(r["accuracy"])} at {r[key]:,.4g} {_t(axis)}'
                    f'{" (Pareto front)" if on_front else ""}</title></circle>')
    placed: list[tuple[float, float, float, float]] = []
    for i in front:  # labels of the front only, moved apart so that none covers another
        r = rows[i]
        text = f'{_short(r[label_key], 34)} ({_pct(r["accuracy"])}, {r[key]:,.3g})'
        spot = _free_spot(placed, px(r[key]) + 8, py(r["accuracy"]) - 6, 6.2 * len(text), top, h - bottom)
        if spot is not None:  # no room: the point's tooltip still names it
            body.append(f'<text class="front-label" x="{spot[0]:.1f}" y="{spot[1]:.1f}">{_t(text)}</text>')
    return _svg(w, h, body, title or f"Accuracy against {axis}; orange = Pareto front")


def _free_spot(placed: list, x: float, y: float, width: float, top: float, bottom: float,
               line: float = 13.0) -> tuple[float, float] | None:
    """The first of y, y+line, y-line, y+2*line, ... where a label of `width` overlaps no placed one."""
    for step in (0, 1, -1, 2, -2, 3, -3):
        cand = y + step * line
        if not top + line <= cand <= bottom:
            continue
        box = (x, cand - line + 2, x + width, cand)
        if all(box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3] for b in placed):
            placed.append(box)
            return x, cand
    return None


def _heat(value: float | None) -> str:
    if value is None:
        return "#f4f4f4"
    # white (0%) -> blue (100%)
    r, g, b = (int(255 - (255 - c) * value) for c in (44, 105, 170))
    return f"rgb({r},{g},{b})"


def heatmap(key: str, per_run: dict[str, dict[str, dict]], labels: dict[str, str], max_groups: int = 20) -> Markup:
    """Rows = runs, columns = groups of one metadata key, colour = accuracy, text = accuracy and n."""
    counts: dict[str, int] = {}
    for groups in per_run.values():
        for g, stats in groups.items():
            counts[g] = max(counts.get(g, 0), stats["n"])
    groups = sorted(counts, key=lambda g: (-counts[g], g))[:max_groups]
    cell_w, cell_h, top = 64, 22, 70
    width = LABEL_W + cell_w * len(groups) + 10
    height = top + cell_h * len(per_run) + 10
    body = []
    for j, g in enumerate(groups):
        cx = LABEL_W + j * cell_w + cell_w / 2
        body.append(f'<text transform="translate({cx:.1f},{top - 6}) rotate(-35)" fill="#333">{_t(_short(g, 18))}'
                    f'<title>{_t(g)}</title></text>')
    for i, (run_id, stats) in enumerate(per_run.items()):
        y = top + i * cell_h
        body.append(f'<text x="{LABEL_W - 8}" y="{y + 15}" text-anchor="end">{_t(_short(labels.get(run_id, run_id)))}</text>')
        for j, g in enumerate(groups):
            s = stats.get(g)
            mean = None if s is None else s["mean"]
            x = LABEL_W + j * cell_w
            color = "#fff" if mean is not None and mean > 0.6 else "#222"
            n = "" if s is None else s["n"]
            body.append(f'<rect class="cell" x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{_heat(mean)}">'
                        f'<title>{_t(labels.get(run_id, run_id))} · {_t(g)}: {_pct(mean)} (n={n})</title></rect>'
                        f'<text x="{x + cell_w / 2 - 1}" y="{y + 15}" text-anchor="middle" fill="{color}">'
                        f'{_pct(mean)}{" ·" if n != "" else ""}{n}</text>')
    return _svg(width, height, body, f"Accuracy by {key} (cell: accuracy · n)")


SQUARE, SQUARE_PAD = 300, 40  # the unit-square charts (reliability, risk-coverage)
PALETTE = ["#3b6ea8", "#e67e22", "#27ae60", "#8e44ad", "#c0392b", "#16a085"]  # one colour per series


def _unit_square(x_label: str, y_label: str):
    """-> (x, y, body): [0, 1] x [0, 1] mapped onto a framed square with labelled axes."""
    x = lambda v: SQUARE_PAD + v * SQUARE  # noqa: E731
    y = lambda v: SQUARE_PAD + (1 - v) * SQUARE  # noqa: E731
    middle = SQUARE_PAD + SQUARE / 2
    return x, y, [f'<rect x="{SQUARE_PAD}" y="{SQUARE_PAD}" width="{SQUARE}" height="{SQUARE}" fill="none" stroke="#999"/>',
                  f'<text x="{middle}" y="{SQUARE_PAD + SQUARE + 28}" text-anchor="middle">{_t(x_label)}</text>',
                  f'<text transform="translate(12,{middle}) rotate(-90)" text-anchor="middle">{_t(y_label)}</text>']


def reliability(per_run: dict[str, list[tuple[float, float]]], labels: dict[str, str], bins: int = 10) -> Markup | None:
    """Confidence vs observed accuracy in equal-width bins, one series per run and confidence
    source (stated, logprob, vote share); the diagonal is perfect calibration."""
    if not per_run:
        return None
    size, pad, palette = SQUARE, SQUARE_PAD, PALETTE
    p, q, body = _unit_square("confidence", "accuracy")
    body.append(f'<line x1="{p(0)}" y1="{q(0)}" x2="{p(1)}" y2="{q(1)}" stroke="#aaa" stroke-dasharray="4,3"/>')
    for k, (run_id, pairs) in enumerate(per_run.items()):
        color = palette[k % len(palette)]
        binned: dict[int, list[tuple[float, float]]] = {}
        for conf, correct in pairs:
            binned.setdefault(min(int(conf * bins), bins - 1), []).append((conf, correct))
        pts = []
        for _, members in sorted(binned.items()):
            c = sum(m[0] for m in members) / len(members)
            acc = sum(m[1] for m in members) / len(members)
            pts.append((c, acc, len(members)))
        body.append(f'<polyline points="{" ".join(f"{p(c):.1f},{q(a):.1f}" for c, a, _ in pts)}" fill="none" stroke="{color}"/>')
        for c, a, n in pts:
            body.append(f'<circle cx="{p(c):.1f}" cy="{q(a):.1f}" r="{min(3 + n ** 0.5, 9):.1f}" fill="{color}" opacity="0.8">'
                        f'<title>{_t(labels.get(run_id, run_id))}: confidence {c:.2f}, accuracy {a:.2f}, n={n}</title></circle>')
        body.append(f'<text x="{pad + size + 10}" y="{pad + 14 + 16 * k}" fill="{color}">{_t(_short(labels.get(run_id, run_id), 30))}</text>')
    return _svg(size + pad + 220, size + 2 * pad, body, "Reliability diagram")


def risk_coverage(per_series: dict[str, list[dict]], labels: dict[str, str]) -> Markup | None:
    """Error rate among the answers kept when only the most confident are kept, against the share
    kept (grading/calibration.py `risk_coverage`); a useful confidence bends the curve down at the
    left. Step lines, one per run and confidence source."""
    if not per_series:
        return None
    size, pad, palette = SQUARE, SQUARE_PAD, PALETTE
    p, q, body = _unit_square("coverage (share of items answered)", "risk (error rate)")
    for tick in (0, 0.5, 1):
        body.append(f'<text x="{p(tick):.1f}" y="{pad + size + 14}" text-anchor="middle" fill="#666">{tick:.0%}</text>'
                    f'<text x="{pad - 4}" y="{q(tick) + 4:.1f}" text-anchor="end" fill="#666">{tick:.0%}</text>')
    for k, (key, points) in enumerate(per_series.items()):
        color = palette[k % len(palette)]
        path, last = [], 0.0
        for pt in points:  # a step at each threshold: the items of equal confidence enter together
            path.append(f"{p(last):.1f},{q(pt['risk']):.1f} {p(pt['coverage']):.1f},{q(pt['risk']):.1f}")
            last = pt["coverage"]
        body.append(f'<polyline class="risk-coverage" points="{" ".join(path)}" fill="none" stroke="{color}" stroke-width="1.5">'
                    f'<title>{_t(labels.get(key, key))}</title></polyline>')
        body.append(f'<text x="{pad + size + 10}" y="{pad + 14 + 16 * k}" fill="{color}">{_t(_short(labels.get(key, key), 30))}</text>')
    return _svg(size + pad + 220, size + 2 * pad, body, "Risk against coverage")


def probe_changes(rows: list[dict], title: str) -> Markup | None:
    """One horizontal bar per probe: accuracy change against the base run on the same source items
    (probe - base; red below zero, green above), the paired 95% interval as a whisker."""
    rows = [r for r in rows if r.get("n") and r.get("change") is not None]
    if not rows:
        return None
    row_h, plot_w, top, label_w = 22, 360, 24, 160
    extent = max([abs(v) for r in rows for v in (r["change"], *(r.get("ci95") or ()))] + [0.1])
    lim = next(v for v in (0.1, 0.2, 0.5, 1.0, 2.0) if v >= min(extent, 1.0))  # symmetric, round ticks
    width, height = label_w + plot_w + 200, top + row_h * len(rows) + 24
    x = lambda v: label_w + (v + lim) / (2 * lim) * plot_w  # noqa: E731
    body = []
    for tick in (-lim, -lim / 2, 0, lim / 2, lim):
        body.append(f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{height - 20}" '
                    f'stroke="{"#888" if tick == 0 else "#ddd"}"/>'
                    f'<text x="{x(tick):.1f}" y="{top - 10}" text-anchor="middle" fill="#666">{tick:+.0%}</text>')
    for i, r in enumerate(rows):
        y, change = top + i * row_h, r["change"]
        lo, hi = r.get("ci95") or (None, None)
        left, right = sorted((x(0), x(change)))
        tip = (f'{_t(r["probe"])}: {change:+.1%}' + (f" [{lo:+.1%}, {hi:+.1%}]" if lo is not None else "")
               + f', n={r["n"]} items from {r.get("n_sources", r["n"])} source items')
        body.append(f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end">{_t(_short(r["probe"], 24))}</text>'
                    f'<rect class="probe-bar" x="{left:.1f}" y="{y + 3}" width="{max(right - left, 1):.1f}" '
                    f'height="{row_h - 8}" fill="{"#c0392b" if change < 0 else "#27ae60"}"><title>{tip}</title></rect>')
        if lo is not None:
            cy = y + row_h / 2 - 1
            body.append(f'<line class="ci" x1="{x(lo):.1f}" y1="{cy}" x2="{x(hi):.1f}" y2="{cy}" stroke="#111" stroke-width="1.5"/>'
                        f'<line x1="{x(lo):.1f}" y1="{cy - 5}" x2="{x(lo):.1f}" y2="{cy + 5}" stroke="#111"/>'
                        f'<line x1="{x(hi):.1f}" y1="{cy - 5}" x2="{x(hi):.1f}" y2="{cy + 5}" stroke="#111"/>')
        body.append(f'<text x="{label_w + plot_w + 10}" y="{y + 14}" fill="#333">{change:+.1%}'
                    + (f" [{lo:+.0%}, {hi:+.0%}]" if lo is not None else "") + "</text>")
    body.append(f'<text x="{label_w}" y="{height - 6}" fill="#666">bar = probe − base accuracy on the same source items, '
                'whisker = paired 95% CI</text>')
    return _svg(width, height, body, title)
