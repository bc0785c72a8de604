# The two commands of the README:
#   make run   install everything (first time) and start the dashboard on the shipped models
#   make test  install everything (first time, Chromium included) and run the whole test suite
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: run test setup browser bench bench-spliceai lint

run: setup
	$(PY) -m streamlit run app.py

test: setup browser
	$(PY) -m ruff check .
	$(PY) -m pytest

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -r requirements.txt
	@# SpliceAI's original weights (CC BY-NC 4.0): read at run time with h5py, never shipped, never imported
	$(PY) -m pip install --no-deps spliceai==1.3.1
	@# the `genodash` command line (editable: it runs this checkout)
	$(PY) -m pip install --no-deps -e .
	@# some packages replace torch silently; fail loudly if that happened
	$(PY) -c "import torch; v = torch.__version__; assert v.startswith('2.13.0'), v; print('torch', v)"
	@# compile the numba kernels now, not on a user's first Explain run (about 16 s once)
	$(PY) -m genodash.warm_up
	touch $@

# Debian's Chromium for the real-browser tests (never `playwright install`: it downloads a browser)
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

bench: setup
	$(PY) bench/one_hot.py

# the official SpliceAI in its own venv first (see bench/spliceai_vcf.py); about 10 minutes
bench-spliceai: setup
	$(PY) bench/spliceai_vcf.py

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
