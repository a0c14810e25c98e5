"""Shared test set-up.

* Frameworks are imported lazily by the parity tests. ``UPSAMPLING_REQUIRE_FRAMEWORKS=1``
  (set by ``make test``) turns a framework that fails to import into a failure, not a skip:
  a parity suite must never pass silently.
* Every random test draws from ``rng`` seeded per test; the seed is printed on failure.
"""

from __future__ import annotations

import os
import zlib

import numpy as np
import pytest

# Subprocesses that run in another folder (cwd=tmp_path) must import the same code as this process:
# a relative PYTHONPATH (PYTHONPATH=src) would silently point them at an installed copy instead.
if os.environ.get("PYTHONPATH"):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        os.path.abspath(p) if p else p for p in os.environ["PYTHONPATH"].split(os.pathsep)
    )

# TensorFlow: quiet logs; keep its default (oneDNN) kernels so the numbers are the ones users get.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


class NativeSpy:
    """Stands in for ``upsampling.kernels._native`` and records each call ``(name, args)``."""

    def __init__(self, real) -> None:
        self.real = real
        self.calls: list[tuple[str, tuple]] = []

    def __getattr__(self, name: str):
        fn = getattr(self.real, name)

        def call(*args, **kwargs):
            self.calls.append((name, args))
            return fn(*args, **kwargs)

        return call

    def named(self, name: str) -> list[tuple]:
        return [args for n, args in self.calls if n == name]


@pytest.fixture
def native_calls(monkeypatch: pytest.MonkeyPatch) -> NativeSpy:
    """Records the compiled kernels the fast paths call (``spy.named("resize_fused")``)."""
    from upsampling.kernels import fused

    spy = NativeSpy(fused._native)
    monkeypatch.setattr(fused, "_native", spy)
    return spy


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    seed = zlib.crc32(request.node.nodeid.encode())
    request.node.user_properties.append(("seed", seed))
    return np.random.default_rng(seed)


def framework(name: str):
    """Import a peer framework for a parity test (fail, not skip, when required)."""
    import importlib

    try:
        module = importlib.import_module(name)
    except Exception as exc:  # pragma: no cover - environment problem
        if os.environ.get("UPSAMPLING_REQUIRE_FRAMEWORKS", "1") == "1":
            pytest.fail(f"parity framework {name!r} failed to import: {exc}")
        pytest.skip(f"{name} not installed")
    if name == "torch":
        module.set_num_threads(1)
    return module


@pytest.fixture
def cli():
    """Run the ``upsampling`` command line in a subprocess (see tests/cli/cli_helpers.py)."""
    pytest.importorskip("typer")
    pytest.importorskip("rich")
    from cli_helpers import run_cli

    return run_cli
