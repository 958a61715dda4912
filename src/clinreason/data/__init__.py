"""Benchmark loaders (source files -> `Item`s, nothing else) and where their data is found."""

from __future__ import annotations

from pathlib import Path

from ..items import Item
from . import medagentsbench, pubmedqa  # noqa: F401  (registers the benchmarks)
from .base import BENCHMARKS, Benchmark, HubFiles
from .generic import FieldMap, LoadResult, load_file, scan_file
from .locate import DataNotFound, resolve_data_dir

# `locate` (the function) stays in clinreason.data.locate: binding it here would hide that submodule.
from .locate import locate as locate_file

__all__ = [
    "BENCHMARKS", "Benchmark", "DataNotFound", "FieldMap", "HubFiles", "LoadResult", "list_benchmarks",
    "load_file", "load_items", "locate_file", "resolve_data_dir", "scan_file",
]  # fmt: skip


def list_benchmarks() -> list[Benchmark]:
    return [bench for _, bench in BENCHMARKS.items()]


def load_items(
    name: str, subset: str | None = None, data_dir: str | Path | None = None, *, hub: bool = True
) -> list[Item]:
    """Items of a registered benchmark (aliases accepted); subset None -> the benchmark's default.

    hub=False never consults the Hugging Face Hub (only --data-dir, $CLINREASON_DATA, the user cache)."""
    bench = BENCHMARKS.get(name)
    subset = bench.check_subset(subset)
    return bench.load(locate_file(bench, subset, data_dir, hub=hub), subset)


def scan_items(name: str, subset: str | None = None, data_dir: str | Path | None = None) -> tuple[list[Item], list]:
    """(items, bad records) of a benchmark whose loader can leave bad records out (`Benchmark.scanner`);
    a benchmark without one loads as `load_items` does (stopping at a bad record)."""
    bench = BENCHMARKS.get(name)
    subset = bench.check_subset(subset)
    path = locate_file(bench, subset, data_dir, hub=False)
    if bench.scanner is None:
        return bench.load(path, subset), []
    return bench.scanner(bench, path, subset)
from . import cupcase, healthbench, medec, medrbench  # noqa: E402,F401  (open-ended / rubric / MEDEC benchmarks)
from . import cmmlu, frenchmedmcqa, headqa, igakuqa, medxpertqa, mmlu_translated  # noqa: E402,F401  (multilingual + MedXpertQA)
from . import medcalc  # noqa: E402,F401  (MedCalc-Bench)
from . import agentclinic, mediq  # noqa: E402,F401  (interactive consultation: episodes with a patient)
from . import vqa_rad  # noqa: E402,F401  (VQA-RAD: images + questions)
