"""The report's consultation views (issue 15): one table row per episode run, the accuracy-vs-
questions curve per run as inline SVG, and the full-case / first-sentence bounds found beside it
in the same store. Built from the store and the `episode` scorer's stored scores alone.

Bounds are runs of method variants on the same benchmark, subset and model whose method config
marks them as a bound (a `case`/`bound`/`information`/`view` parameter of "full" or "first", else
a method name ending in `_full`/`_first`); their accuracy is taken over the episode run's items only.
"""

from __future__ import annotations

from markupsafe import Markup

from ..grading.episode import accuracy_curve
from ..grading.scorers.answer import SCORER as ANSWER
from ..grading.scorers.episode import SCORER as EPISODE
from ..store import Store
from .charts import _pct, _short, _svg, _t

FULL, FIRST = "full", "first"
BOUND_PARAMS = ("bound", "case", "information", "view")
_WORDS = {FULL: ("full", "upper", "full_case", "whole"), FIRST: ("first", "lower", "first_sentence", "first_turn")}
PALETTE = ["#3b6ea8", "#e67e22", "#27ae60", "#8e44ad", "#c0392b", "#16a085"]


def bound_kind(run: dict) -> str | None:
    """"full" (all of the case at once: the upper bound), "first" (its first sentence only: the lower
    bound) or None, from the run's method config, else from the method's name."""
    params = (run.get("config") or {}).get("method") or {}
    for key in BOUND_PARAMS:
        value = params.get(key) if isinstance(params, dict) else None
        for kind, words in _WORDS.items():
            if isinstance(value, str) and value.lower() in words:
                return kind
    name = str(run.get("method") or "")
    return FULL if name.endswith("_full") else FIRST if name.endswith("_first") else None


def _bound(store: Store, run: dict, kind: str, item_ids: set[str]) -> dict | None:
    """The most recent sibling run of this kind, scored on the episode run's items."""
    siblings = [r for r in store.list_runs() if r["id"] != run["id"] and bound_kind(r) == kind
                and (r["benchmark"], r["subset"], r["model"]) == (run["benchmark"], run["subset"], run["model"])]
    for sibling in reversed(siblings):
        values = [s["value"] for s in store.scores(sibling["id"], ANSWER)
                  if s["item_id"] in item_ids and s["value"] is not None]
        if values:
            return {"run_id": sibling["id"], "method": sibling["method"], "n": len(values),
                    "accuracy": sum(values) / len(values)}
    return None


def _mean(stat) -> float | None:
    return stat.get("mean") if isinstance(stat, dict) else None


def episode_runs(store: Store, runs: list[dict]) -> list[dict]:
    """One row per report run that has episode scores: the table's numbers, the curve, the bounds."""
    out = []
    for row in runs:
        scores = [s for s in store.scores(row["run_id"], EPISODE) if s["label"] != "no_episode"]
        if not scores:
            continue
        metrics = row.get("episode") or {}
        run = store.get_run(row["run_id"])
        details = [s["detail"] or {} for s in scores]
        curve = accuracy_curve([(d.get("correct_after") or [], d.get("final_correct")) for d in details
                                if "correct_after" in d])
        item_ids = {s["item_id"] for s in scores}
        out.append({
            "run_id": row["run_id"], "label": row["label"], "benchmark": row["benchmark"], "n": len(scores),
            "accuracy": row["accuracy"],
            **{name: _mean(metrics.get(name)) for name in (
                "turns", "questions", "tests", "info_gained", "repeated_questions", "unanswerable_questions",
                "faithfulness", "tokens_per_turn")},
            "judge_faithfulness": (row.get("judges") or {}).get("judge:faithfulness"),
            "stopped": metrics.get("stopped") or {},
            "curve": curve, "upper": _bound(store, run, FULL, item_ids), "lower": _bound(store, run, FIRST, item_ids),
        })
    return out


def accuracy_vs_questions(rows: list[dict]) -> Markup | None:
    """Accuracy after k turns, one line per episode run; the full-case bound as a dashed line in
    the run's colour, the first-sentence bound as a hollow marker at 0 questions."""
    rows = [r for r in rows if any(p["accuracy"] is not None for p in r["curve"])]
    if not rows:
        return None
    w, h, left, bottom, top, right = 640, 320, 50, 42, 16, 230
    kmax = max(len(r["curve"]) for r in rows)
    px = lambda k: left + k / max(kmax, 1) * (w - left - right)  # noqa: E731
    py = lambda a: top + (1 - a) * (h - top - bottom)  # noqa: E731
    body = [f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="#999"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="#999"/>',
            f'<text x="{(w - right + left) / 2}" y="{h - 6}" text-anchor="middle">questions (and tests) asked</text>']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        body.append(f'<text x="{left - 6}" y="{py(tick) + 4:.1f}" text-anchor="end" fill="#666">{tick:.0%}</text>'
                    f'<line x1="{left}" y1="{py(tick):.1f}" x2="{w - right}" y2="{py(tick):.1f}" stroke="#eee"/>')
    step = max(1, round(kmax / 10))
    for k in range(0, kmax + 1, step):
        body.append(f'<text x="{px(k):.1f}" y="{h - bottom + 14}" text-anchor="middle" fill="#666">{k}</text>')
    for i, r in enumerate(rows):
        color = PALETTE[i % len(PALETTE)]
        pts = [(p["turns"], p["accuracy"], p["n"]) for p in r["curve"] if p["accuracy"] is not None]
        if r["lower"]:
            pts.insert(0, (0, r["lower"]["accuracy"], r["lower"]["n"]))
            body.append(f'<circle class="bound lower" cx="{px(0):.1f}" cy="{py(r["lower"]["accuracy"]):.1f}" r="5" '
                        f'fill="#fff" stroke="{color}" stroke-width="2"><title>{_t(r["label"])}: first sentence only '
                        f'({_t(r["lower"]["method"])}) {_pct(r["lower"]["accuracy"])}, n={r["lower"]["n"]}</title></circle>')
        if r["upper"]:
            y = py(r["upper"]["accuracy"])
            body.append(f'<line class="bound upper" x1="{left}" y1="{y:.1f}" x2="{w - right}" y2="{y:.1f}" stroke="{color}" '
                        f'stroke-dasharray="6,4"><title>{_t(r["label"])}: full case ({_t(r["upper"]["method"])}) '
                        f'{_pct(r["upper"]["accuracy"])}, n={r["upper"]["n"]}</title></line>')
        path = " ".join(f"{px(k):.1f},{py(a):.1f}" for k, a, _ in pts)
        body.append(f'<polyline class="curve" points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for k, a, n in pts[1 if r["lower"] else 0:]:
            body.append(f'<circle class="point" cx="{px(k):.1f}" cy="{py(a):.1f}" r="3" fill="{color}">'
                        f'<title>{_t(r["label"])}: {_pct(a)} after {k} turn(s), n={n}</title></circle>')
        body.append(f'<text x="{w - right + 12}" y="{top + 14 + 16 * i}" fill="{color}">{_t(_short(r["label"], 34))}</text>')
    legend = top + 14 + 16 * len(rows) + 10
    body.append(f'<text x="{w - right + 12}" y="{legend}" fill="#666">dashed: full case (upper bound)</text>'
                f'<text x="{w - right + 12}" y="{legend + 16}" fill="#666">hollow at 0: first sentence only</text>')
    return _svg(w, h, body, "Accuracy against the number of questions asked")
