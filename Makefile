# Tessera: `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --frozen
PYTEST_WORKERS ?= 2

DB_CHECK_URL ?= sqlite:///.db-check.sqlite

.PHONY: help install install-run run test test-fast lint format types layers db-check bench bench-search check clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

UV_BOOTSTRAP := $(if $(findstring .tools,$(UV)),.tools/bin/uv)

# --compile-bytecode: the libraries' .pyc files are written once, here. Where
# PYTHONDONTWRITEBYTECODE is set (containers, CI) Python never caches them itself, and
# compiling every imported library from source is then most of a unit test run.
install: $(UV_BOOTSTRAP) ## Install Tessera and its dev tools into .venv (from uv.lock)
	$(UV) sync --frozen --compile-bytecode

# Running needs no dev tools: install only Tessera's own dependencies (--inexact leaves
# the dev tools of an earlier `make install` in place rather than removing them).
install-run: $(UV_BOOTSTRAP)
	$(UV) sync --frozen --no-dev --inexact --compile-bytecode

run: install-run ## Serve the API on 127.0.0.1:8000 with the embedded default (SQLite)
	$(UV) run --no-sync tessera serve

test: install ## Run every test (unit, contract, integration, e2e) with coverage
	$(RUN) pytest -n $(PYTEST_WORKERS) -m "not timing" --cov --cov-report=
	$(RUN) pytest -m timing --cov --cov-append --cov-report=term

test-fast: install ## Run the unit tests only (no services needed)
	$(RUN) pytest tests/unit -q

lint: install ## ruff lint and format check
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: install ## Format and fix what ruff can
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

types: install ## mypy --strict over src/ and tests/
	$(RUN) mypy

layers: install ## The layer rules (import-linter)
	$(RUN) lint-imports

db-check: install ## Fail when the models and the migrations disagree (on a fresh database)
	rm -f .db-check.sqlite*
	TESSERA_ENV=test TESSERA_DATABASE_URL=$(DB_CHECK_URL) $(RUN) tessera db upgrade
	TESSERA_ENV=test TESSERA_DATABASE_URL=$(DB_CHECK_URL) $(RUN) tessera db check
	rm -f .db-check.sqlite*

bench: install ## Tessera vs bare FastAPI anchors, interleaved rounds (wrk; PostgreSQL + Redis; BENCH_QUICK=1)
	$(RUN) python -m benchmarks.compare $(BENCH_ARGS)

bench-search: install ## Full-text search benchmark on PostgreSQL (TICKETS=100000)
	$(RUN) python -m benchmarks.search --tickets $(or $(TICKETS),100000)

check: lint types layers db-check test ## Everything CI runs

clean: ## Remove caches and the local SQLite database
	rm -rf .mypy_cache .ruff_cache .pytest_cache .coverage tessera.db*
