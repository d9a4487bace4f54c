# One script layer for humans and CI. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(shell command -v python3 >/dev/null 2>&1 && echo "python3 -m uv")
endif

.PHONY: help install lint test test-unit up down status clean bench schemas uv

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

uv: ## Install uv (the Python package manager) when missing
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || { \
	  command -v python3 >/dev/null || { echo "error: python3 (3.11+) is required" >&2; exit 1; }; \
	  echo "installing uv with pip"; python3 -m pip install --quiet uv; }

install: uv ## Install the Python workspace (locked versions) into .venv
	$(UV) sync --frozen --all-packages

lint: install ## ruff (lint + format check), mypy strict, import contracts, schema drift
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run lint-imports
	$(UV) run python -m jangkau_shared.schemas --check

test: install ## Run all tests; starts the test stack (Kafka, PostgreSQL) if needed and stops what it started
	bash deploy/test.sh

test-unit: install ## Run the unit tests only (no stack needed)
	$(UV) run pytest tests/unit

up: install ## Start the whole stack with a demo and print where to look; JANGKAU_METRICS_INSTANCES=N runs N metrics
	bash deploy/demo.sh

down: ## Stop everything `make up` started (every metrics instance); says where its data stays
	bash deploy/stack.sh down

status: ## Show what runs (one row per process), where the data lives, stale clusters `make clean` would delete
	bash deploy/stack.sh status

clean: ## Stop and delete all state of this checkout (.jangkau/, clusters in /var/tmp); asks before dev data unless FORCE=1
	bash deploy/stack.sh clean $(if $(filter 1,$(FORCE)),--force)

bench: install ## Measure against same-run baselines on the test stack; writes bench/results/
	bash deploy/bench.sh

schemas: install ## Regenerate the committed JSON Schemas from the event models
	$(UV) run python -m jangkau_shared.schemas
