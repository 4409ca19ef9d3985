# The README's commands. `make run` and `make test` install what they need first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install run ingest ui eval bench test test-fast lint format lock clean

install: $(STAMP)

# llama.cpp, the local backend's engine, is compiled when llama-cpp-python installs. Built for this CPU (its default,
# GGML_NATIVE) it uses every instruction set the CPU reports, AMX included, and AMX faults where the kernel or the VM
# doesn't enable its tile state (seen on a Firecracker VM of a Sapphire Rapids host: "ldtilecfg", a general protection
# fault on the first completion). So it is built portable (SSE4.2, AVX, AVX2, FMA, F16C, BMI2 on x86; the defaults
# elsewhere), once per version and flags, into a wheel folder outside the checkout that later installs (a clean CI
# clone too) reuse: pip's own wheel cache doesn't key on the flags, so it could hand back a native build.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF
LLAMA_VERSION := $(shell sed -n 's/^llama_cpp_python==//p' constraints.txt)
WHEELS := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/paper-rag/wheels/$(shell printf '%s' '$(LLAMA_CMAKE_ARGS)' | cksum | cut -d' ' -f1)

# Pinned versions come from constraints.txt; re-pin with `make lock`.
# setuptools prints an "Editable installation" notice for every editable install (its packages are folders of the
# working tree, which is the point here): that one notice is silenced, every other warning still shows.
$(STAMP): pyproject.toml constraints.txt Makefile
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel
	ls $(WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1 \
		|| CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel -q --no-cache-dir --no-deps -c constraints.txt \
			-w $(WHEELS) llama-cpp-python
	$(BIN)/pip install -q --no-deps --force-reinstall $(WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	$(BIN)/python -c "import importlib.util as u, sys; sys.exit(u.find_spec('torch') is not None)" \
		|| (echo "torch was pulled in; it must not be" && exit 1)
	touch $(STAMP)

ingest: install
	$(BIN)/paper-rag ingest

# Installs if needed, ingests the bundled corpus if the store is empty, serves the UI on 127.0.0.1:7860.
run: install
	@$(BIN)/paper-rag stats --json | $(BIN)/python -c "import json,sys; sys.exit(json.load(sys.stdin)['papers'] == 0)" \
		|| $(BIN)/paper-rag ingest
	$(BIN)/paper-rag ui

ui: run

eval: install
	$(BIN)/paper-rag eval --dataset curated
	$(BIN)/paper-rag eval --retrieval-only --dataset generated --out evals/reports/generated

# Each benchmark writes bench/results/<name>.json; BENCHMARKS.md quotes them. Run on a quiet machine.
bench: install
	$(BIN)/python bench/ingest_bench.py
	$(BIN)/python bench/query_bench.py
	$(BIN)/python bench/startup_bench.py
	$(BIN)/python bench/server_bench.py
	$(BIN)/python bench/concurrency_bench.py
	$(BIN)/python bench/grid_bench.py

test: install
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock:
	$(BIN)/pip freeze --exclude-editable | grep -v '^paper-rag' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .cache .mypy_cache .ruff_cache *.egg-info
