# The two commands a newcomer needs:  `make demo`  and  `make test`.
# Both create .venv with the python3 on PATH and install what they need into it.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
# torch is pinned: 2.13.0 is the CPU build on disk here; a looser pin pulls a multi-GB CUDA build.
TORCH  := torch==2.13.0

.PHONY: demo test test-fast bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(PY)
	$(PIP) install -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PIP) install "$(TORCH)"
	$(PIP) install -e ".[test,fast,cli,plot,explain,dask]"
	touch $@

demo: $(VENV)/.demo-installed
	$(PY) -m upsampling.demo

test: $(VENV)/.test-installed
	$(PY) -m pytest -n 2 --dist loadgroup -q

# Times our functions against every installed peer, side by side (see benchmarks/harness.py).
bench: $(VENV)/.test-installed
	$(PY) benchmarks/harness.py

# The core alone, without the frameworks: what `pip install upsampling` users get.
test-fast: $(VENV)/.test-installed
	$(PY) -m pytest -q -m "not parity"

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
