# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-faults lint typecheck importlint unit integration promtool schemas bench bench-quick clean kafka-up kafka-down venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

## run: local Kafka + worker + simulated upstream/downstream traffic, then a summary
run: $(STAMP)
	$(BIN)/problem-tracker demo

## test: lint, types, layers, and the whole suite (integration tests on a real broker)
test: lint typecheck importlint
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest $(PYTEST_ARGS)
	$(BIN)/coverage report --include='src/problem_tracker/domain/*' --fail-under=100
	$(BIN)/coverage report --fail-under=0 > /dev/null

## test-faults: the long fault suite (tests/faults) on a broker of its own, about 15 minutes:
## kill -9, broker restart, members leaving and joining, state wiped, each against the oracle.
## FAULT_SEED=<n> repeats a run's fault moments; FAULT_GUARANTEE=exactly_once the other guarantee.
test-faults: $(STAMP)
	FAULT_SUITE=long FAULT_RESULTS=var/faults $(BIN)/pytest tests/faults --timeout 1500 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

importlint: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest tests/unit tests/component $(PYTEST_ARGS)

integration: $(STAMP)
	$(BIN)/pytest tests/integration $(PYTEST_ARGS)

## promtool: the Prometheus config and alert rules checked, and the rules' unit tests (also in test)
promtool: $(STAMP)
	$(BIN)/pytest tests/unit/deploy/test_promtool.py $(PYTEST_ARGS)

schemas: $(STAMP)
	$(BIN)/problem-tracker schemas export

## bench: the three ceilings (raw Kafka, bare Faust, Faust + RocksDB table) and the pipeline,
## interleaved in rounds on one broker, with the ratios (BENCHMARKS.md); another benchmark
## with BENCH_ARGS="pipeline --reports 5000", say; the default also runs `worker --processes 2`
BENCH_ARGS ?= ceilings --processes 2
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

## bench-quick: one small round of `bench`, about two minutes: checks the harness, not speed
## (tests/integration/test_bench_quick.py runs the same in `make test`)
bench-quick: $(STAMP)
	$(BIN)/python -m bench ceilings --rounds 1 --reports 60 --messages 400 --results-dir var/bench-quick

kafka-up: $(STAMP)
	$(BIN)/problem-tracker kafka up

kafka-down: $(STAMP)
	$(BIN)/problem-tracker kafka down

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .coverage var
