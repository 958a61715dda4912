"""The shared typer app, console and error handling."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import typer
from rich.console import Console

from ..errors import DataError, ModelError

app = typer.Typer(
    name="clinreason",
    help="Measure how well language models reason about medicine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped to a file or CI log, rich would wrap tables at 80 columns; wide tables stay readable at 160.
_WIDTH = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160
console = Console(stderr=False, highlight=False, width=_WIDTH)
err_console = Console(stderr=True, highlight=False, width=_WIDTH)

DEFAULT_OUT = Path("results")
OutOption = typer.Option(DEFAULT_OUT, "--out", "-o", help="Results directory (one SQLite store per directory).")


def friendly_errors(fn):
    """Bad input and model failures end with one clear line, not a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (DataError, ModelError, ValueError, KeyError, FileNotFoundError) as e:
            message = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
            err_console.print(f"[bold red]error:[/] {message}", soft_wrap=True)
            sys.exit(2)

    return wrapper


def parse_params(values: list[str] | None) -> dict:
    """`--param k=5 --param temperature=0.7` -> {"k": 5, "temperature": 0.7} (JSON values where they parse)."""
    import json

    out = {}
    for value in values or []:
        key, sep, raw = value.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--param {value!r}: expected NAME=VALUE")
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw
    return out
