# fenjie — `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
RAW    ?= raw
OUT    ?= out
NOTICES ?= $(sort $(wildcard examples/hewan-*.txt))
JOBS   ?=

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@$(BIN)/python -m compileall -q pipeline  # bytecode once, as a wheel install has it (PYTHONDONTWRITEBYTECODE=1 would recompile every run)
	@touch $(STAMP)

install: $(STAMP) ## create .venv (if missing) and install fenjie with pinned dependencies

extract: $(STAMP) ## extract every notice in raw/ into out/ (Parquet + JSON); only changed inputs are re-extracted; JOBS=n
	$(BIN)/fenjie extract $(RAW) --out $(OUT) $(if $(JOBS),--jobs $(JOBS))

export: $(STAMP) ## workbooks, per-unit lists, CSV and data dictionary from out/ into out/export/
	$(BIN)/fenjie export --data $(OUT) --out $(OUT)/export

test: $(STAMP) ## lint (ruff), type-check (mypy), then the test suite with every doctest (not the slow checks)
	$(BIN)/ruff check pipeline tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/python -m pytest

test-slow: $(STAMP) ## the slow checks only (streaming memory at 1,000 notices, --jobs speed-up)
	$(BIN)/python -m pytest -m slow

REAL ?= ../shared/corpus/real

eval: $(STAMP) ## score extraction on the real notices in ../shared/corpus/real and the format fixtures (floors must hold)
	$(BIN)/fenjie eval $(REAL)
	$(BIN)/fenjie eval tests/fixtures/formats

compare: $(STAMP) ## compare notices year over year: make compare NOTICES="<doc_id|file> ..." (default: examples/)
	$(BIN)/fenjie compare $(NOTICES) --out $(OUT)/compare --data $(OUT)

#: `make bench` measures this commit too (the main branch before the speed-up of issue 13): BEFORE= to skip it.
BEFORE ?= d3536f0
BENCH_ARGS ?=

bench: $(STAMP) ## benchmarks (not tests): pages, warm throughput, cold start, batch, compare; before/after and peers side by side
	$(BIN)/python -m pip install -q --disable-pip-version-check -r benchmarks/requirements.lock
	$(BIN)/python benchmarks/run.py $(if $(BEFORE),--before $(BEFORE)) $(BENCH_ARGS)

MINUTES ?= 10

soak: $(STAMP) ## try fenjie for MINUTES minutes (not in CI): fuzzing, crafted inputs, kills, concurrent runs, a full disk
	$(BIN)/python -m pip install -q --disable-pip-version-check -r tools/requirements.lock
	$(BIN)/python -m tools.soak --minutes $(MINUTES) --report $(OUT)/soak

clean: ## remove generated output (keeps .venv)
	rm -rf $(OUT) .pytest_cache

.PHONY: help install extract export test test-slow eval compare bench soak clean docs

docs: $(STAMP) ## regenerate the README's generated sections, schema/document.schema.json, docs/data-dictionary.md
	$(BIN)/python -m pipeline.docs
