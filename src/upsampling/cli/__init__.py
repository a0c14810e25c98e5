"""The ``upsampling`` console script (``upsampling.cli:main``); needs the ``cli`` extra (typer, rich, Pillow).

Bad input never shows a traceback: it prints one line naming the option and what was expected,
and exits with code 2.  A missing optional dependency prints the extra to install and exits with 1.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main", "run"]


def _error(prog: str, message: str) -> None:
    text = " ".join(str(message).split())  # always one line
    print(f"{prog}: error: {text}", file=sys.stderr)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    from upsampling.errors import MissingExtraError, UpsamplingError

    args = list(sys.argv[1:] if argv is None else argv)
    prog = "upsampling"
    try:
        import typer
    except ImportError:
        _error(prog, "the command line needs typer and rich: pip install 'upsampling[cli]'")
        return 1
    from upsampling.cli.app import app
    from upsampling.explain.parse import OptionError

    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name=prog, standalone_mode=False)
    except OptionError as exc:
        _error(prog, str(exc))
        return 2
    except MissingExtraError as exc:
        _error(prog, str(exc))
        return 1
    except UpsamplingError as exc:  # an engine refusing something the CLI did not pre-check
        _error(prog, str(exc))
        return 2
    except typer.Abort:
        _error(prog, "aborted")
        return 1
    except KeyboardInterrupt:
        return 130
    except typer.TyperException as exc:  # usage errors: unknown option, missing option, not an integer...
        if type(exc).__name__ == "NoArgsIsHelpError":
            print(exc.format_message())
            return 0
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else prog
        _error(prog, f"{exc.format_message()} (see '{where} --help')")
        return int(getattr(exc, "exit_code", 2) or 2)
    except BrokenPipeError:
        return 1
    return result if isinstance(result, int) else 0


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    sys.exit(run(argv))
