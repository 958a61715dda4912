"""Helpers the command modules share: checking options before anything is written, opening a store,
finding a run by id prefix, writing a run's summary, SIGTERM treated like Ctrl-C, printing summaries.
Imports only what printing needs, so every command starts fast."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

from rich.table import Table

from ._app import console, esc
from ._items import load_benchmark_items  # noqa: F401  (re-exported: the commands import it from here)

# --- option values: every check runs before anything is written, a bad value is one line, exit 2 -----


def check_at_least(option: str, value: int | float | None, minimum: int) -> None:
    if value is not None and value < minimum:
        raise ValueError(f"{option} must be at least {minimum} (got {value})")


def check_positive(option: str, value: float | None, unit: str = "") -> None:
    """A finite number > 0 (NaN and infinity are refused too)."""
    if value is not None and (not math.isfinite(value) or value <= 0):
        raise ValueError(f"{option} must be a positive number{unit} (got {value})")


def check_text(option: str, value: str | None) -> None:
    """A given text option may not be empty (an empty value would silently mean the default)."""
    if value is not None and not value.strip():
        raise ValueError(f"{option} must not be empty")


def check_model_spec(option: str, spec: str | None) -> None:
    """Catch what only a request would find: an empty spec, an openai-compat URL that is no URL."""
    if spec is None:
        return
    check_text(option, spec)
    from urllib.parse import urlsplit

    from ..models import MODEL_KINDS
    from ..redact import public_spec

    shown = public_spec(spec)  # an error message never shows a URL's password

    kind, _, rest = spec.strip().partition(":")
    try:
        entry = MODEL_KINDS.get(kind)
    except KeyError:
        return  # load_model names the kinds
    from ..models.vllm_engine import is_server_spec

    if entry.syntax.startswith("openai-compat:") or (kind == "vllm" and is_server_spec(rest)):
        url, sep, model = rest.rpartition("#")
        if not sep or not url or not model:
            raise ValueError(f"{option} {shown!r}: expected openai-compat:URL#MODEL, "
                             "e.g. openai-compat:http://127.0.0.1:8000/v1#my-model")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{option} {shown!r}: the URL is not an http:// or https:// URL, "
                             "e.g. openai-compat:http://127.0.0.1:8000/v1#my-model")


def check_run_name(option: str, name: str | None) -> None:
    """A run name is also a file name (OUT/runs/NAME.json): the one rule of clinreason.redact.check_name."""
    if name is None:
        return
    check_text(option, name)
    from ..redact import check_name

    check_name(name, f"run name ({option})")


def check_results_dir(option: str, path: Path) -> None:
    """--out: a results directory (created when missing) or a .db file, never an existing other file."""
    path = Path(path)
    if path.suffix == ".db":
        if path.exists() and not path.is_file():
            raise ValueError(f"{option} {path}: not a file (a store is a results directory or a .db file)")
    elif path.exists() and not path.is_dir():
        raise ValueError(f"{option} {path}: not a directory (a store is a results directory or a .db file)")


def check_output_file(option: str, path: Path) -> None:
    """A file to write: refused when it names a directory (nothing is written, no temporary file left)."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{option} {path}: is a directory; give a file name, e.g. {path / 'report.html'}")
    if path.parent.exists() and not path.parent.is_dir():
        raise ValueError(f"{option} {path}: {path.parent} is not a directory")


def open_existing_store(path: Path):
    """The store of a results directory (or .db file) that exists; never creates one. A missing
    store is a clean error: commands that read results have nothing to read."""
    from ..store import DB_NAME, Store, store_file

    path = Path(path)
    db = path if path.suffix == ".db" else path / DB_NAME
    if not db.is_file():
        raise ValueError(f"no results in {path}: no such store ({db}); run `clinreason run` first")
    store_file(path)  # a clean error when it is not a clinreason store
    return Store(path)


# --- SIGTERM is Ctrl-C: the work in flight is cancelled, what is finished stays stored --------------


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: raised like KeyboardInterrupt after the running work was cancelled."""


def run_cancellable(make_coro):
    """`asyncio.run(make_coro())` where SIGTERM cancels the main task as Ctrl-C does, so the
    engine's `finally` records the run as interrupted with its summary; then raises Terminated."""
    import asyncio
    import signal

    terminated: list[bool] = []

    async def main():
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()

        def on_sigterm() -> None:
            terminated.append(True)
            task.cancel()

        try:
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
            installed = True
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
            installed = False
        try:
            return await make_coro()
        except asyncio.CancelledError:
            if terminated:
                raise Terminated() from None
            raise
        finally:
            if installed:
                loop.remove_signal_handler(signal.SIGTERM)

    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        if terminated:
            raise Terminated() from None
        raise


def error_counts(store, run_id: str, item_ids: set[str] | None = None) -> tuple[int, int, Counter]:
    """(items done, items failed, Counter of their error messages) among `item_ids` (all when None)."""
    done = failed = 0
    messages: Counter = Counter()
    for p in store.predictions(run_id):
        if item_ids is not None and p["item_id"] not in item_ids:
            continue
        done += 1
        if p["status"] == "error":
            failed += 1
            messages[_first_line(p["error"] or "(no message)")] += 1
    return done, failed, messages


