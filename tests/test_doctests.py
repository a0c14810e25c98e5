"""Docstring examples run as tests (they are the first thing a reader copies)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "upsampling.resizing",
    "upsampling.spec",
    "upsampling.interpolate",
    "upsampling.coords",
    "upsampling.filters",
    "upsampling.frameworks.opencv",
    "upsampling.frameworks.pillow",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
