"""The whole online phase's time budget, shared by every request of a run.

Each request has its own timeout as well; a request is given whichever of the two
ends first, so a run that asks many registries still ends when the deadline says,
however many of them hang.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Deadline:
    """``seconds`` from its creation; ``remaining()`` never goes below zero."""

    __slots__ = ("_clock", "_ends", "seconds")

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if seconds <= 0:
            raise ValueError(f"a deadline must be positive, not {seconds!r}")
        self.seconds = seconds
        self._clock = clock
        self._ends = clock() + seconds

    def remaining(self) -> float:
        """Seconds left, 0.0 once passed."""
        return max(0.0, self._ends - self._clock())

    def expired(self) -> bool:
        """True once nothing more may be asked."""
        return self.remaining() <= 0.0

    def __repr__(self) -> str:
        return f"Deadline(seconds={self.seconds:g}, remaining={self.remaining():.3f})"
