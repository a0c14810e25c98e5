"""The README's Python examples run as written (issue 17: "the README's examples run unchanged").

Every ```python block runs, in order, in one namespace (later blocks use names the earlier ones
define), in a temporary folder (the Dask example writes ``big.zarr``); ``>>>`` blocks run as
doctests.  A block that needs an extra which is not installed is skipped by name.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_examples():
    assert len(BLOCKS) >= 8


@pytest.mark.xdist_group("readme")
def test_readme_examples_run(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    pytest.importorskip("dask")
    pytest.importorskip("zarr")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "readme"}
    for i, block in enumerate(BLOCKS):
        if block.lstrip().startswith(">>>"):
            test = doctest.DocTestParser().get_doctest(block, namespace, f"README block {i}", str(README), 0)
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
            runner.run(test)
            assert runner.tries > 0 and runner.failures == 0, f"README block {i} (doctest) failed"
            continue
        try:
            exec(compile(block, f"README block {i}", "exec"), namespace)  # noqa: S102 - our own README
        except Exception as exc:  # pragma: no cover - the failure this guards
            pytest.fail(f"README block {i} raised {type(exc).__name__}: {exc}\n{block}")


DOCS = sorted((README.parent / "docs").glob("*.md"))


@pytest.mark.parametrize("path", [d for d in DOCS if ">>> " in d.read_text(encoding="utf-8")], ids=lambda p: p.name)
def test_docs_doctest_blocks(path, tmp_path, monkeypatch):
    """The ``>>>`` blocks of docs/*.md run as doctests (the blocks without prompts are sketches)."""
    monkeypatch.chdir(tmp_path)
    blocks = [b for b in re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
              if b.lstrip().startswith(">>>")]
    namespace: dict = {"__name__": path.stem}
    tried = 0
    for i, block in enumerate(blocks):
        test = doctest.DocTestParser().get_doctest(block, namespace, f"{path.name} block {i}", str(path), 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        runner.run(test)
        assert runner.failures == 0, f"{path.name} block {i} (doctest) failed"
        tried += runner.tries
    assert tried > 0
