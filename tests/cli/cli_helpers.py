"""Run the ``upsampling`` command line in a subprocess and read back its plain-text output.

The plain form (what a pipe gets) is stable: a matrix is its title line ending in ``:`` and one
indented line per row; formulas are separated by `` | ``.  These helpers parse it so tests can
compare every printed number with the engines.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import numpy as np

@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    def grid(self, title: str) -> list[list[str]]:
        return grid(self.stdout, title)

    def matrix(self, title: str) -> np.ndarray:
        return np.array([[float(v) for v in row] for row in self.grid(title)])

    def line(self, start: str) -> str:
        """The first output line that starts with ``start`` (leading spaces ignored)."""
        for line in self.stdout.splitlines():
            if line.strip().startswith(start):
                return line.strip()
        raise AssertionError(f"no line starting with {start!r} in:\n{self.stdout}")

    def last_number(self, start: str) -> float:
        """The number after the last '=' of the line starting with ``start``."""
        return float(self.line(start).rsplit("=", 1)[1].split()[0])


def grid(text: str, title: str) -> list[list[str]]:
    """The rows of the matrix whose title line starts with ``title`` (cells as strings)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(title) and line.endswith(":"):
            rows = []
            for row in lines[i + 1 :]:
                if not row.startswith("    ") or not row.strip():
                    break
                body = row.strip()
                rows.append([c.strip() for c in body.split(" | ")] if " | " in body else body.split())
            return rows
    raise AssertionError(f"no matrix titled {title!r} in:\n{text}")


def run_cli(*args: str, cwd: str | os.PathLike | None = None, timeout: float = 120,
            env: dict[str, str] | None = None) -> Result:
    extra = env or {}
    env = dict(os.environ)
    env.pop("FORCE_COLOR", None)
    env["UPSAMPLING_PLAIN"] = "1"
    env.update(extra)
    proc = subprocess.run(
        [sys.executable, "-m", "upsampling.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def matrix_arg(a: np.ndarray) -> str:
    """A matrix as the CLI takes it, exact for the floats the tests use."""
    return "[" + ",".join("[" + ",".join(repr(float(v)) for v in row) + "]" for row in a) + "]"


def run_inprocess(*args: str) -> Result:
    """``upsampling.cli.run(args)`` in this process with stdout and stderr captured (plain text):
    much faster than a subprocess when torch is already imported, and monkeypatches apply.
    The caller sets the working folder and ``UPSAMPLING_PLAIN`` (e.g. with ``monkeypatch``)."""
    import contextlib
    import io

    from upsampling.cli import run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(args))
    return Result(code, out.getvalue(), err.getvalue())


def assert_one_line(r: Result, *words: str) -> None:
    """Exit code 2, exactly one line on stderr, no traceback, and each of ``words`` in it."""
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    for w in words:
        assert w in r.stderr, r.stderr
