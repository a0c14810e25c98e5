"""The ``upsampling`` console script (``upsampling.cli:main``); needs the ``cli`` extra (typer, rich, Pillow).

Bad input never shows a traceback: it prints one line naming the option and what was expected,
and exits with code 2 (:mod:`upsampling.cli.messages`).  A missing optional dependency prints the
extra to install and exits with 1.

Only the command family that ``argv`` names is imported and built (:func:`upsampling.cli.app.make_app`),
so ``upsampling resize`` starts without the other commands' options, imports or help.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from upsampling._files import sigterm_interrupts

__all__ = ["main", "run"]

PROG = "upsampling"


def run(argv: Sequence[str] | None = None, *, hard_exit: bool = False) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    ``hard_exit``: a command whose worker threads cannot be stopped (``resize-raster``) may end the
    process at once after Ctrl-C or SIGTERM and its cleanup (what the console script does)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        import typer  # noqa: F401
    except ImportError:
        from upsampling.cli.messages import error

        error(PROG, "the command line needs typer and rich: pip install 'upsampling[cli]'")
        return 1
    with sigterm_interrupts() as terminated:
        try:
            return _dispatch(args, hard_exit)
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted; no output file was left half-written", file=sys.stderr)
            return 143 if terminated[0] else 130


def _dispatch(args: list[str], hard_exit: bool) -> int:
    import typer

    from upsampling.cli.app import make_app
    from upsampling.cli.messages import flag_names, report, subcommand

    group = typer.main.get_command(make_app(args))
    try:
        result = group.main(args=args, prog_name=PROG, standalone_mode=False, obj={"hard_exit": hard_exit})
    except Exception as exc:  # noqa: BLE001 - reported as one line below, or re-raised
        cause = exc.__cause__ or exc.__context__
        if isinstance(exc, typer.Abort) and isinstance(cause, KeyboardInterrupt):  # click's Ctrl-C
            raise cause from None
        command, path = subcommand(group, args)
        code = report(exc, " ".join([PROG, *path]), flag_names(command))
        if code is None:
            raise
        return code
    return result if isinstance(result, int) else 0


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    sys.exit(run(argv, hard_exit=True))
