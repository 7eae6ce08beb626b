"""Where ``-o FILE`` writes: whole or not at all, and never over something it should not.

A regular file is replaced atomically: the text goes to a temporary file created
exclusively, with a random name, in the target's own directory (a planted or leftover
``FILE.tmp`` cannot redirect the write), which then takes the target's permission bits and
replaces it. ``-o`` through a symbolic link writes the file the link points to and keeps
the link. A device or a FIFO (``/dev/null``, ``/dev/stdout``, a named pipe) is written in
place: replacing it would turn it into a regular file. The database file itself is refused.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from lmsdb.diagnostics import UsageError


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_target(path: str, protected: list[str]) -> None:
    """Refuse to write over one of ``protected`` (the database file and its journals)."""
    for p in protected:
        if _same_file(path, p) or os.path.realpath(path) == os.path.realpath(p):
            raise UsageError(f"-o {path} is the database file: refusing to overwrite it")


@contextmanager
def open_output(path: str, protected: list[str] | None = None) -> Iterator[TextIO]:
    """A text stream that ends up in ``path`` (see the module's docstring)."""
    check_target(path, protected or [])
    target = os.path.realpath(path)  # through symbolic links: keep the link, write its file
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        # A device, a FIFO, a socket: write in place (it cannot be replaced atomically, and
        # must not be replaced at all).
        with open(target, "w", encoding="utf-8", newline="\n") as f:
            yield f
        return
    directory, name = os.path.split(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".lmsdb-tmp", dir=directory or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            yield f
        os.chmod(tmp, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _umask() -> int:
    """The process's umask (read by setting it, then putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def database_files(url: str | None) -> list[str]:
    """The files of a SQLite database URL that ``-o`` must never replace."""
    if not url or not url.startswith("sqlite") or ":memory:" in url:
        return []
    from sqlalchemy.engine import make_url

    db = make_url(url).database
    if not db:
        return []
    return [db, db + "-journal", db + "-wal", db + "-shm"] if Path(db).name else []
