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

run: install  ## Create ./seatplan.db, load the demo tenant if it is empty, and show its state.
	$(BIN)/seatplan db upgrade
	$(BIN)/seatplan demo

test: install  ## Run every test (PostgreSQL tests skip when no server is reachable).
	$(BIN)/python -m pytest

lint: install  ## ruff and mypy --strict.
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

bench: install  ## Benchmark assigning a product to a 100,000-member group (prints JSON).
	$(BIN)/python bench/group_assign.py --members 100000

clean:  ## Remove the virtual environment and the local database.
	rm -rf $(VENV) seatplan.db seatplan.db-wal seatplan.db-shm

.PHONY: help install run test lint bench clean
