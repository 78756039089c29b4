# Two commands for people: `make demo` and `make test`. Everything else is for developers.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test system-deps lint chaos soak bench clean

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "需要 Python 3.11 或更高版本 (Python 3.11+ required)")'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

# Ports of the demo's servers: `make demo SANDBOX_PORT=8801 SITE_PORT=8001` when they are taken.
SANDBOX_PORT ?= 8800
SITE_PORT ?=

demo: $(STAMP)
	$(BIN)/publisher demo --sandbox-port $(SANDBOX_PORT) $(if $(SITE_PORT),--site-port $(SITE_PORT))

system-deps:
	bash scripts/system-deps.sh

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check publisher channels workers tests bench

bench: $(STAMP) system-deps
	$(BIN)/python -m bench.run

chaos: $(STAMP) system-deps
	$(BIN)/python -m tests.chaos.run --ledger both --write-doc

# Memory soak: 2,000 syncs of the sample content in one process, RSS growth under 20 MB
# (~10 min on an idle 2-core machine; `make test` runs a 40-sync version).
soak: $(STAMP)
	$(BIN)/python -m tests.soak.run --syncs 2000 --max-growth-mb 20

clean:
	rm -rf $(VENV) .state out bench/_corpus bench/_out
