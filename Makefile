# Customer 360 Lakehouse Lab. `make lab` (the course) and `make test` (everything) bootstrap
# whatever is missing: .venv, the package, the Jupyter kernel, the Delta jars, and our Delta
# Connect plugin (Maven; skipped while up to date, one warning line when it cannot be built).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_HOME := $(CURDIR)/build/test-home
PYTEST_ARGS ?=

.PHONY: setup lab test unit doctor labs data stop clean

setup: $(STAMP)
	@$(BIN)/python -m lakehouse.jars
	@$(BIN)/python -m lakehouse.delta_connect
	@$(BIN)/python -m ipykernel install --sys-prefix --name lakehouse \
	    --display-name "Lakehouse (PySpark + Delta)" >/dev/null
	@echo "setup done: .venv, package, kernel 'lakehouse', Delta jars, Delta Connect plugin (run 'make doctor' to check)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10+ is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	@command -v java >/dev/null || [ -x "$$JAVA_HOME/bin/java" ] || { \
	    echo "Java 17 or 21 is needed and none was found. Install a JDK 17 (e.g. apt-get install openjdk-17-jdk-headless, brew install openjdk@17) and set JAVA_HOME." >&2; exit 1; }
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR) $$([ "$$(id -u)" = 0 ] && echo --allow-root) \
	    labs/00_welcome_and_setup.ipynb

doctor: setup
	$(BIN)/lakehouse doctor

labs: setup
	$(BIN)/lakehouse labs

# Synthetic sources (scale 1, seed 42) generated and landed into data/landing, all batches.
data: setup
	$(BIN)/lakehouse data generate
	$(BIN)/lakehouse data arrive --batches all

stop:
	-@[ -x $(BIN)/lakehouse ] && $(BIN)/lakehouse engine stop

# Everything: labs/ in sync, unit tests and docstring examples, every solution notebook
# (papermill, twice), every lab notebook (nbval, lax). One shared Spark engine serves the run.
test: setup
	$(BIN)/lakehouse labs --check
	@LAKEHOUSE_HOME=$(TEST_HOME) $(BIN)/lakehouse engine stop >/dev/null
	rm -rf $(TEST_HOME)
	LAKEHOUSE_HOME=$(TEST_HOME) $(BIN)/lakehouse engine start
	set -o pipefail; LAKEHOUSE_HOME=$(TEST_HOME) LAKEHOUSE_TEST_HOME=$(TEST_HOME) \
	    $(BIN)/pytest tests lakehouse labs --doctest-modules --nbval-lax --nbval-cell-timeout=900 $(PYTEST_ARGS); \
	    rc=$$?; LAKEHOUSE_HOME=$(TEST_HOME) $(BIN)/lakehouse engine stop; exit $$rc

# Only the package's unit tests (fast loop while developing).
unit: setup
	LAKEHOUSE_TEST_HOME=$(TEST_HOME)-unit $(BIN)/pytest tests lakehouse --doctest-modules -m "not notebooks" $(PYTEST_ARGS)

clean: stop
	rm -rf build .lakehouse
