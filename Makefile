# Seatplan: `make help` lists the targets; each target's comment is its help.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export SEATPLAN_DATABASE_URL ?= sqlite:///./seatplan.db

help:  ## Show this help.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

$(BIN)/seatplan: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

install: $(BIN)/seatplan  ## Create .venv and install Seatplan with its development tools.

HOST ?= 127.0.0.1
PORT ?= 8000
SCOPES := Directory.ReadWrite.All AuditLog.Read.All Seatplan.Admin

run: install  ## Load the demo tenant into ./seatplan.db if empty, print a token, serve on localhost:8000.
	$(BIN)/seatplan demo
	$(BIN)/seatplan admin demo
	@echo
	@echo "Portal:  http://$(HOST):$(PORT)/"
	@echo "API:     http://$(HOST):$(PORT)/v1.0   (OpenAPI browser: http://$(HOST):$(PORT)/docs)"
	@printf 'Token:   %s\n' "$$($(BIN)/seatplan token create --name 'make run' --scope $(SCOPES) | tail -n 1)"
	@echo "Example: curl -H \"Authorization: Bearer <token>\" http://$(HOST):$(PORT)/v1.0/subscribedSkus"
	@echo
	$(BIN)/seatplan serve --host $(HOST) --port $(PORT)

# npm ci writes node_modules/.package-lock.json: installed again only when the lock file changes.
tests/js/node_modules/.package-lock.json: tests/js/package-lock.json tests/js/package.json
	cd tests/js && npm ci --no-audit --no-fund
	@touch $@

js: tests/js/node_modules/.package-lock.json  ## Install the JavaScript Graph client for its tests (npm ci in tests/js).

test: install  ## Run every test (PostgreSQL tests skip when no server is reachable, the JavaScript client's without npm).
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory js; \
	else echo "npm not found: the JavaScript client's tests will skip"; fi
	$(BIN)/python -m pytest

lint: install  ## ruff, mypy --strict and the import layers (pyproject.toml, [tool.importlinter]).
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install  ## Benchmark assigning a product to a 100,000-member group (prints JSON).
	$(BIN)/python bench/group_assign.py --members 100000

clean:  ## Remove the virtual environment, the JavaScript packages and the local database.
	rm -rf $(VENV) tests/js/node_modules seatplan.db seatplan.db-wal seatplan.db-shm

.PHONY: help install js run test lint bench clean
