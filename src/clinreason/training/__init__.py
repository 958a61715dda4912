"""From evaluation runs to training data: verified traces (SFT), preference pairs (DPO) and prompts
with gold fields for reward functions (GRPO), with a guard against exporting test items.

    clinreason export-training RUN... --format sft|dpo|grpo -o FILE.jsonl|FILE.parquet

  records.py   what is read from the store for each prediction (Candidate), splits
  sft.py       correct (and, where judged, sound) traces as chat conversations
  dpo.py       chosen/rejected pairs from several samples of one prompt
  grpo.py      one prompt per item with its gold (clinreason.rewards.gold_spec)
  guard.py     the test-split guard and n-gram overlap with evaluation sets
  write.py     JSONL / Parquet with explicit schemas, the manifest, atomic writes
  pipeline.py  export_training: all of it, every check before anything is written
"""

from __future__ import annotations

from .guard import ContaminationError, find_overlaps, ngrams
from .pipeline import KINDS, ExportOptions, ExportResult, NoRecordsError, export_training
from .write import FIELDS, manifest_path

__all__ = ["FIELDS", "KINDS", "ContaminationError", "ExportOptions", "ExportResult", "NoRecordsError",
           "export_training", "find_overlaps", "manifest_path", "ngrams"]
