"""``upsampling audit MODEL.onnx``: every upsampling node of an ONNX model (extras ``cli``, ``port``).

``register(app)`` adds the command.  The work is :func:`upsampling.port.audit.audit`; this module
parses options and prints the report (text, or ``--json``).  A missing, corrupt or non-ONNX file
prints one line and exits with 2; a ``--fix`` whose proof fails writes nothing and exits with 1.
"""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

__all__ = ["register"]


def audit_command(
    model: Annotated[str, typer.Argument(help="The ONNX model file.", show_default=False)],
    input_shape: Annotated[Optional[list[str]], typer.Option(
        "--input-shape", help="Static shape of a graph input: 1x3x64x64 (the first input) or NAME=1x3x64x64; repeatable.")] = None,
    run: Annotated[bool, typer.Option("--run", help="Run each node alone in every installed runtime (ONNX Runtime, "
                                      "OpenVINO) and onnx.reference, against the spec.")] = False,
    fix: Annotated[Optional[str], typer.Option("--fix", help="Write a rewritten model that the runtimes compute per "
                                               "spec, after proving it equal to the original's spec outputs.")] = None,
    target_modes: Annotated[Optional[str], typer.Option(
        "--target-modes", help="Resize flavours the target runtime supports, MODE[:COORDINATE_MODE[:NEAREST_MODE]] "
        "comma-separated (e.g. nearest:asymmetric:floor,linear:asymmetric) or tensorrt7; with --fix.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing --fix file.")] = False,
    no_plan: Annotated[bool, typer.Option("--no-plan", help="With --fix: never replace a Resize by its plan "
                                          "(Gather/MatMul); list such nodes as impossible instead.")] = False,
    no_equivalents: Annotated[bool, typer.Option("--no-equivalents", help="Skip each framework's equivalent call.")] = False,
    targets: Annotated[Optional[str], typer.Option(
        "--to", help="Frameworks whose equivalent call to show, comma-separated (default: pytorch, tensorflow, "
        "opencv, pillow, onnx, engine).")] = None,
    trials: Annotated[int, typer.Option("--trials", help="Random inputs per check.")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random inputs.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> int:
    """Audit the Resize, Upsample and ConvTranspose nodes of an ONNX model; --run checks them, --fix rewrites them."""
    from upsampling.errors import OptionError
    from upsampling.port.audit import audit

    if trials < 1:
        raise OptionError("--trials", "an integer >= 1", trials)
    if target_modes is not None and fix is None:
        raise OptionError("--target-modes", "--fix OUT.onnx as well (it says what to rewrite the nodes for)")
    report = audit(model, input_shape=input_shape, run=run, fix=fix, target_modes=target_modes, overwrite=overwrite,
                   equivalents=False if no_equivalents else (True if targets is None else _targets(targets)), allow_plan=not no_plan, trials=trials, seed=seed)
    if as_json:
        print(json.dumps(report.to_dict(), indent=2, default=_jsonable))
    else:
        print(report.text())
    if report.fix is not None and not report.fix.written:
        return 1
    return 0


def _targets(text: str) -> list[str]:
    from upsampling.errors import OptionError
    from upsampling.port.audit import TRANSLATE_TARGETS

    names = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in names if t not in TRANSLATE_TARGETS]
    if bad or not names:
        raise OptionError("--to", "frameworks among " + ", ".join(TRANSLATE_TARGETS), text)
    return names


def _jsonable(value):
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return str(value)


def register(app: typer.Typer) -> None:
    """Add ``audit`` to ``app``."""
    app.command("audit")(audit_command)
