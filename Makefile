# The README's commands. `make run` and `make test` install what they need first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install run ingest test test-fast lint format clean

install: $(STAMP)

# Pinned versions come from constraints.txt; re-pin with `make lock`.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	$(BIN)/python -c "import importlib.util as u, sys; sys.exit(u.find_spec('torch') is not None)" \
		|| (echo "torch was pulled in; it must not be" && exit 1)
	touch $(STAMP)

ingest: install
	$(BIN)/paper-rag ingest

run: install
	@$(BIN)/paper-rag stats --json | $(BIN)/python -c "import json,sys; sys.exit(json.load(sys.stdin)['papers'] == 0)" \
		|| $(BIN)/paper-rag ingest
	$(BIN)/paper-rag papers --search "policy optimization"

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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
