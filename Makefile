# The two commands of the quick start:
#   make serve   - run coinrelay (`coinrelay serve` with the default config)
#   make test    - run every test (core and every plugin)
# Each creates .venv and installs what it needs on first use (Python 3.11+).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGINS := $(sort $(wildcard plugins/*/pyproject.toml))
EXAMPLES := $(sort $(wildcard examples/*/pyproject.toml))
STAMP := $(VENV)/.installed

.PHONY: serve sandbox test test-fast lint typecheck bench plugin-tests generate clean

$(STAMP): core/pyproject.toml $(PLUGINS) $(EXAMPLES) requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "coinrelay needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e 'core[server,redis,fast,test]' $(foreach p,$(PLUGINS) $(EXAMPLES),-e $(dir $(p))) -r requirements-dev.txt
	@touch $@

serve: $(STAMP)
	$(BIN)/coinrelay serve $(ARGS)

sandbox: $(STAMP)
	$(BIN)/coinrelay serve --sandbox $(ARGS)

test: $(STAMP)
	@bash scripts/install-system-deps.sh
	$(BIN)/python -m pytest $(ARGS)

# The suite runs on aiohttp, the transport of a plain install (tests/conftest.py); this runs the
# chaos suite and the failover and hedging tests again on the fast transport (coinrelay[fast]).
test-fast: $(STAMP)
	COINRELAY_RELAY__TRANSPORT=wreq $(BIN)/python -m pytest tests/chaos tests/test_failover.py tests/test_hedging.py $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check core plugins tests bench examples
	$(BIN)/mypy

typecheck: $(STAMP)
	$(BIN)/mypy

# Rewrite what is generated from the category declarations (core/coinrelay/_categories.py):
# core/coinrelay/_generated_relay.py, _generated_sync.py and the marked blocks of docs/. tests/test_categories.py checks them.
generate: $(STAMP)
	$(BIN)/python scripts/generate.py

bench: $(STAMP)
	$(BIN)/python bench/run.py $(ARGS)

# Each plugin alone: a fresh venv with only the core and that plugin, then its own tests.
plugin-tests: $(STAMP)
	@for p in $(dir $(PLUGINS)); do bash scripts/test-plugin-alone.sh $$p || exit 1; done

clean:
	rm -rf $(VENV)
