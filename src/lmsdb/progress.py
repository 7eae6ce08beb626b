"""Progress reporting for long imports and exports, on stderr and only on a terminal."""

from __future__ import annotations

import sys
from typing import Any, Protocol

STEP = 4096  # rows between two updates: often enough to move, rarely enough to cost nothing


class Progress(Protocol):
    """What the library needs of a progress bar (a tqdm bar is one)."""

    total: float | None

    def update(self, n: float | None = 1) -> Any: ...


class NoProgress:
    """The default: reports to nobody."""

    total: float | None = None

    def update(self, n: float | None = 1) -> None:
        return None

    def close(self) -> None:
        return None


def terminal_bar(desc: str, unit: str = " rows") -> Any:
    """A tqdm bar on stderr that appears after one second, and never when stderr is not a
    terminal (so scripts and logs stay clean)."""
    if not sys.stderr.isatty():
        return NoProgress()  # and tqdm need not even be imported
    from tqdm import tqdm

    return tqdm(desc=desc, unit=unit, file=sys.stderr, disable=None, leave=False, delay=1.0,
                dynamic_ncols=True)
