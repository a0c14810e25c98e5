"""Where and how the work runs: the scheduler (local, or a ``dask.distributed`` cluster at an
address that is checked before it is trusted), progress on stderr, and computing a graph so
that a failure or Ctrl-C leaves no block writing behind the caller's cleanup.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import re
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from upsampling import _checks
from upsampling._optional import require
from upsampling.errors import InvalidArgumentError, SchedulerUnreachableError

dask = require("dask", extra="dask")

#: Seconds between progress lines when stderr is not a terminal (a log file, CI).
PROGRESS_EVERY = 5.0


_LOCAL_SCHEDULERS = ("threads", "threading", "processes", "multiprocessing", "synchronous", "sync", "single-threaded")


def _client() -> Any:
    """The active ``dask.distributed`` client, if any (without importing distributed).

    None when a local scheduler is asked for (``dask.config.set(scheduler="threads")``, as
    :func:`scheduler_context` does), even if a client exists.
    """
    if "distributed" not in sys.modules or dask.config.get("scheduler", None) in _LOCAL_SCHEDULERS:
        return None
    from distributed import default_client

    try:
        return default_client()
    except ValueError:
        return None


class _Lines:
    """Progress for a log file or CI (stderr not a terminal): a line when the work starts, one every
    :data:`PROGRESS_EVERY` seconds, and one at the end -- never a redrawn bar."""

    def __init__(self, label: str) -> None:
        self.label, self.start, self.last = label, time.monotonic(), time.monotonic()

    def line(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= PROGRESS_EVERY:
            self.last = now
            print(f"{self.label}: {text} ({now - self.start:.1f} s)", file=sys.stderr, flush=True)


def _line_progress():
    """A dask callback printing :class:`_Lines` (built lazily: dask.callbacks is imported here)."""
    from dask.callbacks import Callback

    class LineProgress(Callback):
        def __init__(self) -> None:
            super().__init__()
            self.lines = _Lines("resize-raster")
            self.state: Any = None
            self.stop = threading.Event()

        def _start_state(self, dsk: Any, state: Any) -> None:
            self.state = state
            self.lines.line(f"started, {self._total():,} tasks", force=True)
            threading.Thread(target=self._tick, daemon=True).start()

        def _total(self) -> int:
            s = self.state
            return sum(len(s[k]) for k in ("ready", "waiting", "running", "finished")) if s else 0

        def _tick(self) -> None:
            while not self.stop.wait(min(1.0, PROGRESS_EVERY)):
                s = self.state
                if s is not None:
                    total = self._total()
                    done = len(s["finished"])
                    self.lines.line(f"{100 * done // max(total, 1)}% ({done:,} of {total:,} tasks)")

        def _finish(self, dsk: Any, state: Any, errored: bool) -> None:
            self.stop.set()
            total = self._total()
            done = len(state["finished"]) if state else 0
            word = "stopped" if errored else "done"
            self.lines.line(f"{word}, {100 * done // max(total, 1)}% ({done:,} of {total:,} tasks)", force=True)

    return LineProgress()


def _on_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _compute(target: Any, progress: bool) -> Any:
    """Compute on the active distributed client or the local scheduler, with progress on stderr
    (a bar on a terminal; otherwise a line every :data:`PROGRESS_EVERY` seconds).

    When a task fails, the tasks already running are waited for (threads) or cancelled
    (distributed) before the error propagates, so no block is written after the caller has
    cleaned up.  Ctrl-C does not wait for them: the caller's cleanup removes the marker a
    block checks before writing (:class:`upsampling.dask.storage._GuardedStore`).
    """
    client = _client()
    if client is not None:
        future = client.compute(target)
        try:
            if progress and _on_terminal():
                from distributed import progress as show_progress

                # distributed's text bar writes to stdout; keep stdout for the result.
                with contextlib.redirect_stdout(sys.stderr):
                    show_progress(future)
                    print()
            elif progress:
                lines = _Lines("resize-raster")
                lines.line("started on the cluster", force=True)
                result = future.result()
                lines.line("done", force=True)
                return result
            return future.result()
        except BaseException:
            with contextlib.suppress(Exception):
                client.cancel(future, force=True)
            raise
    bar: Any = contextlib.nullcontext()
    if progress:
        from dask.diagnostics import ProgressBar

        bar = ProgressBar(out=sys.stderr) if _on_terminal() else _line_progress()
    kwargs: dict[str, Any] = {}
    pool = None
    if dask.config.get("scheduler", None) in (None, "threads", "threading") and dask.config.get("pool", None) is None:
        # Our own pool, so that a failure waits for the blocks still being written.
        workers = dask.config.get("num_workers", None) or os.cpu_count() or 1
        pool = concurrent.futures.ThreadPoolExecutor(workers)
        kwargs = {"scheduler": "threads", "pool": pool}
    interrupted = False
    try:
        with bar:
            result = dask.compute(target, **kwargs)[0]
        if progress and _on_terminal():
            print(file=sys.stderr)  # dask's bar leaves the cursor at the end of its line
        return result
    except (KeyboardInterrupt, SystemExit):
        interrupted = True
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=not interrupted, cancel_futures=True)


@contextlib.contextmanager
def scheduler_context(scheduler: Any = None, timeout: float = 10.0) -> Iterator[Any]:
    """Run the body on ``scheduler``; yields the ``distributed.Client`` or None.

    ``scheduler``: None (Dask's default: an active client, else local threads), a local
    scheduler name (``"threads"``, ``"processes"``, ``"synchronous"``), a
    ``distributed.Client``, or a scheduler address (``"tcp://host:8786"``).  An address that
    does not answer within ``timeout`` seconds raises :class:`SchedulerUnreachableError`.
    """
    if scheduler is None:
        yield _client()
        return
    if isinstance(scheduler, str) and scheduler in _LOCAL_SCHEDULERS:
        with dask.config.set(scheduler=scheduler):
            yield None
        return
    distributed = require("distributed", extra="dask")
    if isinstance(scheduler, distributed.Client):
        with scheduler.as_current():
            yield scheduler
        return
    if not isinstance(scheduler, str):
        raise InvalidArgumentError(
            "scheduler", scheduler, "None, 'threads', 'processes', 'synchronous', a distributed.Client or an address"
        )
    timeout = _checks.positive_finite("timeout", timeout)
    _probe_scheduler(scheduler, timeout)
    try:
        client = distributed.Client(scheduler, timeout=timeout, set_as_default=True)
    except (OSError, TimeoutError) as exc:
        raise _unreachable(scheduler, timeout, exc) from None
    except ValueError as exc:
        raise InvalidArgumentError(
            "scheduler", scheduler, "a scheduler address such as 'tcp://HOST:8786'", str(exc)
        ) from None
    except MemoryError as exc:  # a reply read as a frame length of exabytes: not dask's protocol
        raise _not_a_scheduler(scheduler, f"its reply could not be read as dask.distributed's protocol ({exc})") from None
    try:
        with client.as_current():
            yield client
    finally:
        client.close()


_TCP_ADDRESS = re.compile(r"(?:tcp://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})")


def _scheduler_error(scheduler: str, problem: str) -> SchedulerUnreachableError:
    """``scheduler='ADDRESS': PROBLEM`` as the error naming the parameter and what it must be."""
    return SchedulerUnreachableError(
        "scheduler",
        scheduler,
        "the address of a running dask.distributed scheduler",
        message=f"scheduler={scheduler!r:.120}: {problem}",
    )


def _unreachable(scheduler: str, timeout: float, exc: BaseException) -> SchedulerUnreachableError:
    return _scheduler_error(
        scheduler,
        f"no dask.distributed scheduler answered within {timeout:g} s ({type(exc).__name__}: {exc}). Check the "
        "address (e.g. tcp://HOST:8786) and that the scheduler is running, or omit it to use the local scheduler.",
    )


def _not_a_scheduler(scheduler: str, what: str) -> SchedulerUnreachableError:
    return _scheduler_error(
        scheduler,
        f"something answered there, but it is not a dask.distributed scheduler: {what}. Check the address and "
        "port (a scheduler listens on 8786 by default), or omit --scheduler to use the local scheduler.",
    )


def _probe_scheduler(scheduler: str, timeout: float) -> None:
    """Check that a ``tcp://HOST:PORT`` address speaks dask.distributed's protocol before handing it
    to ``distributed.Client``, which can wait forever on a service that never replies (an HTTP
    server) or read garbage as a frame length of exabytes.

    A scheduler greets first: right after accepting a connection it sends its handshake, framed as
    two little-endian uint64 (the frames' total length, then their count) and the frames.  We read
    those 16 bytes within ``timeout`` and check they are plausible; other protocols (``tls://``,
    ``ucx://``...) are left to distributed.
    """
    m = _TCP_ADDRESS.fullmatch(scheduler.strip())
    if m is None:
        return
    host, port = m.group(1).strip("[]"), int(m.group(2))
    try:
        conn = socket.create_connection((host, port), timeout=timeout)
    except (OSError, ValueError) as exc:
        raise _unreachable(scheduler, timeout, exc) from None
    with conn:
        conn.settimeout(timeout)
        data = b""
        try:
            while len(data) < 16:
                chunk = conn.recv(16 - len(data))
                if not chunk:
                    break
                data += chunk
        except OSError:  # socket.timeout included
            pass
    if len(data) < 16:
        raise _not_a_scheduler(
            scheduler,
            f"it accepted the connection but sent no dask handshake within {timeout:g} s"
            + (f" (only {data[:16]!r})" if data else " (an HTTP or other server waiting for a request?)"),
        )
    total, frames = struct.unpack("<QQ", data)
    if not (16 <= total <= 2**24 and 1 <= frames <= 64):
        raise _not_a_scheduler(scheduler, f"its first bytes {data[:16]!r} are not a dask message header")

