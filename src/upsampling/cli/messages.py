"""Library errors as one-line command-line messages, in the command's own words.

The library names parameters as Python does (``padding``, ``out``, ``overwrite=True``); a command
knows each of its parameters by its Python name and its flag (``padding`` -> ``--padding``,
``src`` -> ``IN``), read off the command itself (:func:`flag_names`), and
:meth:`upsampling.errors.UpsamplingError.render` spells the error with them.  Commands name their
parameters as the library functions they call do (``explain transpose``'s ``--kernel-values`` is
the parameter ``kernel`` of :func:`upsampling.explain.trace.transpose_trace`), so no table of
names is kept by hand.

:func:`report` is the one place an exception becomes a message and an exit code: 2 for bad input
(one line naming the option), 1 for a missing extra.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["PROG", "error", "flag_names", "report", "subcommand"]

PROG = "upsampling"


def error(prog: str, message: str) -> None:
    """``PROG: error: MESSAGE`` on stderr, on one line, cut to a readable length."""
    from upsampling.errors import _cap

    text = _cap(" ".join(str(message).split()))  # always one line, and a readable one
    print(f"{prog}: error: {text}", file=sys.stderr)


def subcommand(group: Any, args: list[str]) -> tuple[Any, list[str]]:
    """The click command ``args`` invoke and the words of its path (``["explain", "transpose"]``)."""
    command, path = group, []
    for word in args:
        sub = getattr(command, "commands", {}).get(word)
        if sub is None:
            break
        command, path = sub, [*path, word]
    return command, path


def flag_names(command: Any) -> dict[str, str]:
    """``{Python parameter name: how the user writes it}`` of a click command: its long flag
    (``--kernel-values``), or an argument's metavar (``IN``)."""
    names = {}
    for param in getattr(command, "params", ()):
        if param.name is None:
            continue
        if param.param_type_name == "argument":
            names[param.name] = param.metavar or param.name.upper()
        else:
            longs = [o for o in param.opts if o.startswith("--")]
            names[param.name] = (longs or param.opts)[0]
    return names


def report(exc: BaseException, prog: str, names: dict[str, str]) -> int | None:
    """Print ``exc`` as one line (``prog: error: ...``) and return the exit code; None when ``exc``
    is not one the command line reports (it propagates)."""
    import typer

    from upsampling.errors import MissingExtraError, UpsamplingError

    if isinstance(exc, UpsamplingError):  # bad input (OptionError: already in the command's words)
        error(prog, exc.render(names))
        return 1 if isinstance(exc, MissingExtraError) else 2
    if isinstance(exc, MemoryError):  # an allocation the estimates did not foresee
        detail = f": {exc}" if str(exc) else ""
        error(prog, f"out of memory (MemoryError{detail}); nothing more was written. Choose a smaller size, "
                    "or free memory")
        return 2
    if isinstance(exc, typer.Abort):  # click turns a stray EOFError into Abort (Ctrl-C is re-raised before)
        cause = exc.__cause__ or exc.__context__
        detail = f" ({type(cause).__name__}: {cause})" if cause is not None else ""
        error(prog, f"aborted{detail}")
        return 2
    if isinstance(exc, typer.TyperException):  # usage errors: unknown option, missing option, not an integer...
        if type(exc).__name__ == "NoArgsIsHelpError":
            print(exc.format_message())
            return 0
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else PROG
        error(prog, f"{exc.format_message()} (see '{where} --help')")
        return int(getattr(exc, "exit_code", 2) or 2)
    if isinstance(exc, BrokenPipeError):
        return 1
    return None
