"""The explainer's reports speak to whoever prints them (issue 17: only ``cli/`` speaks in flags).

A report built from Python tells a Python caller how to set a parameter (``kernel=``,
``output_size=``, ``values``); printed by ``upsampling explain``, the same hint names the
command's flag, read off the command itself.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from upsampling.explain.sampling_text import bilinear_report
from upsampling.explain.sampling_trace import bilinear_trace
from upsampling.explain.text import overlap_report, transpose_report
from upsampling.explain.trace import overlap_trace, transpose_trace


def _text(blocks) -> str:
    return "\n".join(repr(b) for b in blocks)


def test_python_reports_name_python_parameters():
    t = transpose_trace(np.array([[1.0, 2.0], [3.0, 4.0]]), None, 3, 2, "SAME")
    text = _text(transpose_report(t))
    assert "choose with kernel=" in text and "try output_size=" in text and not re.search(r"--[a-z]", text)
    from upsampling.explain.symbolic import symbolic_transpose

    given = transpose_trace(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((3, 3)), 3, 2, "SAME")
    text = _text(transpose_report(given, symbolic_transpose(given)))  # the symbolic view names the kernel too
    assert "with kernel=" in text and not re.search(r"--[a-z]", text)
    b = _text(bilinear_report(bilinear_trace((0.3, 0.6), np.array([[10.0, 20.0], [30.0, 40.0]]), (0, 0, 1, 1))))
    assert "(values is [[" in b and "--values" not in b
    o = _text(overlap_report(overlap_trace(9, 1, 1, 40)))
    assert "overlap_figure" in o and not re.search(r"--[a-z]", o)


def test_the_command_line_names_its_flags():
    pytest.importorskip("typer")
    run = [sys.executable, "-m", "upsampling.cli", "explain", "transpose", "--input", "[[1,2],[3,4]]", "--kernel", "3",
           "--stride", "2"]
    out = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "choose with --kernel-values" in out.stdout and "try --output-size" in out.stdout
    out = subprocess.run(run[:-4] + ["--kernel-values", "[[1,0],[0,1]]", "--symbolic"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and "with --kernel-values" in out.stdout, out.stderr
    out = subprocess.run([sys.executable, "-m", "upsampling.cli", "explain", "bilinear", "--point", "0.3,0.6", "--values",
                          "[[10,20],[30,40]]"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "(--values is [[" in out.stdout, out.stderr
