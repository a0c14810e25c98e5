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


def test_every_twin_declares_its_settings():
    """Each twin module builds its plans through Settings, so each must declare some."""
    import importlib

    from upsampling.frameworks._mapping import twin_modules

    names = {"pytorch": "PyTorch", "tensorflow": "TensorFlow", "opencv": "OpenCV", "pillow": "Pillow", "onnx": "ONNX"}
    declared = {s.framework for s in all_settings()}
    for module in twin_modules():
        mod = importlib.import_module(f"upsampling.frameworks.{module}")
        has_resize = any(hasattr(mod, f) for f in ("resize", "interpolate"))
        if has_resize:
            assert names[module] in declared, f"{module} resizes without declaring Settings"
