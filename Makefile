# Two commands for a fresh machine (Python 3.11 and Java 17):
#   make demo   runs the tutorial end to end locally, on the built-in synthetic data
#   make test   runs the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.synhelpers-installed

.PHONY: demo test venv bench bench-quality autogluon-venv clean-state

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

# --- AutoML quality benchmark (benchmarks/automl_quality.py) --------------------------------
# AutoGluon-Tabular is a benchmark *baseline*, not a dependency of synhelpers: it lives in its own
# venv, benchmarks/.venv-autogluon (already in .gitignore), created once from
# benchmarks/autogluon/requirements.txt (tree learners only, no torch: ~1.1 GB, about 1 min).
#   make bench-quality                                   everything (hours on 2 cores)
#   make bench-quality BENCH_QUALITY_ARGS=--quick        smoke run (a few minutes)
AG_VENV  := benchmarks/.venv-autogluon
AG_STAMP := $(AG_VENV)/.installed
BENCH_QUALITY_ARGS ?=

autogluon-venv: $(AG_STAMP)

$(AG_STAMP): benchmarks/autogluon/requirements.txt
	@test -x $(AG_VENV)/bin/python || python3 -m venv $(AG_VENV)
	$(AG_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AG_VENV)/bin/python -m pip install --quiet -r benchmarks/autogluon/requirements.txt
	@touch $(AG_STAMP)

bench-quality: $(STAMP) $(AG_STAMP)
	$(PY) benchmarks/automl_quality.py $(BENCH_QUALITY_ARGS)

clean-state:
	rm -rf .synapse-local
