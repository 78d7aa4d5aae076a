# Two commands for a fresh machine (Python 3.11 and Java 17):
#   make demo   runs the tutorial end to end locally, on the built-in synthetic data
#   make test   runs the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.synhelpers-installed

.PHONY: demo test venv bench clean-state

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[local,dev]"
	$(PY) -m synhelpers.runtime.kernel
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) -m synhelpers demo

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

clean-state:
	rm -rf .synapse-local
