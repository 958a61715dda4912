# Two commands for a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Benchmark files are read in place (never copied): ../shared/data beside the checkout by default.
export CLINREASON_DATA ?= $(abspath ../shared/data)
# llama.cpp for a portable x86-64 CPU (AVX2), not -march=native: a native build on a CPU with AMX
# crashed (SIGSEGV in ggml's AMX matmul) on these VMs, and pip's cached wheel must run on the next
# machine too, whatever its CPU. Override for your own machine: make install CMAKE_ARGS=...
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

TORCH ?= torch==2.13.0

.PHONY: install demo test bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# llama-cpp-python compiles llama.cpp (about 5 minutes on 2 cores; pip caches the wheel).
	# PyTorch first, pinned to the CPU build this machine keeps on disk (an unpinned torch pulls a
	# several-GB CUDA build); the `train` extra then finds it installed. Override: make install TORCH=torch
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e '.[local,server,dev,train,ray]'
	touch $@

demo: install
	$(BIN)/clinreason run medqa --subset test_hard --limit 20 --method cot --out results/demo

test: install
	$(BIN)/python -m pytest -q -ra

clean:
	rm -rf $(VENV) results
