"""The shared typer app, console and error handling."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup

from ..errors import DataError, ModelError


def _plain_flags(command, ctx) -> None:
    """Flags (--json, --help, ...) take no value: --help shows no `<bool>` type for them."""
    for param in command.get_params(ctx):
        if getattr(param, "is_flag", False) and getattr(param, "metavar", "") is None:
            param.metavar = ""


class Command(TyperCommand):
    def format_help(self, ctx, formatter) -> None:
        _plain_flags(self, ctx)
        return super().format_help(ctx, formatter)


class Group(TyperGroup):
    def format_help(self, ctx, formatter) -> None:
        _plain_flags(self, ctx)
        return super().format_help(ctx, formatter)


class Typer(typer.Typer):
    """typer.Typer whose commands and sub-apps print flags plainly in --help."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("cls", Group)
        super().__init__(*args, **kwargs)

    def command(self, *args, cls=None, **kwargs):
        return super().command(*args, cls=cls or Command, **kwargs)


app = Typer(
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
            fail(message)
        except OSError as e:  # a directory where a file goes, no permission, disk full: one line, no traceback
            fail(f"{e.strerror or e}: {e.filename}" if e.filename else str(e), code=1)

    return wrapper


def fail(message, code: int = 2):
    """Print `error: MESSAGE` (verbatim: brackets in it are text, not rich markup) and exit."""
    err_console.print(f"[bold red]error:[/] {escape(str(message))}", soft_wrap=True)
    sys.exit(code)


def esc(value) -> str:
    """Any text that is not ours (names, paths, model output, error messages) for a rich print:
    `[local]` stays `[local]` instead of being read as markup."""
    return escape(str(value))


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
