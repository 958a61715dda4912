"""One self-contained HTML report: leaderboard, charts and an item browser, readable offline.

Safety rule: data (model outputs, prompts, dataset text) reaches the page only two ways,
(1) through Jinja with autoescape on, or (2) as JSON inside <script type="application/json">
with <, > and & escaped, which the page's JS reads with JSON.parse and shows via textContent.
Nothing from the data is ever parsed as HTML.
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from .. import __version__ as _version
from ..store import Store
from . import charts
from .data import collect, resolve_runs
from .episodes import accuracy_vs_questions, episode_runs
from .blind import blind_panels
from .groups import build_groups, matrix
from .images import embed_thumbnails
from .probes import probe_panels

__all__ = ["build_report", "write_report", "resolve_runs", "collect", "json_for_script"]


def json_for_script(value) -> Markup:
    """JSON that cannot close its <script> element or start an HTML comment/entity."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return Markup(text)


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("clinreason.report", "templates"),
        autoescape=True,  # every {{ }} is HTML-escaped unless it is Markup we built ourselves
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda x: "–" if x is None else f"{x:.1%}"
    env.filters["num"] = lambda x, fmt=",.0f": "–" if x is None else format(x, fmt)
    return env


def _asset(name: str) -> Markup:
    # Our own static CSS/JS, read verbatim (not through Jinja: `{#` in CSS would start a comment).
    return Markup(resources.files("clinreason.report").joinpath("templates", name).read_text(encoding="utf-8"))


def _heatmaps(data: dict) -> list[tuple[str, str, Markup]]:
    """One heat map per breakdown key and benchmark: subjects of one benchmark are not those of
    another. -> (element id suffix, caption, chart); the first map of a key keeps the plain id."""
    bench_of = {r["run_id"]: (f"{r['benchmark']}/{r['subset']}" if r.get("subset") else str(r["benchmark"]))
                for r in data["runs"]}
    labels = {r["run_id"]: r["label"] for r in data["runs"]}
    out = []
    for key, per_run in data["breakdowns"].items():
        benches = sorted({bench_of.get(run_id, "") for run_id in per_run})
        for n, bench in enumerate(benches):
            runs = {run_id: groups for run_id, groups in per_run.items() if bench_of.get(run_id, "") == bench}
            caption = f"Accuracy by {key}" + (f" on {bench}" if len(benches) > 1 else "")
            out.append((key if n == 0 else f"{key}-{n}", caption, charts.heatmap(key, runs, labels)))
    return out


def build_report(store: Store, run_ids: list[str], *, title: str = "clinreason report", live: bool = False) -> str:
    data = collect(store, run_ids)
    labels = {r["run_id"]: r["label"] for r in data["runs"]}
    has_tokens = any(r["tokens_per_item"] for r in data["runs"])
    figures = {
        "accuracy": charts.accuracy_bars(data["runs"]),
        "pareto_tokens": charts.accuracy_vs_cost(data["runs"]) if has_tokens else None,
        "pareto_cost": (charts.accuracy_vs_cost(data["runs"], "cost_per_item", "estimated USD per item")
                        if data["has_cost"] else None),
        "heatmaps": _heatmaps(data),
        "reliability": charts.reliability(data["reliability"], data["series"]),
        "risk_coverage": charts.risk_coverage(data["risk_coverage"], data["series"]),
    }
    # Probe runs answer transformed items: they get their own panel, paired with their base run by
    # source item, and stay out of the per-benchmark leaderboards and the matrix.
    # Probe runs and image-blind runs have their own panels; their items (`q0~blind`) pair with no other run.
    ordinary = [r for r in data["runs"] if not r["probe_of"] and r.get("transform") != "blind"]
    groups = build_groups(ordinary, data["items"])
    for g in groups:  # one Pareto chart per benchmark, titled with it, on the shared items
        tokens = {r["run_id"]: r["tokens_per_item"] for r in g["runs"]}
        points = [{**row, "tokens_per_item": tokens[row["run_id"]]} for row in g["rows"] if not row["fewer"]]
        g["pareto"] = (charts.accuracy_vs_cost(points, title=f"{g['key']}: accuracy on shared items against tokens per item")
                       if any(pt["tokens_per_item"] for pt in points) else None)
    episodes = episode_runs(store, data["runs"])  # consultation runs only; [] hides the section
    figures["episode_curve"] = accuracy_vs_questions(episodes)
    images = embed_thumbnails(store, data["items"])  # small JPEGs we re-encoded, as data: URLs we built
    browser = {"runs": [{k: r[k] for k in ("run_id", "label", "benchmark", "reference")} for r in data["runs"]],
               "items": data["items"], "subjects": data["subjects"], "thumbs": images["thumbs"],
               "groups": [{"key": g["key"], "runs": [row["run_id"] for row in g["rows"]], "pairs": g["pairs"]}
                          for g in groups]}
    return _env().get_template("report.html.jinja").render(
        title=title, data=data, figures=figures, groups=groups, matrix=matrix(ordinary), episodes=episodes,
        probes=probe_panels(store, data["runs"]), blind=blind_panels(store, data["runs"]),
        images={k: v for k, v in images.items() if k != "thumbs"}, browser_json=json_for_script(browser),
        css=_asset("report.css"), js=_asset("report.js"), live=live, version=_version,
        generated=time.strftime("%Y-%m-%d %H:%M:%S"), store_path=str(store.path),
    )


def write_report(store: Store, run_ids: list[str], path: str | Path, **kw) -> Path:
    path = Path(path)
    if path.is_dir():  # checked before the report is built: no temporary file is left behind
        raise IsADirectoryError(21, "is a directory, not a file to write the report to", str(path))
    html = build_report(store, run_ids, **kw)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(path)  # a browser reloading the file never sees half of it
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
