"""Files the library and the command line write: checked before any work, written atomically.

Every file or folder any command writes goes through this module (PNG images and figures,
JSON scores, checkpoints, metrics, Zarr and TIFF rasters):

* :func:`check_output` is called for every output *before* the job starts.  It refuses an
  output that exists (unless ``overwrite``), one that is the same file as an input of the job
  (compared after resolving symlinks, ``..`` and hard links), two outputs of one job that are
  the same file, a folder where a file is wanted, and a folder that is missing or not writable.
* :func:`atomic_output` yields a temporary name beside the output, in the same folder (so the
  final rename never crosses a file system) and with the same suffix (writers that choose the
  format from the name still do); the writer writes there; only a complete write is renamed into
  place.  An exception, Ctrl-C or SIGTERM removes the temporary; a SIGKILL or a power cut leaves
  the old output (or none), never half of one.
* A symlink at the output path counts as an existing output; with ``overwrite`` the link itself
  is replaced by the new file (a rename replaces the name, not what it points to), so a write
  never lands in a link's target.
* Temporaries are named ``.NAME.partial-HOST-PID-RANDOM[SUFFIX]``.  One whose process is gone
  (same host, no process with that id) is provably stale: :func:`clean_stale_partials` removes
  those, and :func:`atomic_output` calls it before each write.  Others are never touched (a run
  in progress, another host's run on a shared disk, a name written by an older version).
* :func:`sigterm_interrupts` makes SIGTERM stop a command the way Ctrl-C does, so its temporaries
  are removed too (the command line wraps every command in it).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from upsampling.errors import Names, OutputPathError

__all__ = [
    "atomic_output",
    "check_output",
    "check_outputs",
    "clean_stale_partials",
    "is_file",
    "partial_name",
    "sigterm_interrupts",
]

_PARTIAL = ".partial-"


def is_file(path: os.PathLike | str) -> bool:
    """``os.path.isfile`` that answers False, never raises, for names no file can have (too long,
    NUL bytes, empty)."""
    try:
        return bool(os.fspath(path)) and os.path.isfile(path)
    except (OSError, ValueError, TypeError):
        return False


def _host() -> str:
    if hasattr(os, "uname"):  # gethostname() is uname's node name on POSIX; socket costs 2 ms to import
        name = os.uname().nodename
    else:  # pragma: no cover - Windows
        import socket

        name = socket.gethostname()
    return re.sub(r"[^A-Za-z0-9]", "", name)[:32] or "host"


def partial_name(final: Path, kind: str = "partial") -> Path:
    """``.NAME.partial-HOST-PID-RANDOM[SUFFIX]`` beside ``final`` (``kind``: ``partial`` or ``old``)."""
    tag = f".{kind}-{_host()}-{os.getpid()}-{os.urandom(4).hex()}"
    return final.with_name(f".{final.name}{tag}{final.suffix}")


def _show(path: os.PathLike | str) -> str:
    text = os.fspath(path)
    return text if len(text) <= 200 else text[:197] + "..."


def _refuse(option: str, path: os.PathLike | str, problem: Callable[[Names], str] | str, expected: str) -> OutputPathError:
    """``OPTION PATH: PROBLEM``; ``problem`` may name other parameters (a function of a speller,
    so the command line can spell them as its flags: :meth:`upsampling.errors.UpsamplingError.render`)."""
    text = os.fspath(path)
    return OutputPathError(option, text, expected, message=lambda n: (
        f"{n(option)} {_show(text)}: {problem(n) if callable(problem) else problem}"))


def _pass_to_replace(flag: str | None) -> Callable[[Names], str]:
    """How a message says to allow a replacement: ``flag`` as given, else ``overwrite=True`` (``--overwrite``)."""
    return lambda n: flag if flag is not None else n("overwrite", True)


def check_output(
    path: os.PathLike | str,
    *,
    option: str = "path",
    overwrite: bool = False,
    inputs: Iterable[os.PathLike | str | None] = (),
    others: Iterable[tuple[str, os.PathLike | str | None]] = (),
    suffixes: Sequence[str] | None = None,
    folder: bool = False,
    flag: str | None = None,
) -> Path:
    """Refuse an output that cannot be written safely; return its absolute path (links unresolved).

    Parameters
    ----------
    path : the output as the user gave it.  option : the name of the caller's parameter that
        holds it, for messages (``"out"``; the command line renders it as its flag).
    overwrite : whether an existing output may be replaced.  inputs : paths the job reads
        (an output may not be one of them).  others : ``(option, path)`` of the job's other
        outputs (two outputs may not be the same file).  suffixes : allowed endings
        (``(".png",)``), case-insensitive.  folder : the output is a folder (a Zarr array).
    flag : how the user allows a replacement, for the message; default ``overwrite=True`` (the
        command line's ``--overwrite``).

    Raises
    ------
    OutputPathError
        One sentence naming the option, the path and the problem.
    """
    text = os.fspath(path)
    if not text or "\x00" in text:
        raise _refuse(option, text, "is not a usable file name", "a file name")
    if suffixes and not text.lower().endswith(tuple(s.lower() for s in suffixes)):
        raise _refuse(option, text, f"expected a file name ending in {' or '.join(suffixes)}",
                      f"a name ending in {' or '.join(suffixes)}")
    final = Path(text).absolute()
    parent = final.parent
    real = os.path.realpath(final)
    for item in inputs:
        if item is None:
            continue
        if os.path.realpath(item) == real or _same_file(item, final):
            raise _refuse(option, text, f"is the same file as the input {_show(item)}; write the result to "
                          "another file (the input is never replaced)", "a path other than the input")
    for other_option, other in others:
        if other is not None and (os.path.realpath(other) == real or _same_file(other, final)):
            raise _refuse(option, text, lambda n, o=other_option, p=other: (
                f"is the same file as {n(o)} {_show(p)}; give each output its own name"), "a path no other output uses")
    if os.path.lexists(final):
        is_dir = final.is_dir() and not final.is_symlink()
        if is_dir and not folder:
            raise _refuse(option, text, "is a folder; expected a file name", "a file name")
        if not overwrite:
            what = "a symlink" if final.is_symlink() else "a folder" if is_dir else "a file"
            extra = " (the link itself would be replaced, never its target)" if final.is_symlink() else ""
            allow = _pass_to_replace(flag)
            raise _refuse(option, text, lambda n: (
                f"already exists ({what}); pass {allow(n)} to replace it{extra}, or choose another name"),
                "a path that does not exist yet")
    where = os.path.realpath(parent)
    if not os.path.isdir(where):
        raise _refuse(option, text, f"its folder {_show(parent)} does not exist", "a path in an existing folder")
    if not os.access(where, os.W_OK | os.X_OK):
        raise _refuse(option, text, f"its folder {_show(parent)} is not writable", "a path in a writable folder")
    return final


def check_outputs(
    outputs: Iterable[tuple[str, os.PathLike | str | None, Sequence[str] | None]],
    *,
    overwrite: bool = False,
    inputs: Iterable[os.PathLike | str | None] = (),
    flag: str | None = None,
) -> list[Path]:
    """:func:`check_output` for each ``(option, path or None, suffixes)`` of one job, and no two
    outputs the same file; returns the absolute paths of those given (Nones skipped)."""
    inputs = list(inputs)
    seen: list[tuple[str, os.PathLike | str]] = []
    paths = []
    for option, path, suffixes in outputs:
        if path is None:
            continue
        paths.append(check_output(path, option=option, overwrite=overwrite, inputs=inputs, others=seen,
                                  suffixes=suffixes, flag=flag))
        seen.append((option, path))
    return paths


def _same_file(a: os.PathLike | str, b: os.PathLike | str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif os.path.lexists(path):
            path.unlink()


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return True  # not a process id we can reason about: keep it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists (another user's process)
        return True
    return True


def clean_stale_partials(path: os.PathLike | str) -> list[Path]:
    """Remove the temporaries of ``path`` left by killed writers; returns what was removed.

    Only names of the form ``.NAME.partial-HOST-PID-RANDOM...`` (and ``.old-``) written on this
    host by a process that no longer exists are removed: a writer still running, a writer on
    another host sharing the disk, and names of older versions (no pid) are left alone.
    """
    final = Path(os.fspath(path)).absolute()
    pattern = re.compile(
        r"^\." + re.escape(final.name) + r"\.(?:partial|old)-(?P<host>[A-Za-z0-9]+)-(?P<pid>\d+)-[0-9a-f]{8}"
        + re.escape(final.suffix) + r"$"
    )
    removed = []
    host = _host()
    try:
        entries = list(os.scandir(final.parent))
    except OSError:
        return removed
    for entry in entries:
        m = pattern.match(entry.name)
        if m is None or m.group("host") != host or _pid_alive(int(m.group("pid"))):
            continue
        p = final.parent / entry.name
        _remove(p)
        if not os.path.lexists(p):
            removed.append(p)
    return removed


def _fsync(path: Path, directory: bool = False) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_output(
    path: os.PathLike | str, *, overwrite: bool = False, option: str = "path", flag: str | None = None
) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it to ``path`` only when the body succeeds.

    The temporary has ``path``'s suffix (``.png``, ``.json``, ``.zarr``...), so writers that
    pick the format from the name keep working.  Files are flushed to disk (``fsync``) before
    the rename.  Without ``overwrite`` the move never replaces anything, even a file created by
    someone else while the job ran (a hard link, which fails if the name exists, where the file
    system allows it).  With ``overwrite`` an existing file (or symlink: the link itself) is
    replaced in one rename; an existing folder is moved aside, replaced, then deleted.
    On any exception (Ctrl-C included) the temporary is removed and nothing at ``path`` changes.
    """
    final = Path(os.fspath(path)).absolute()
    clean_stale_partials(final)
    tmp = partial_name(final)
    try:
        yield tmp
        if not os.path.lexists(tmp):
            raise FileNotFoundError(errno.ENOENT, "the writer wrote nothing", str(tmp))
        is_dir = tmp.is_dir()
        if not is_dir:
            _fsync(tmp)
        _move_into_place(tmp, final, overwrite, option, flag, is_dir)
    except BaseException:
        _remove(tmp)
        raise
    _fsync(final.parent, directory=True)


def _appeared(option: str, final: Path, flag: str | None) -> OutputPathError:
    allow = _pass_to_replace(flag)
    return _refuse(option, final, lambda n: (
        f"appeared while the job ran; pass {allow(n)} to replace it (the result was discarded)"),
        "a path that does not exist yet")


def _move_into_place(tmp: Path, final: Path, overwrite: bool, option: str, flag: str | None, is_dir: bool) -> None:
    exists = os.path.lexists(final)
    if exists and not overwrite:
        raise _appeared(option, final, flag)
    if not exists:
        if not is_dir:
            try:
                os.link(tmp, final)  # fails if the name was taken meanwhile: never clobbers
            except FileExistsError:
                raise _appeared(option, final, flag) from None
            except OSError:  # no hard links here (some FUSE, SMB): a plain rename
                os.replace(tmp, final)
            else:
                os.unlink(tmp)
            return
        os.rename(tmp, final)
        return
    final_is_dir = final.is_dir() and not final.is_symlink()
    if not is_dir and not final_is_dir:
        os.replace(tmp, final)  # replaces a symlink itself, never its target
        return
    old = partial_name(final, "old")
    os.rename(final, old)
    try:
        os.rename(tmp, final)
    except BaseException:
        os.rename(old, final)
        raise
    _remove(old)


_TERMINATED = [False]  # set by _on_sigterm; read by whoever catches the KeyboardInterrupt it raises


def _on_sigterm(signum: int, frame: object) -> None:
    _TERMINATED[0] = True
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[list[bool]]:
    """SIGTERM stops the body as Ctrl-C does (``KeyboardInterrupt``: temporaries removed), when this
    is the main thread and nobody else handles SIGTERM; the previous handler comes back afterwards.
    Yields a one-item list that is ``[True]`` once SIGTERM arrived (exit code 143 rather than 130)."""
    current = signal.getsignal(signal.SIGTERM)
    if current is _on_sigterm:  # nested (resize-raster inside the upsampling command)
        yield _TERMINATED
        return
    if threading.current_thread() is not threading.main_thread() or current != signal.SIG_DFL:
        yield [False]
        return
    _TERMINATED[0] = False
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield _TERMINATED
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
