"""One writer at a time: the lock every write takes before it reads anything.

An import plans its writes from what it reads, so two imports that read the same state and
then both write would each undo the other's changes (a lost update), or trip a UNIQUE
constraint on a row both insert. Every writer (import, .bib merge, rekey, ``sql --write``,
schema creation and migration) therefore runs in a transaction that first takes the
database's writer lock, then reads, plans and writes, and releases the lock by committing
or rolling back:

- SQLite: ``BEGIN IMMEDIATE`` (the file's RESERVED lock; readers go on reading);
- PostgreSQL: ``pg_advisory_xact_lock`` on a key derived from lmsdb's schema name (readers
  are not blocked; two lmsdb schemas in one database do not block each other).

A second writer first tries without waiting; if the lock is held it says so (``on_wait``)
and waits up to ``wait`` seconds, then plans from what the first one committed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lmsdb.diagnostics import LmsdbError

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

DEFAULT_WAIT = 60.0


class LockTimeout(LmsdbError):
    """Another writer held the lock for longer than ``--wait`` (exit code 1)."""


def _stderr(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


@dataclass(frozen=True)
class Wait:
    """How long a writer waits for another one, and where it says that it waits."""

    seconds: float = DEFAULT_WAIT
    on_wait: Callable[[str], None] = _stderr

    def waiting(self) -> None:
        limit = f"up to {self.seconds:g} s" if self.seconds else "not waiting"
        self.on_wait(f"lmsdb: another lmsdb command is writing to this database; "
                     f"waiting for it to finish ({limit}, --wait SECONDS)")

    def timed_out(self) -> LockTimeout:
        return LockTimeout(f"another lmsdb command kept writing to this database for more than "
                           f"{self.seconds:g} s (--wait): nothing was changed; try again later "
                           "or wait longer with --wait SECONDS")


@contextmanager
def writing(engine: Engine, wait: Wait | None = None) -> Iterator[Connection]:
    """A connection in a transaction that holds the writer lock; commits at the end of the
    block, rolls back on any error."""
    wait = wait or Wait()
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            raw = conn.connection.driver_connection
            saved = raw.isolation_level
            raw.isolation_level = None  # we say BEGIN ourselves
            try:
                begin_immediate(conn, wait)
                yield from _commit_or_rollback(conn)
            finally:
                raw.isolation_level = saved
        else:
            conn.begin()
            advisory_lock(conn, wait)
            yield from _commit_or_rollback(conn)


def _commit_or_rollback(conn: Connection) -> Iterator[Connection]:
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def begin_immediate(conn: Connection, wait: Wait) -> None:
    """SQLite: ``BEGIN IMMEDIATE`` on a connection whose driver leaves transactions to us
    (``isolation_level = None``); waits for another writer up to ``wait.seconds``."""
    sqlite_begin_immediate(conn.exec_driver_sql, wait)


def sqlite_begin_immediate(execute: Callable[[str], object], wait: Wait) -> None:
    """``BEGIN IMMEDIATE`` through ``execute`` (a SQLAlchemy connection's or a plain
    ``sqlite3`` one's): at once if no one writes, else after saying so and waiting."""

    def attempt(timeout_ms: int) -> bool:
        execute(f"PRAGMA busy_timeout = {timeout_ms}")
        try:
            execute("BEGIN IMMEDIATE")
            return True
        except Exception as e:
            if not sqlite_busy(e):
                raise
            return False

    try:
        if attempt(0):
            return
        wait.waiting()
        if wait.seconds and attempt(int(wait.seconds * 1000)):
            return
        raise wait.timed_out()
    finally:
        execute("PRAGMA busy_timeout = 5000")  # Python's default


def sqlite_busy(e: BaseException) -> bool:
    """Whether ``e`` (sqlite3's error, or SQLAlchemy's wrapping it) is SQLITE_BUSY: another
    connection holds the lock ("database is locked")."""
    import sqlite3

    orig = getattr(e, "orig", e)
    code = getattr(orig, "sqlite_errorcode", None)
    return isinstance(orig, sqlite3.Error) and code is not None and (
        code & 0xFF) == sqlite3.SQLITE_BUSY


def lock_key(schema: str) -> str:
    return f"lmsdb writer {schema}"


def advisory_lock(conn: Connection, wait: Wait) -> None:
    """PostgreSQL: ``pg_advisory_xact_lock`` (held until the transaction ends); waits for
    another writer up to ``wait.seconds`` (``lock_timeout``)."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from lmsdb.store.db import pg_schema

    key = {"k": lock_key(pg_schema(conn))}
    if conn.execute(text("SELECT pg_try_advisory_xact_lock(hashtextextended(:k, 0))"),
                    key).scalar():
        return
    wait.waiting()
    if not wait.seconds:
        raise wait.timed_out()
    conn.execute(text(f"SET LOCAL lock_timeout = {max(1, int(wait.seconds * 1000))}"))
    try:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), key)
    except OperationalError as e:
        if getattr(e.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise wait.timed_out() from None
        raise
    conn.execute(text("SET LOCAL lock_timeout = DEFAULT"))
