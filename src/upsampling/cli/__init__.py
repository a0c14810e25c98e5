"""The ``upsampling`` console script (``upsampling.cli:main``); needs the ``cli`` extra (typer, rich, Pillow).

Bad input never shows a traceback: it prints one line naming the option and what was expected,
and exits with code 2.  A missing optional dependency prints the extra to install and exits with 1.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from upsampling._files import sigterm_interrupts

__all__ = ["main", "run"]

PROG = "upsampling"


def _error(prog: str, message: str) -> None:
    from upsampling.errors import _cap

    text = _cap(" ".join(str(message).split()))  # always one line, and a readable one
    print(f"{prog}: error: {text}", file=sys.stderr)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        import typer  # noqa: F401
    except ImportError:
        _error(PROG, "the command line needs typer and rich: pip install 'upsampling[cli]'")
        return 1
    with sigterm_interrupts() as terminated:
        try:
            return _dispatch(args)
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted; no output file was left half-written", file=sys.stderr)
            return 143 if terminated[0] else 130


def _dispatch(args: list[str]) -> int:
    import typer

    from upsampling.cli.app import app
    from upsampling.errors import MissingExtraError, UpsamplingError
    from upsampling.explain.parse import OptionError

    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name=PROG, standalone_mode=False)
    except OptionError as exc:
        _error(PROG, str(exc))
        return 2
    except MissingExtraError as exc:
        _error(PROG, str(exc))
        return 1
    except UpsamplingError as exc:  # an engine refusing something the CLI did not pre-check
        _error(PROG, str(exc))
        return 2
    except typer.Abort as exc:  # click turns Ctrl-C (and a stray EOFError) into Abort
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, KeyboardInterrupt):
            raise cause from None
        detail = f" ({type(cause).__name__}: {cause})" if cause is not None else ""
        _error(PROG, f"aborted{detail}")
        return 2
    except MemoryError as exc:  # an allocation the estimates did not foresee
        detail = f": {exc}" if str(exc) else ""
        _error(PROG, f"out of memory (MemoryError{detail}); nothing more was written. Choose a smaller size, "
                     "or free memory")
        return 2
    except typer.TyperException as exc:  # usage errors: unknown option, missing option, not an integer...
        if type(exc).__name__ == "NoArgsIsHelpError":
            print(exc.format_message())
            return 0
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else PROG
        _error(PROG, f"{exc.format_message()} (see '{where} --help')")
        return int(getattr(exc, "exit_code", 2) or 2)
    except BrokenPipeError:
        return 1
    return result if isinstance(result, int) else 0


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    sys.exit(run(argv))
