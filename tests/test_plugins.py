"""A third-party package adds a benchmark and a model kind through the `clinreason.plugins` entry
point, without touching this repository: installed (for real, by pip) into a folder of its own,
then seen by `clinreason list` and run end to end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN_SRC = Path(__file__).parent / "plugin_pkg"


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("plugin")
    shutil.copytree(PLUGIN_SRC, work / "src")  # build outside the repository: no build/ or egg-info here
    target = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(work / "src")], check=True, timeout=300)
    assert list(target.glob("clinreason_toy_plugin-*.dist-info/entry_points.txt"))
    return target


def _clinreason(args: list[str], site: Path, cwd: Path, data: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site), "COLUMNS": "200"}
    if data is not None:
        env["CLINREASON_DATA"] = str(data)
    return subprocess.run([sys.executable, "-m", "clinreason", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


def test_plugin_registers_a_benchmark_and_a_model_kind(plugin_site, tmp_path):
    data = tmp_path / "data"
    (data / "toy_plugin").mkdir(parents=True)
    (data / "toy_plugin" / "exam.jsonl").write_text("\n".join(json.dumps(
        {"q": f"Question {i}?", "options": {"A": "one", "B": "two", "C": "three"}, "answer": "AB"[i % 2]})
        for i in range(4)) + "\n")
    listed = _clinreason(["list"], plugin_site, tmp_path, data)
    assert listed.returncode == 0, listed.stderr
    assert "toy_plugin_exam" in listed.stdout and "test (4)" in listed.stdout
    assert "always:LETTER" in listed.stdout

    ran = _clinreason(["run", "toy_plugin_exam", "-m", "always:A", "--method", "direct", "--out", str(tmp_path / "r"),
                       "--json"], plugin_site, tmp_path, data)
    assert ran.returncode == 0, ran.stderr
    summary = json.loads(ran.stdout[ran.stdout.index("{"):])
    assert summary["benchmark"] == "toy_plugin_exam" and summary["n_done"] == 4
    assert summary["accuracy"] == 0.5  # "A" is right on items 0 and 2


def test_without_the_plugin_its_names_are_unknown(tmp_path):
    ran = _clinreason(["run", "toy_plugin_exam", "-m", "always:A"], Path(tmp_path), tmp_path)
    assert ran.returncode == 2 and "unknown benchmark 'toy_plugin_exam'" in ran.stderr


def test_a_broken_plugin_is_reported_not_fatal(plugin_site, tmp_path):
    broken = tmp_path / "site"
    shutil.copytree(plugin_site, broken)
    (broken / "clinreason_toy_plugin" / "__init__.py").write_text("raise ImportError('half-installed')\n")
    listed = _clinreason(["list"], broken, tmp_path)
    assert listed.returncode == 0
    assert "plugin 'toy'" in listed.stderr and "half-installed" in listed.stderr