def _first_line(text: str, limit: int = 200) -> str:
    line = (text.strip().splitlines() or [text])[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"


def resolve_run(store, run_id: str) -> str:
    """A run id, or a unique prefix of one, in `store`."""
    matches = store.find_runs(run_id)
    if not matches:
        raise ValueError(f"no run {run_id!r} in {store.path}")
    if any(m["id"] == run_id for m in matches):
        return run_id
    if len(matches) > 1:
        raise ValueError(f"{run_id!r} matches {len(matches)} runs: " + ", ".join(m["id"] for m in matches))
    return matches[0]["id"]


def write_summary_json(out: Path, summary: dict) -> Path:
    from ..redact import check_path_component

    path = Path(out) / "runs" / f"{check_path_component(summary['run_id'])}.json"  # never outside OUT/runs
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    tmp.replace(path)  # atomic: a reader never sees half a file
    return path


def pct(x) -> str:
    return "–" if x is None else f"{x:.1%}"


def subset_note(s: dict, run: dict | None) -> str | None:
    """"20 of 100 items of medqa test_hard" when the run covers only part of its benchmark subset
    (the subset's size is recorded at `run` time as config["subset_size"]); else None."""
    size = ((run or {}).get("config") or {}).get("subset_size")
    n = s.get("n_items")
    if not isinstance(size, int) or not isinstance(n, int) or n >= size:
        return None
    return f"{n} of {size} items of {s['benchmark']} {s.get('subset') or ''}".strip()


def print_summary(s: dict, run: dict | None = None) -> None:
    """A run's summary table. `run` (the store's run record) adds what only its config knows:
    whether it is an imported reference run, and the benchmark subset's size."""
    reference = bool(((run or {}).get("config") or {}).get("reference"))
    ci = s.get("ci95")
    table = Table(title=esc(s["run_id"]), show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("benchmark", esc(f"{s['benchmark']} {s['subset'] or ''}".strip()))
    table.add_row("model · method", esc(f"{s['model']} · {s['method']}") + (" (published reference run)" if reference else ""))
    table.add_row("items", f"{s['n_done']} / {s['n_items']} done" + (f", {s['errors']} errors" if s["errors"] else ""))
    if note := subset_note(s, run):
        table.add_row("subset", f"[yellow]{esc(note)}[/]: not the whole benchmark")
    table.add_row("accuracy", f"[bold]{pct(s['accuracy'])}[/]" + (f"  (95% CI {pct(ci[0])}–{pct(ci[1])})" if ci else ""))
    table.add_row("chance level", pct(s.get("chance_accuracy")))
    if not reference:  # published outputs were not asked for 'ANSWER: X': the number means nothing for them
        table.add_row("strict-format accuracy", f"{pct(s['accuracy_strict_format'])}  (answers given as 'ANSWER: X' only)")
        table.add_row("format followed", pct(s.get("format_followed_rate")))
    table.add_row("unparsed", f"{s['unparsed']} ({pct(s['unparsed_rate'])})")
    table.add_row("answer rules", esc(", ".join(f"{k} {v}" for k, v in (s.get("answer_rules") or {}).items())) or "–")
    if s.get("prompt_tokens_per_item") is not None:
        table.add_row("tokens / item", f"{s['prompt_tokens_per_item']:.0f} prompt + {s['completion_tokens_per_item']:.0f} completion")
        table.add_row("calls / item", f"{s['calls_per_item']:.2f}")
        made, replayed = s.get("wall_s_made_per_item", s["wall_s_per_item"]), s.get("n_replayed")
        table.add_row("time / item", ("–" if made is None else f"{made:.2f} s") + (  # cache replays apart
            f"  (items whose calls were all made; {replayed} replayed items: {s['wall_s_replayed_per_item']:.2f} s)" if replayed else ""))
    if "session" in s:
        sess = s["session"]
        multi = f" ({sess['multi_sample_requests']} requests for several samples)" if sess.get("multi_sample_requests") else ""
        table.add_row("this session", f"{sess['elapsed_s']:.1f} s, {sess['model_calls']} model calls{multi}, "
                                      f"{sess['cache_hits']} cache hits")
    if s.get("roles"):
        table.add_row("other roles", esc(", ".join(f"{role}: {r['calls']} calls, {r['prompt_tokens'] + r['completion_tokens']:,} tokens"
                                                   for role, r in s["roles"].items())))
    console.print(table)
    if s.get("judges"):  # added by `clinreason judge`
        from ._judge_print import print_judge_summary

        print_judge_summary(s["judges"])
    if s.get("calibration"):  # a method recorded confidences (stated, logprob, vote share)
        from ._calibration_print import print_calibration

        print_calibration(s["calibration"])
    if _has_episodes(s):  # consultation runs: turns, questions, information gained, ...
        from ._episode_print import print_episode_summary

        print_episode_summary(s)
    for key, groups in s.get("breakdown", {}).items():
        sub = Table(title=f"by {esc(key)}", title_justify="left")
        for col in (key, "n", "accuracy", "95% CI"):
            sub.add_column(esc(col))
        for name, g in list(groups.items())[:15]:
            gci = g["ci95"]
            sub.add_row(esc(name), str(g["n"]), pct(g["mean"]), f"{pct(gci[0])}–{pct(gci[1])}" if gci else "–")
        console.print(sub)


def _has_episodes(s: dict) -> bool:
    turns = ((s.get("scores") or {}).get("episode") or {}).get("turns")
    return isinstance(turns, dict) and bool(turns.get("n"))
