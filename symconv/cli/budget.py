"""A time budget for symbolic steps that sympy may not finish (a limit of a large rational function).

Only the command line sets one (a signal timer in the main thread); the library never
interrupts a computation. When the budget runs out, the command fails with a one-line error.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

from symconv.errors import SymconvError

#: Seconds a command gives sympy for one symbolic step.
SECONDS = 60.0


class _Expired(BaseException):  # not an Exception: sympy's ``except Exception`` cannot swallow it
    pass


@contextlib.contextmanager
def budget(what: str, seconds: float = SECONDS) -> Iterator[None]:
    """Run the block for at most ``seconds``; then raise :class:`SymconvError` saying ``what`` did not finish."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Expired:
        raise SymconvError(f"{what} did not finish within {seconds:g} s; try fixing more symbols") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
