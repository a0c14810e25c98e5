# The two commands a newcomer needs:  `make demo`  and  `make test`.
# Both create .venv with the python3 on PATH and install what they need into it.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
# torch is pinned: 2.13.0 is the CPU build on disk here; a looser pin pulls a multi-GB CUDA build.
TORCH  := torch==2.13.0

.PHONY: demo demo-segmentation test test-fast test-asan build bench clean

# The compiled kernels' sources: an install stamp older than one of them rebuilds the extension
# (pip install -e . reruns CMake in build/, which recompiles only what changed).
NATIVE := CMakeLists.txt $(wildcard csrc/*.cpp csrc/*.hpp)
# The build backend and the bindings, also in .venv so that `make build` can skip pip's isolation.
BUILD_DEPS := "scikit-build-core>=0.10" "nanobind>=2.0"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# The demo trains a small network, so it installs torch (pinned, first, so pip never pulls another
# build) and the extras the segmentation commands use.
# `pip install -e .` builds the C++ kernels (scikit-build-core + nanobind from PyPI, CMake and a
# C++17 compiler from the machine; about a minute on 2 cores).
$(VENV)/.demo-installed: pyproject.toml $(NATIVE) | $(PY)
	$(PIP) install "$(TORCH)" $(BUILD_DEPS)
	$(PIP) install -e ".[torch,cli,plot]"
	touch $@

$(VENV)/.test-installed: pyproject.toml $(NATIVE) | $(PY)
	$(PIP) install "$(TORCH)" $(BUILD_DEPS)
	$(PIP) install -e ".[test,fast,cli,plot,explain,dask,port,openvino]"
	touch $@

# Rebuild the compiled kernels after editing csrc/ (also done by `make test` and `make demo`):
# without build isolation, so CMake reuses build/ and recompiles only what changed.
build: | $(PY)
	$(PIP) install $(BUILD_DEPS)
	$(PIP) install --no-deps --no-build-isolation -e .
	@$(PY) -c "import upsampling.kernels as k; i = k.info(); print('kernels:', i['isa'] if i['native'] else i['fallback_reason'])"

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

# The kernel tests against a copy of the extension built with AddressSanitizer and
# UndefinedBehaviorSanitizer (build/asan; the installed extension is left alone), on a copy of the
# package (python -S: the editable install's import hook would load the normal build).  Python
# itself is not instrumented, so libasan is preloaded and leak checks are off (the interpreter's
# own allocations at exit are not ours).
ASAN_TESTS := tests/test_native.py tests/test_fast_paths.py tests/test_periodic_stream.py \
	tests/test_conv_tiles.py tests/test_conv_fast.py tests/test_kernels.py
test-asan: $(VENV)/.test-installed
	cmake -S . -B build/asan -G "$(shell command -v ninja >/dev/null && echo Ninja || echo Unix Makefiles)" \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DUPSAMPLING_SANITIZE=ON -DPython_EXECUTABLE=$(abspath $(PY))
	cmake --build build/asan
	rm -rf build/asan-pkg && mkdir -p build/asan-pkg && cp -r src/upsampling build/asan-pkg/ && \
		cp build/asan/_native*.so build/asan-pkg/upsampling/kernels/
	cd build/asan-pkg && PYTHONPATH=$(CURDIR)/build/asan-pkg:$$($(abspath $(PY)) -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") \
		UPSAMPLING_EXPECT_SANITIZED=1 \
		LD_PRELOAD="$$($(CXX) -print-file-name=libasan.so) $$($(CXX) -print-file-name=libubsan.so)" \
		ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(abspath $(PY)) -S -m pytest -q -p no:randomly -p no:cacheprovider -x --rootdir=$(CURDIR) \
		$(addprefix $(CURDIR)/,$(ASAN_TESTS))

# The core alone, without the frameworks: what `pip install upsampling` users get.
test-fast: $(VENV)/.test-installed
	$(PY) -m pytest -q -m "not parity"

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis
