# ecomkit — every target builds .venv from requirements.lock when it is missing or stale.
PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup course test test-spark lab bench demo clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

setup: $(STAMP) ## create .venv from the lock

course: $(STAMP) ## run every chapter on the demo shop, write reports/index.html
	$(VENV)/bin/ecomkit course --out reports

test: $(STAMP) ## unit, bad-input, notebook (nbval) and papermill tests
	$(PY) -m pytest $(PYTEST_ARGS)

# the [spark] extra's pins are read from pyproject.toml, so they are written down once
test-spark: $(STAMP) ## the Spark engine in local mode: installs the [spark] extra (pyspark + a Java runtime) into .venv
	$(PY) -m pip install --quiet --disable-pip-version-check $$($(PY) -c "import tomllib; print(' '.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['spark']))")
	$(PY) -m pytest -m spark tests/test_engine_spark.py -p no:cacheprovider

lab: $(STAMP) ## open the course in JupyterLab
	$(VENV)/bin/jupyter lab notebooks/

bench: $(STAMP) ## timings as ratios against the reference tools (slow)
	$(PY) bench/run_all.py

demo: $(STAMP) ## regenerate datasets/demo_shop from the simulator
	$(PY) -m ecomkit.simulate.build_demo datasets/demo_shop

clean:
	rm -rf $(VENV) reports .pytest_cache
