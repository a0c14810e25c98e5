"""The root of the ``upsampling`` command line: its app, its callback (``--version``) and the
command families it registers.

Each family is a module of :mod:`upsampling.cli` with a ``register(app)`` function:

* :mod:`~upsampling.cli.explain` -- ``explain transpose / bilinear / shapes / overlap / grid``
* :mod:`~upsampling.cli.resize` -- ``resize``, ``compare``
* :mod:`~upsampling.cli.raster` -- ``resize-raster``
* :mod:`~upsampling.cli.train` -- ``train``, ``evaluate``, ``segment``, ``convert-checkpoint``
* :mod:`~upsampling.cli.audit` -- ``audit``; :mod:`~upsampling.cli.port` -- ``port``, ``identify``

Commands only parse options, call the library and print; heavy imports (rich, matplotlib, sympy,
Pillow, torch) happen inside the commands that need them.  :func:`make_app` registers only the
family a command line names, so ``upsampling resize`` never builds the other commands.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Annotated

import typer

from upsampling.cli.common import APP_SETTINGS

__all__ = ["FAMILIES", "make_app"]

HELP = """Resize and transposed convolution exactly as PyTorch, TensorFlow, OpenCV, Pillow and ONNX do them.

`upsampling explain ...` shows the arithmetic step by step on your own numbers; `upsampling resize`
and `upsampling compare` run the framework conventions on a real image."""

#: Each family's module (``upsampling.cli.NAME``) and the commands it registers, in the order help lists them.
FAMILIES: dict[str, tuple[str, ...]] = {
    "explain": ("explain",),
    "resize": ("resize", "compare"),
    "raster": ("resize-raster",),
    "train": ("train", "evaluate", "segment", "convert-checkpoint"),
    "audit": ("audit",),
    "port": ("port", "identify"),
}


def _version(value: bool) -> None:
    if value:
        import upsampling

        print(f"upsampling {upsampling.__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Resize and transposed convolution exactly as each framework does them."""


def make_app(args: Sequence[str] = ()) -> typer.Typer:
    """The root app with the families a command line needs: the one whose command ``args[0]`` names
    (of its commands, that one alone), else every family (``--help``, ``--version``, an unknown
    command)."""
    first = args[0] if args else None
    wanted = [name for name, commands in FAMILIES.items() if first in commands] or list(FAMILIES)
    app = typer.Typer(name="upsampling", help=HELP, add_completion=False, pretty_exceptions_enable=False,
                      **APP_SETTINGS)
    app.callback()(_root)
    for name in wanted:
        importlib.import_module(f"upsampling.cli.{name}").register(app)
    if len(wanted) == 1 and any(c.name == first for c in app.registered_commands):
        # only the command named: building a command's click options costs 1-2 ms of the start-up
        app.registered_commands = [c for c in app.registered_commands if c.name == first]
    return app


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the whole command line, every family registered
        return make_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
