# ecomkit — every target builds .venv from requirements.lock when it is missing or stale.
PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup course test lab bench demo clean

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

lab: $(STAMP) ## open the course in JupyterLab
	$(VENV)/bin/jupyter lab notebooks/

bench: $(STAMP) ## timings as ratios against the reference tools (slow)
	$(PY) bench/run_all.py

demo: $(STAMP) ## regenerate datasets/demo_shop from the simulator
	$(PY) -m ecomkit.simulate.build_demo datasets/demo_shop

clean:
	rm -rf $(VENV) reports .pytest_cache
