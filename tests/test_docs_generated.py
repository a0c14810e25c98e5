"""Generated documentation must match the code it is generated from."""

from __future__ import annotations

from pathlib import Path

from upsampling.frameworks._mapping import all_settings, markdown_table

ROOT = Path(__file__).resolve().parents[1]


def test_framework_settings_table_is_current():
    committed = (ROOT / "docs" / "framework-settings.md").read_text()
    assert committed == markdown_table(), (
        "docs/framework-settings.md is stale: run "
        "`.venv/bin/python -m upsampling.frameworks._mapping > docs/framework-settings.md`"
    )


def test_every_framework_has_settings():
    frameworks = {s.framework for s in all_settings()}
    assert {"ONNX", "PyTorch", "TensorFlow", "OpenCV", "Pillow"} <= frameworks, frameworks
