"""``python -m upsampling.raster_cli IN OUT ...``: the same as ``upsampling resize-raster IN OUT ...``.

Kept so that scripts written against earlier versions keep working; the command lives in
:mod:`upsampling.cli.raster` and needs the ``cli`` and ``dask`` extras.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None, *, hard_exit: bool = False) -> int:
    """Run ``upsampling resize-raster`` with ``argv``; returns the exit code (see :mod:`upsampling.cli.raster`)."""
    from upsampling.cli import run

    return run(["resize-raster", *(sys.argv[1:] if argv is None else argv)], hard_exit=hard_exit)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(hard_exit=True))
