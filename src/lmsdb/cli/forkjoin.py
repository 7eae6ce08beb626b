"""Run one text-producing function on two halves of a list, the second half in a forked
child process, so that a large export uses both cores of a 2-core machine.

Formatting 100,000 BibTeX entries is pure Python and holds the GIL, so threads cannot
share it; a forked child inherits the rows without copying or pickling them and sends back
only its text. Where ``os.fork`` does not exist, or the child fails for any reason, the
parent formats the second half itself: the result is the same text either way.

Only the ``lmsdb`` command decides to fork: it passes ``workers=2`` to the BibTeX exporter,
which calls :func:`two_way` then and only then (a library caller gets one process unless it
asks for two).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

MIN_ITEMS = 20_000  # below this, forking costs more than it saves


def two_way(fn: Callable[[Sequence[T]], str], items: Sequence[T]) -> tuple[str, str]:
    """``(fn(first half), fn(second half))``, the second computed in a child process."""
    half = len(items) // 2
    first, second = items[:half], items[half:]
    if len(items) < MIN_ITEMS or not hasattr(os, "fork"):
        return fn(first), fn(second)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without running any cleanup
        code = 1
        try:
            os.close(read_fd)
            data = fn(second).encode("utf-8")
            view = memoryview(data)
            while view:
                view = view[os.write(write_fd, view):]
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        head = fn(first)
        chunks = []
        while chunk := os.read(read_fd, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return head, fn(second)
    return head, b"".join(chunks).decode("utf-8")
