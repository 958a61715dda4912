"""Writing an export: JSONL or Parquet (by the file's suffix, or `fmt`), each with an explicit schema,
so both files of one export hold the same records, field for field; then the manifest beside it
(FILE.manifest.json). Everything is written to temporary files first and renamed into place: a
failure leaves neither a half file nor a manifest describing a file that is not there."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

FILE_FORMATS = ("jsonl", "parquet")

# Field types by name, in pyarrow terms; `messages` is list<struct<role, content>>. Each record
# format lists its fields (and their order) below.
_MESSAGES = "messages"
_TYPES = {
    "messages": _MESSAGES, "prompt": _MESSAGES, "chosen": _MESSAGES, "rejected": _MESSAGES,
    "judge": "verdicts", "evidence_ids": "strings", "cited_ids": "strings",
}
_PROVENANCE = ["run_id", "model", "method", "benchmark", "subset", "split", "item_id", "source_id"]
FIELDS: dict[str, list[str]] = {
    "sft": ["messages", "prompt_source", "call_id", *_PROVENANCE, "answer", "gold", "answer_rule", "judge",
            "evidence_ids", "cited_ids"],
    "dpo": ["prompt", "chosen", "rejected", *_PROVENANCE, "rejected_run_id", "rejected_model", "chosen_call_id",
            "rejected_call_id", "chosen_answer", "rejected_answer", "gold", "judge"],
    "grpo": ["prompt", "answer", "answer_format", "gold", "template", *_PROVENANCE],
}


def file_format(path: Path, as_: str | None) -> str:
    fmt = (as_ or path.suffix.lstrip(".")).lower()
    if fmt not in FILE_FORMATS:
        raise ValueError(f"--as {as_!r}: expected jsonl or parquet" if as_ else
                         f"-o {path}: name a .jsonl or .parquet file, or give --as jsonl|parquet")
    return fmt


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def schema(kind: str):
    import pyarrow as pa

    message = pa.struct([("role", pa.string()), ("content", pa.string())])
    verdict = pa.struct([("name", pa.string()), ("value", pa.float64()), ("label", pa.string())])
    types = {_MESSAGES: pa.list_(message), "verdicts": pa.list_(verdict), "strings": pa.list_(pa.string())}
    return pa.schema([(name, types.get(_TYPES.get(name, ""), pa.string())) for name in FIELDS[kind]])


def rows(kind: str, records: list[dict]) -> list[dict]:
    """The records with exactly the format's fields, in order (what both file formats hold)."""
    fields = FIELDS[kind]
    return [{name: r.get(name) for name in fields} for r in records]


def check_writable(path: Path) -> None:
    """Before any work: the output names a file whose directory exists or can be made (it is made only
    when the export is written, so a refused export leaves nothing behind)."""
    if path.is_dir():
        raise ValueError(f"-o {path}: is a directory; give a file name, e.g. {path / 'train.jsonl'}")
    parent = path.parent if str(path.parent) else Path(".")
    existing = parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"-o {path}: {existing} is a file, not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"-o {path}: cannot write in {existing} (no permission)")


def _temp(path: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)  # mkstemp makes the file private; the export gets the permissions any new file gets
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    return Path(name)


def write_export(kind: str, records: list[dict], path: Path, fmt: str, manifest: dict) -> Path:
    """Write the records and the manifest atomically; returns the manifest's path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data_tmp, manifest_tmp = _temp(path), _temp(manifest_path(path))
    try:
        if fmt == "jsonl":
            with data_tmp.open("w", encoding="utf-8") as f:
                for row in rows(kind, records):
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(rows(kind, records), schema=schema(kind)), data_tmp)
        manifest_tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        data_tmp.replace(path)
        manifest_tmp.replace(manifest_path(path))
    finally:
        for tmp in (data_tmp, manifest_tmp):
            tmp.unlink(missing_ok=True)
    return manifest_path(path)
