"""The guard of a read-only query on SQLite, and what it says when it stops one.

The file is opened with ``mode=ro`` and ``PRAGMA query_only``; on top of that an authorizer
(:class:`Guard`) denies what those two let through (ATTACH, hence ``VACUUM INTO``, which
attaches its output file, and pragmas that change state such as ``writable_schema``), and a
progress handler stops a query that runs past its deadline.

The time limit is kept by two means: the progress handler (every 10,000 virtual machine
steps) and a :func:`watchdog` thread that calls ``Connection.interrupt()`` at the deadline,
because a query of a few heavy steps (``replace()`` over a 100 MB string) runs for seconds
between two calls of the handler. A read-only query may also use at most
:data:`HEAP_LIMIT` bytes of SQLite's memory (its hard heap limit, :func:`heap_limit`), so
that one query cannot take the machine's memory.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from lmsdb.query.result import ONE_STATEMENT, QueryError

HEAP_LIMIT = 512 * 2**20  # bytes of SQLite heap a read-only query may use

# Pragmas that only read; every other pragma is refused in read-only mode.
READ_PRAGMAS = frozenset(
    "table_info table_xinfo table_list index_list index_info index_xinfo foreign_key_list "
    "database_list compile_options function_list pragma_list module_list collation_list "
    "user_version schema_version application_id foreign_keys encoding page_count page_size "
    "freelist_count data_version integrity_check quick_check foreign_key_check".split()
)
_WRITE_ACTIONS = {
    getattr(sqlite3, name)
    for name in dir(sqlite3)
    if name.startswith(("SQLITE_CREATE_", "SQLITE_DROP_"))
} | {
    sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE,
    sqlite3.SQLITE_ALTER_TABLE, sqlite3.SQLITE_REINDEX, sqlite3.SQLITE_ANALYZE,
    sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH,
}


class Guard:
    """SQLite authorizer + progress handler for one read-only query."""

    def __init__(self, timeout: float | None, sql: str = ""):
        self.denied: str | None = None
        self.deadline = time.monotonic() + timeout if timeout else None
        self.timed_out = False
        self.vacuum = sql.lstrip().lower().startswith("vacuum")  # to name it in a refusal

    def authorize(self, action: int, a1: str | None, a2: str | None, db: str | None,
                  _trigger: str | None) -> int:
        if action == sqlite3.SQLITE_UPDATE and a1 == "sqlite_master" and db == "main":
            # Asked when a virtual table (the FTS5 index) is first connected. A real write to
            # the file's schema is still impossible: mode=ro, query_only, no writable_schema.
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA:
            if (a1 or "").lower() in READ_PRAGMAS and (
                a2 is None or (a1 or "").lower() not in {"user_version", "schema_version",
                                                          "application_id", "foreign_keys"}
            ):
                return sqlite3.SQLITE_OK
            self.denied = f"PRAGMA {a1}" + (f" = {a2}" if a2 is not None else "")
            return sqlite3.SQLITE_DENY
        if action in _WRITE_ACTIONS:
            what = {sqlite3.SQLITE_ATTACH: self._attach_name(a1),
                    sqlite3.SQLITE_DETACH: "DETACH"}.get(action)
            self.denied = what or f"a statement that changes {a1 or 'the database'}"
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    def _attach_name(self, file: str | None) -> str:
        """What an ATTACH is: VACUUM attaches a temporary file (''), VACUUM INTO its output."""
        if self.vacuum:
            if file:
                return "VACUUM INTO (which writes a file)"
            return "VACUUM (which rewrites the file)"
        return "ATTACH (and VACUUM INTO, which attaches a file)"

    def expire(self, con: sqlite3.Connection) -> None:
        """The watchdog's work at the deadline: stop the query between two steps."""
        self.timed_out = True
        con.interrupt()

    def progress(self) -> int:
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.timed_out = True
            return 1
        return 0


def open_read_only(path: str, guard: Guard) -> sqlite3.Connection:
    """The file at ``path``, opened read-only under ``guard`` (authorizer and deadline)."""
    con = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)
    con.execute("PRAGMA query_only = ON")
    con.set_authorizer(guard.authorize)
    con.set_progress_handler(guard.progress, 10_000)
    return con


@contextlib.contextmanager
def watchdog(guard: Guard, con: sqlite3.Connection, timeout: float | None) -> Iterator[None]:
    """Interrupt ``con`` from another thread when ``timeout`` seconds have passed."""
    if not timeout:
        yield
        return
    timer = threading.Timer(timeout, guard.expire, (con,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _heap_limit_api() -> Any:
    """SQLite's ``sqlite3_hard_heap_limit64``, through ctypes, or None where unavailable."""
    try:
        import _sqlite3
        import ctypes

        fn = ctypes.CDLL(_sqlite3.__file__).sqlite3_hard_heap_limit64
    except (ImportError, OSError, AttributeError):
        return None
    fn.restype, fn.argtypes = ctypes.c_int64, [ctypes.c_int64]
    return fn


@contextlib.contextmanager
def heap_limit(con: sqlite3.Connection, limit: int) -> Iterator[None]:
    """Cap SQLite's memory (process-wide) while a read-only query runs, then restore it.
    Without the C function, ``PRAGMA hard_heap_limit`` lowers it for good (it cannot raise
    it back): acceptable for the one query of an ``lmsdb sql`` process."""
    fn = _heap_limit_api()
    if fn is None:
        con.execute(f"PRAGMA hard_heap_limit = {int(limit)}")
        yield
        return
    before = fn(-1)
    if not before or before > limit:
        fn(limit)
    try:
        yield
    finally:
        fn(before)


def sqlite_error(e: sqlite3.Error, guard: Guard, sql: str, timeout: float | None) -> QueryError:
    if guard.timed_out:
        return QueryError(f"query stopped after {timeout:g} s (--timeout): {sql.strip()}")
    msg = str(e)
    if "one statement at a time" in msg:
        return QueryError(f"{ONE_STATEMENT}\n  query: {sql.strip()}")
    if guard.denied or "readonly" in msg or "not authorized" in msg or "may not be" in msg:
        what = guard.denied or "a write"
        return QueryError(f"refused: {what} in a read-only query; pass --write to change the "
                          f"database\n  query: {sql.strip()}")
    return QueryError(f"SQL error: {msg}\n  query: {sql.strip()}")
