# The only set-up there is: every target creates .venv and installs what it needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_PORT ?= 8080
SAMPLE_LOG := sample_data/shop_access.log

.PHONY: demo test lint format bench sysdeps clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# tmux drives the end-to-end smoke test of the real TUI.
sysdeps:
	@command -v tmux >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq tmux >/dev/null; }

# Starts the demo target on 127.0.0.1, opens the TUI on the shipped sample log, stops the target on exit.
demo: $(STAMP)
	@$(BIN)/loadtui target --host 127.0.0.1 --port $(DEMO_PORT) --quiet & \
	  TARGET_PID=$$!; trap 'kill $$TARGET_PID 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/loadtui --log $(SAMPLE_LOG) --target http://127.0.0.1:$(DEMO_PORT) --peak-rps 300 --duration 2m

lint: $(STAMP)
	$(BIN)/ruff check loadtui tests bench
	$(BIN)/ruff format --check loadtui tests bench
	$(BIN)/mypy loadtui

format: $(STAMP)
	$(BIN)/ruff check --fix loadtui tests bench
	$(BIN)/ruff format loadtui tests bench

test: sysdeps $(STAMP) lint
	$(BIN)/pytest -q

bench: sysdeps $(STAMP)
	$(BIN)/python bench/profile.py
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
