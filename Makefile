# The two commands a newcomer needs:  `make demo`  and  `make test`.
# Both create .venv with the python3 on PATH and install what they need into it.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
# torch is pinned: 2.13.0 is the CPU build on disk here; a looser pin pulls a multi-GB CUDA build.
TORCH  := torch==2.13.0

.PHONY: demo demo-segmentation test test-fast bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# The demo trains a small network, so it installs torch (pinned, first, so pip never pulls another
# build) and the extras the segmentation commands use.
$(VENV)/.demo-installed: pyproject.toml | $(PY)
	$(PIP) install "$(TORCH)"
	$(PIP) install -e ".[torch,cli,plot]"
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PIP) install "$(TORCH)"
	$(PIP) install -e ".[test,fast,cli,plot,explain,dask,port,openvino]"
	touch $@

demo: $(VENV)/.demo-installed
	$(PY) -m upsampling.demo
	$(MAKE) --no-print-directory demo-segmentation

# Train a small U-Net on the bundled digits (a few minutes on 2 cores), evaluate it, segment a held-out canvas.
demo-segmentation: $(VENV)/.demo-installed
	$(PY) -m upsampling.demo --segmentation

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
