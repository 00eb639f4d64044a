# The only set-up there is: every target creates .venv and installs what it needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_PORT ?= 8080

.PHONY: demo test lint format bench screenshots sysdeps clean

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
# node loads exported k6 scripts as ES modules in tests/export (k6 itself is not needed).
	@command -v node >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nodejs >/dev/null; }

# `loadtui demo`: the demo target on 127.0.0.1:$(DEMO_PORT) (a free port if that one is taken),
# the TUI on the packaged sample log; the target stops when the TUI exits.
demo: $(STAMP)
	$(BIN)/loadtui demo --port $(DEMO_PORT)

lint: $(STAMP)
	$(BIN)/ruff check loadtui tests bench
	$(BIN)/ruff format --check loadtui tests bench
	$(BIN)/mypy loadtui
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix loadtui tests bench
	$(BIN)/ruff format loadtui tests bench

# Three pytest workers (most tests wait on pilots, tmux or servers) for everything but the
# tests that measure load, then those alone.
test: sysdeps $(STAMP) lint
	$(BIN)/pytest -q -n 3 -m "not serial"
	$(BIN)/pytest -q -m serial

# The README's pictures: every pane at 80x24 from the snapshot tests' pinned scenes, as SVG.
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py --out docs/screens

bench: sysdeps $(STAMP)
	$(BIN)/python bench/profile.py
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
