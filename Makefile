# The two commands of the README, and the steps they share. Each works on a fresh machine:
# `setup` installs what is missing and is quick when everything is there.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup system containers up down lint check-schemas bench clean

run: setup
	$(BIN)/orderloom run

test: setup containers up lint check-schemas
	$(BIN)/pytest

setup: system $(STAMP)

system:
	@scripts/setup-system.sh

# podman, a Debian base image and Helm: only the image and chart tests (tests/deploy) need them
containers:
	@scripts/setup-containers.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

up: setup
	$(BIN)/orderloom up

down:
	$(BIN)/orderloom down

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check-schemas: $(STAMP)
	$(BIN)/orderloom schemas check

bench: up
	$(BIN)/orderloom bench kafka

clean: down
	rm -rf .local
