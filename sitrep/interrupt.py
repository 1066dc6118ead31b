"""A prompt, clean exit on SIGTERM and SIGINT (Ctrl-C), whatever the run is doing.

Unwinding a run by an exception is neither prompt nor clean: Prefect swaps in its own SIGTERM handler while
a flow runs, then reports the crash to its API, and when the temporary server got the same signal (a whole
process group stopped by a service manager or Ctrl-C) its client retries the dead server's websocket for
a minute. So the CLI does not unwind. `install()` has Python's C-level signal handler write the signal's
number to a socket (`signal.set_wakeup_fd`; that happens whichever Python-level handler is installed at
the time), and a watcher thread that reads it runs the registered cleanups: the staging file is removed,
the worker processes and the temporary Prefect server are stopped. It then prints one line and leaves with
`os._exit(1)` (no exit handlers that would talk to a dead server). The published warehouse is untouched:
a run only ever replaces it in one rename, so it holds either the last completed run or this one, whole.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import threading
from collections.abc import Callable

SIGNALS = (signal.SIGTERM, signal.SIGINT)
GRACE = 8.0  # seconds the cleanups may take before the process leaves anyway
EXIT_STATUS = 1  # the run did not complete (docs/CONTRACT.md: 1 = a report failed, the others are kept)

_cleanups: dict[int, Callable[[], None]] = {}
_ids = itertools.count()
_lock = threading.Lock()
_installed = False
_sockets: tuple[socket.socket, socket.socket] | None = None  # kept open for the process's life


def on_interrupt(cleanup: Callable[[], None]) -> Callable[[], None]:
    """Run `cleanup` (from the watcher thread; it must be quick and must not wait for the main thread) when
    the process is interrupted. Returns a function that unregisters it."""
    with _lock:
        key = next(_ids)
        _cleanups[key] = cleanup

    def forget() -> None:
        with _lock:
            _cleanups.pop(key, None)

    return forget


def _ignore(signum: int, frame: object) -> None:
    """The Python-level handler: nothing (the watcher acts), so no KeyboardInterrupt unwinds the run."""


def _say(text: str) -> None:
    with contextlib.suppress(OSError):
        os.write(2, text.encode("utf-8", "replace"))  # not sys.stderr: the main thread may hold its lock


def _watch(sock: socket.socket) -> None:
    while True:
        try:
            data = sock.recv(16)
        except InterruptedError:
            continue
        except OSError:
            return
        signums = [b for b in data if b in SIGNALS]
        if signums:
            break
    name = signal.Signals(signums[0]).name
    timer = threading.Timer(GRACE, os._exit, (EXIT_STATUS,))
    timer.daemon = True
    timer.start()
    with _lock:
        cleanups = list(_cleanups.values())
    for cleanup in reversed(cleanups):  # the last registered (the staging file) first
        with contextlib.suppress(Exception):
            cleanup()
    _say(f"\nsitrep: interrupted by {name}: stopped; nothing half-written was published (the warehouse holds "
         "the last completed run)\n")
    os._exit(EXIT_STATUS)


def install() -> bool:
    """Route SIGTERM and SIGINT to the watcher. Call from the main thread, early; False when not possible
    (not the main thread)."""
    global _installed, _sockets
    if _installed:
        return True
    if threading.current_thread() is not threading.main_thread():
        return False
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    _sockets = (reader, writer)
    for signum in SIGNALS:
        signal.signal(signum, _ignore)
    signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    threading.Thread(target=_watch, args=(reader,), name="sitrep-signal-watch", daemon=True).start()
    _installed = True
    return True


__all__ = ["install", "on_interrupt"]
