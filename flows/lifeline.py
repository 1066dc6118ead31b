"""Child processes that stop when the process that started them dies, even by `kill -9`.

Used for the CLI's temporary Prefect server (as its preexec function) and for the worker processes'
fork server (`flows._forkserver_preload` calls it on import there). Without it a killed run would leave
them behind. The workers themselves watch the flow process (flows.workers._watch).
"""

from __future__ import annotations

import signal
import sys


def die_with_parent() -> None:
    """prctl(PR_SET_PDEATHSIG, SIGTERM) for this process; a no-op where it is not available."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except Exception:
        pass

