"""A per-case time limit and memory cap for in-process fuzzing.

``guarded(seconds, memory)`` runs a block with a wall-clock alarm (SIGALRM raising
``CaseTimeout``, a BaseException, so no ``except Exception`` in the code under test swallows
it) and the address space capped at what the process uses now plus ``memory`` bytes
(RLIMIT_AS, so an allocation past it fails with MemoryError at once instead of swapping the
machine). Both are restored afterwards. Where the platform lacks either (no SIGALRM, no
/proc), that guard is skipped.
"""
from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator

try:
    import resource
except ImportError:  # not POSIX
    resource = None  # type: ignore[assignment]

__all__ = ["CaseTimeout", "guarded"]


class CaseTimeout(BaseException):
    """A case ran past its time limit."""


def _address_space() -> int | None:
    try:
        with open(f"/proc/{os.getpid()}/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _alarm(signum: int, frame: object) -> None:
    raise CaseTimeout("the case ran past its time limit")


@contextlib.contextmanager
def guarded(seconds: float, memory: int) -> Iterator[None]:
    timer = hasattr(signal, "setitimer")
    if timer:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    limits = None
    used = _address_space() if resource is not None else None
    if used is not None:
        limits = resource.getrlimit(resource.RLIMIT_AS)
        cap = used + memory
        if limits[1] == resource.RLIM_INFINITY or cap < limits[1]:
            resource.setrlimit(resource.RLIMIT_AS, (cap, limits[1]))
        else:
            limits = None
    try:
        yield
    finally:
        if limits is not None:
            resource.setrlimit(resource.RLIMIT_AS, limits)
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
