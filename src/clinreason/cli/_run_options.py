"""What `clinreason run` makes of its options before anything runs: the default method, the
--interactive transform, --role and --shard values. Every check raises a one-line ValueError."""

from __future__ import annotations

from ._app import err_console, esc
from ._common import error_counts


def _default_method(benchmark: str, interactive: bool) -> str:
    """The benchmark's own method (episode benchmarks have one), else consult for --interactive, else cot."""
    from ..data import BENCHMARKS

    own = BENCHMARKS.get(benchmark).default_method if benchmark in BENCHMARKS else None  # a user's file: none
    return own or ("consult" if interactive else "cot")


def _interactive_items(items, extra: dict, method: str):
    """--interactive: case items become episodes (probes/interactive.py). A method that does not run
    episodes is refused rather than silently replaced: the user asked for that method."""
    from ..methods import METHODS
    from ..probes.interactive import make_interactive

    if not getattr(METHODS.get(method), "episode", False):
        episodic = sorted(n for n, cls in METHODS.items() if getattr(cls, "episode", False))
        raise ValueError(f"--interactive needs an episode method ({', '.join(episodic)}); "
                         f"{method!r} answers in one go: drop --method, or pass one of these")
    episodes, skipped = make_interactive(items)
    if not episodes:
        raise ValueError("--interactive: none of these items is a case (no vignette to turn into facts)")
    if skipped:
        err_console.print(f"[yellow]--interactive: {len(skipped)} items are not cases[/] (no vignette) and are left "
                          f"out, first: {esc(skipped[0])}", soft_wrap=True)
    return episodes, {**extra, "transform": "interactive", "not_cases": len(skipped)}


def parse_roles(values: list[str] | None, **named: str | None) -> dict[str, str]:
    """`--role NAME=SPEC` values plus the named role options -> {role: spec}."""
    roles = {name: spec for name, spec in named.items() if spec}
    for value in values or []:
        name, sep, spec = value.partition("=")
        if not sep or not name.strip() or not spec.strip():
            raise ValueError(f"--role {value!r}: expected NAME=SPEC, e.g. --role patient=smollm2")
        if name.strip() == "model":
            raise ValueError("--role model=...: the model under test is given with --model")
        if name.strip() in roles:
            raise ValueError(f"role {name.strip()!r} is given twice")
        roles[name.strip()] = spec.strip()
    return roles


def parse_shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    index, sep, count = value.partition("/")
    try:
        shard = (int(index), int(count))
    except ValueError:
        raise ValueError(f"--shard {value!r}: expected I/K, e.g. 0/2") from None
    if not sep or shard[1] < 1 or not 0 <= shard[0] < shard[1]:
        raise ValueError(f"--shard {value!r}: expected I/K with 0 <= I < K")
    return shard


def _report_errors(store, run_id: str, item_ids: set[str]) -> bool:
    """Say how many items failed and why (the store keeps each item's error); True when none succeeded."""
    done, failed, messages = error_counts(store, run_id, item_ids)
    if not failed:
        return False
    common = "; ".join(f"{n}× {esc(message)}" for message, n in messages.most_common(3))
    if failed == done:
        err_console.print(f"[bold red]error:[/] all {failed} items failed, none succeeded. Most common errors: {common}",
                          soft_wrap=True)
        err_console.print("Fix the cause (is the model server running? the model name and URL right?), then rerun "
                          "the same command with --retry-errors.", soft_wrap=True)
        return True
    err_console.print(f"[yellow]{failed} of {done} items failed[/] (counted as wrong). Most common errors: {common}",
                      soft_wrap=True)
    err_console.print("Rerun the same command with --retry-errors to redo them.", soft_wrap=True)
    return False


def _blind_items(items, extra: dict):
    """--blind: the image-blind baseline (probes/blind.py): every item's images removed and the question
    told that no image is available. Its items differ, so it is a run of its own, paired with the
    with-image run by source item (`clinreason compare WITH_IMAGE BLIND`)."""
    from ..probes.blind import blind_items

    derived, left_out = blind_items(items)
    if not derived:
        raise ValueError("--blind: none of these items shows an image (nothing to take away)")
    if left_out:
        err_console.print(f"[yellow]--blind: {left_out} items show no image[/] and are left out", soft_wrap=True)
    return derived, {**extra, "transform": "blind", "no_image": left_out}
