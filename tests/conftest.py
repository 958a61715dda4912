"""Shared fixtures. Benchmark data is read in place from ../shared/data (or $CLINREASON_DATA)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from clinreason.items import Item

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    env = os.environ.get("CLINREASON_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not (path / "medagentsbench").is_dir():
        pytest.skip(f"shared benchmark data not found at {path} (set CLINREASON_DATA)")
    return path


def db_count(db, sql) -> int:
    """A COUNT query on a store another process is writing: 0 until the store's tables exist."""
    try:
        with sqlite3.connect(db, timeout=30) as con:
            return con.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def make_item(i: int = 0, answer: str = "B", n_options: int = 4, **kw) -> Item:
    letters = "ABCDEFGHIJ"[:n_options]
    return Item(
        id=kw.pop("id", f"q{i}"),
        benchmark=kw.pop("benchmark", "toy"),
        question=kw.pop("question", f"Toy question {i}?"),
        options={letter: f"option {letter.lower()} of {i}" for letter in letters},
        answer=answer,
        **kw,
    )


@pytest.fixture
def toy_items() -> list[Item]:
    return [make_item(i, answer="ABCD"[i % 4], metadata={"subject": "s1" if i % 2 else "s2"}) for i in range(12)]


@pytest.fixture
def browser(request, tmp_path):
    """Headless Chromium (tests/headless.py); skips when it is not installed."""
    from headless import chrome

    with chrome(tmp_path, getattr(request.module, "BROWSER_HEIGHT", 1000)) as driver:
        yield driver
