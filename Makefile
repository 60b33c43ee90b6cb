# fenjie — `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
RAW    ?= raw
OUT    ?= out
JOBS   ?=

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP) ## create .venv (if missing) and install fenjie with pinned dependencies

extract: $(STAMP) ## extract every notice in raw/ into out/ (Parquet + JSON); only changed inputs are re-extracted; JOBS=n
	$(BIN)/fenjie extract $(RAW) --out $(OUT) $(if $(JOBS),--jobs $(JOBS))

test: $(STAMP) ## run the test suite (without the slow checks)
	$(BIN)/python -m pytest

test-slow: $(STAMP) ## the slow checks only (streaming memory at 1,000 notices, --jobs speed-up)
	$(BIN)/python -m pytest -m slow

eval: $(STAMP) ## score extraction against the expected fixtures (floors must hold)
	$(BIN)/fenjie eval tests/fixtures/formats

compare: $(STAMP) ## compare two breakdowns: make compare OLD=<doc_id|file> NEW=<doc_id|file>
	$(BIN)/fenjie compare $(OLD) $(NEW) --out $(OUT)/compare --data $(OUT)

bench: $(STAMP) ## benchmarks (not tests): speed and text fidelity against trafilatura
	$(BIN)/python -m pip install -q --disable-pip-version-check -r benchmarks/requirements.lock
	$(BIN)/python benchmarks/run.py

clean: ## remove generated output (keeps .venv)
	rm -rf $(OUT) .pytest_cache

.PHONY: help install extract test test-slow eval compare bench clean docs

docs: $(STAMP) ## regenerate the README's generated sections and schema/document.schema.json
	$(BIN)/python -m pipeline.docs
