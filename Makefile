# One task runner. `make run` and `make test` work on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test lint format typecheck bench install install-dev migrate migrations-check clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP) $@

install: $(STAMP)
install-dev: $(DEVSTAMP)

run: $(STAMP)
	$(BIN)/grace serve

migrate: $(STAMP)
	$(BIN)/grace migrate

test: $(DEVSTAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(DEVSTAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

format: $(DEVSTAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(DEVSTAMP)
	$(BIN)/mypy bot tools workers engine storage

bench: $(DEVSTAMP)
	@for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The models and the migrations agree, on SQLite and on PostgreSQL.
migrations-check: $(DEVSTAMP)
	@tmp=$$(mktemp -d); \
	GRACE_DATABASE_URL=sqlite+aiosqlite:///$$tmp/check.db $(BIN)/alembic upgrade heads >/dev/null && \
	GRACE_DATABASE_URL=sqlite+aiosqlite:///$$tmp/check.db $(BIN)/alembic check; rc=$$?; rm -rf $$tmp; \
	db=grace_check_$$$$; psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $$db" && \
	GRACE_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1/$$db $(BIN)/alembic upgrade heads >/dev/null && \
	GRACE_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1/$$db $(BIN)/alembic check; rc2=$$?; \
	psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $$db"; test $$rc -eq 0 -a $$rc2 -eq 0

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
