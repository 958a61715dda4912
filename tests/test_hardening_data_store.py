"""Storage problems end in one clear line (a StoreError, a ValueError the CLI prints), never a
traceback: a garbage or truncated database, a store from a newer clinreason (refused before any
write), --out pointing at a file, a read-only directory, a full disk."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clinreason.cli import app
from clinreason.store import DB_NAME, MIGRATIONS, Store, StoreError
from conftest import make_item


def seeded(path: Path, n: int = 3) -> Store:
    store = Store(path)
    items = [make_item(i) for i in range(n)]
    store.start_run({"id": "r1", "benchmark": "toy", "subset": None, "model": "m", "model_identity": "m",
                     "method": "direct", "config": {}}, items)
    for item in items:
        store.save_result("r1", item.id, {"status": "ok", "output": "ANSWER: B"}, {})
    return store


def digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


def no_traceback(result) -> None:
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def test_store_error_is_a_value_error():
    assert issubclass(StoreError, ValueError)  # friendly_errors prints ValueErrors as one line


def test_garbage_file(tmp_path):
    (tmp_path / DB_NAME).write_bytes(b"this is not sqlite at all\n" * 200)
    before = digest(tmp_path)
    with pytest.raises(StoreError, match="is not a clinreason store or is damaged"):
        Store(tmp_path)
    assert digest(tmp_path) == before  # untouched
    result = CliRunner().invoke(app, ["import", "medagentsbench", str(tmp_path / "x.json"), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "is not a clinreason store or is damaged" in result.output
    no_traceback(result)


@pytest.mark.parametrize("keep", [0.5, 0.02])
def test_truncated_database(tmp_path, keep):
    store = seeded(tmp_path, n=50)
    for i in range(200):
        store.record_call(cache_key=f"k{i}", model="m", response="x" * 400)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    path = tmp_path / DB_NAME
    for extra in tmp_path.glob(DB_NAME + "-*"):
        extra.unlink()
    with open(path, "r+b") as f:
        f.truncate(int(path.stat().st_size * keep))
    with pytest.raises(StoreError, match="is not a clinreason store or is damaged") as err:
        s = Store(tmp_path)  # damage found on open, or at the latest on the first read of the lost pages
        s.list_runs(), s.predictions("r1"), s.count_calls()
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_foreign_sqlite_database_is_not_taken_over(tmp_path):
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.execute("CREATE TABLE notes (x TEXT)")
    db.commit()
    db.close()
    before = digest(tmp_path)
    with pytest.raises(StoreError, match="is not a clinreason store"):
        Store(tmp_path)
    assert digest(tmp_path) == before


def test_newer_store_is_refused_before_any_write(tmp_path):
    seeded(tmp_path).close()
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.execute("INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_from_the_future', 1.0)")
    db.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    before = digest(tmp_path)
    with pytest.raises(StoreError) as err:
        Store(tmp_path)
    text = str(err.value)
    assert "newer clinreason" in text and "9999_from_the_future" in text and "upgrade clinreason" in text
    assert digest(tmp_path) == before
    result = CliRunner().invoke(app, ["judge", "r1", "--rubric", "medec", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "newer clinreason" in result.output, result.output
    no_traceback(result)
    assert digest(tmp_path) == before


def test_newer_user_version_alone_is_refused(tmp_path):
    seeded(tmp_path).close()
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.execute(f"PRAGMA user_version={len(MIGRATIONS) + 3}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer clinreason"):
        Store(tmp_path)


def test_out_is_a_file(tmp_path):
    target = tmp_path / "results.txt"
    target.write_text("mine, not a store")
    with pytest.raises(StoreError, match="is a file"):
        Store(target)
    assert target.read_text() == "mine, not a store"
    result = CliRunner().invoke(app, ["import", "medagentsbench", str(tmp_path / "x.json"), "--out", str(target)])
    assert result.exit_code == 2 and str(target) in result.output and "error:" in result.output, result.output
    no_traceback(result)
    directory_db = tmp_path / "store.db"
    directory_db.mkdir()
    with pytest.raises(StoreError, match="is a directory"):
        Store(directory_db)


@pytest.fixture
def read_only(tmp_path):
    """Makes paths read-only for real: chmod for an ordinary user; for root (whom chmod does not
    stop) the immutable attribute, which stops root too. Skips when neither is possible."""
    made: list[Path] = []

    def freeze(*paths: Path) -> None:
        for p in paths:
            if os.geteuid() != 0:
                p.chmod(0o555 if p.is_dir() else 0o444)
            elif shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(p)], capture_output=True).returncode:
                pytest.skip("running as root and chattr +i is not available: cannot make a path read-only")
            made.append(p)

    yield freeze
    for p in reversed(made):
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(p)], capture_output=True)
        else:
            p.chmod(0o755 if p.is_dir() else 0o644)


def test_read_only_directory_new_store(tmp_path, read_only):
    target = tmp_path / "ro"
    target.mkdir()
    read_only(target)
    with pytest.raises(StoreError) as err:
        Store(target)
    assert str(target) in str(err.value) and "\n" not in str(err.value)
    result = CliRunner().invoke(app, ["import", "medagentsbench", str(tmp_path / "x.json"), "--out", str(target)])
    assert result.exit_code == 2, result.output
    no_traceback(result)


def test_read_only_existing_store(tmp_path, read_only):
    target = tmp_path / "ro2"
    seeded(target).close()
    read_only(target / DB_NAME, target)
    with pytest.raises(StoreError) as err:
        s = Store(target)
        s.save_result("r1", "q0", {"status": "ok", "output": "x"}, {})
    assert str(target) in str(err.value)


def test_disk_full(tmp_path):
    store = seeded(tmp_path)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count={pages}")  # the database cannot grow: full, for real
    with pytest.raises(StoreError, match="full") as err:
        for i in range(200):
            store.record_call(cache_key=f"big{i}", model="m", response="x" * 20000)
    assert "\n" not in str(err.value)
    with pytest.raises(StoreError, match="full"):
        store.save_result("r1", "q1", {"status": "ok", "output": "y" * 100000, "info": {"pad": "z" * 100000}}, {})
    # nothing stored was lost, and the store still works for reading and small writes once space is back
    assert len(store.predictions("r1")) == 3
    store.db.execute("PRAGMA max_page_count=1073741823")
    store.save_result("r1", "q1", {"status": "ok", "output": "fine"}, {})
    assert {p["item_id"]: p["output"] for p in store.predictions("r1")}["q1"] == "fine"
