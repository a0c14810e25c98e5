"""The porting tests use the CLI helpers of tests/cli (the ``cli`` fixture of tests/conftest.py)."""

from __future__ import annotations

import sys
from pathlib import Path

_CLI = str(Path(__file__).resolve().parents[1] / "cli")
if _CLI not in sys.path:
    sys.path.insert(0, _CLI)
