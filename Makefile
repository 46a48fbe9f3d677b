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
# `make test` runs in TEST_WORKERS pytest-xdist processes on one engine: the lab files on one,
# every other file on the other (conftest.py); TEST_WORKERS=1 runs it in one process.
TEST_WORKERS ?= 2
XDIST := $(if $(filter 1,$(TEST_WORKERS)),,-n $(TEST_WORKERS))

.PHONY: venv setup lab test unit doctor labs data stop clean e2e pipeline export cluster cluster-down cluster-test grade

setup: venv $(STAMP)
	@$(BIN)/python -m lakehouse.runtime.jars
	@$(BIN)/python -m lakehouse.runtime.delta_connect
	@$(BIN)/python -m lakehouse.notebook.kernelspec >/dev/null  # kernel 'lakehouse': ipykernel --ext lakehouse.notebook
	@echo "setup done: .venv, package, kernel 'lakehouse' (spark, dbutils, display, %sql, %run), Delta jars, Delta Connect plugin (run 'make doctor' to check)"

# A usable .venv: its python runs and has pip. A half-built one (the first `make lab` interrupted
# while the venv was made, or a Python without ensurepip) is rebuilt; a Python that cannot make a
# venv names the package to install. Cheap when the venv is fine (one `pip --version`).
venv:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10+ is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	@if [ -e $(VENV) ] && ! $(BIN)/python -m pip --version >/dev/null 2>&1; then \
	    echo "$(VENV) is unusable (no python or no pip in it, e.g. an interrupted first setup): rebuilding it"; \
	    rm -rf $(VENV); fi
	@[ -x $(BIN)/python ] || out=$$($(PYTHON) -m venv $(VENV) 2>&1) || { rm -rf $(VENV); echo "$$out" | tail -n 3 >&2; \
	    if echo "$$out" | grep -q ensurepip; then \
	        echo "$(PYTHON) cannot make a virtualenv: it has no ensurepip. On Debian/Ubuntu install the venv package (apt-get install python3-venv, or python3.X-venv for that Python), or set PYTHON= to another Python 3.10+; then run make again." >&2; \
	    else echo "$(PYTHON) -m venv $(VENV) failed (above); fix that, then run make again." >&2; fi; exit 1; }

$(STAMP): pyproject.toml
	@command -v java >/dev/null || [ -x "$$JAVA_HOME/bin/java" ] || { \
	    echo "Java 17 or 21 is needed and none was found. Install a JDK 17 (e.g. apt-get install openjdk-17-jdk-headless, brew install openjdk@17) and set JAVA_HOME." >&2; exit 1; }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# JupyterLab on workspace/ (your copies of labs/, git-ignored, never overwritten), opened at lab 00.
# Ctrl+C stops it, and the Spark engine it started unless another client uses it.
LAB_ARGS ?=
lab: setup
	$(BIN)/lakehouse lab $(LAB_ARGS)

doctor: setup
	$(BIN)/lakehouse doctor

# Your score: runs your copies of the labs (workspace/) from a clean slate and prints the scoreboard
# per lab and exercise (also LAKEHOUSE_HOME/grades/scoreboard.html). LABS="02 03" for some labs only.
LABS ?=
grade: setup
	$(BIN)/lakehouse grade $(LABS)

labs: setup
	$(BIN)/lakehouse labs

# Synthetic sources (scale 1, seed 42) generated and landed into data/landing, all batches.
data: setup
	$(BIN)/lakehouse data generate
	$(BIN)/lakehouse data arrive --batches all

# The whole Customer 360 as one declarative pipeline (lakehouse/c360/pipelines), then the reference Gold
# (lakehouse.c360.gold) and its HTML report: generates and lands
# the data when missing, runs it into c360_bronze/_silver/_gold, prints a summary. SCALE=0.1 for a quick one.
SCALE ?= 1
pipeline: setup
	$(BIN)/lakehouse c360 pipeline --scale $(SCALE)

# Every notebook (labs/, solutions/, the job task notebooks) in Databricks source format under
# build/databricks, for `databricks workspace import-dir` (README "Databricks").
export: setup
	$(BIN)/python -m lakehouse.course.export build/databricks

stop:
	-@[ -x $(BIN)/lakehouse ] && $(BIN)/lakehouse engine stop

# Everything: labs/ in sync, unit tests and docstring examples, every lab notebook from a clean
# slate (lax grading) then its solution again on top of it (strict grading), both by papermill
# (tests/test_notebooks.py says what each run proves). Two worker processes share the run and
# one Spark engine (the lab notebooks and lab-context tests on one, the other files on the other);
# per-test times go to build/test-report.xml (read by benchmarks/bench_make_test.py).
test: setup
	$(BIN)/lakehouse labs --check
	@for h in $(TEST_HOME) $(TEST_HOME)-gw*; do [ -d $$h ] && LAKEHOUSE_HOME=$$h $(BIN)/lakehouse engine stop >/dev/null; done; true
	rm -rf $(TEST_HOME) $(TEST_HOME)-gw*
	LAKEHOUSE_HOME=$(TEST_HOME) $(BIN)/lakehouse engine start
	set -o pipefail; LAKEHOUSE_HOME=$(TEST_HOME) LAKEHOUSE_TEST_HOME=$(TEST_HOME) \
	    $(BIN)/pytest tests lakehouse --doctest-modules $(XDIST) --durations=15 --junitxml=build/test-report.xml $(PYTEST_ARGS); \
	    rc=$$?; for h in $(TEST_HOME) $(TEST_HOME)-gw*; do [ -d $$h ] && LAKEHOUSE_HOME=$$h $(BIN)/lakehouse engine stop; done; exit $$rc

# The browser test of `make lab` (headless Chromium + selenium): lab 02 in the learner workspace,
# a wrong then a right answer, save, Ctrl+C; screenshots in build/e2e/. Installs Debian's
# chromium and chromium-driver when they are missing (apt-get, as root or with sudo).
e2e: setup
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	    SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }
	$(BIN)/pytest e2e -x -q -s -p no:cacheprovider $(PYTEST_ARGS)

# A real multi-node Spark on this machine: a standalone master, two 1-core workers and a Spark
# Connect server on them (lakehouse.runtime.cluster); state under LAKEHOUSE_HOME/cluster. Point the course
# at it with SPARK_REMOTE="$$(.venv/bin/lakehouse cluster status --remote)".
cluster: setup
	$(BIN)/lakehouse cluster up

cluster-down:
	-@[ -x $(BIN)/lakehouse ] && $(BIN)/lakehouse cluster down

# The scale-out test: `make pipeline SCALE=0.1` on the cluster equals the laptop engine's (own homes).
cluster-test: setup
	$(BIN)/pytest scaleout -x -q -p no:cacheprovider $(PYTEST_ARGS)

# Only the package's unit tests (fast loop while developing).
unit: setup
	LAKEHOUSE_TEST_HOME=$(TEST_HOME)-unit $(BIN)/pytest tests lakehouse --doctest-modules -m "not notebooks" $(PYTEST_ARGS)

clean: stop
	rm -rf build .lakehouse
