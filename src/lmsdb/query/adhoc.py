"""Ad-hoc SQL (``lmsdb sql``): read-only by default, enforced by the database engine, with a
time limit. ``write=True`` lifts the read-only part and runs the statement under the writer
lock, in a transaction that commits.

SQLite: the file is opened read-only under an authorizer, a deadline and a heap limit
(:mod:`lmsdb.query.sqliteguard`). PostgreSQL: the query runs in a READ ONLY transaction with
a ``statement_timeout``, only as a role that cannot get out of it
(:mod:`lmsdb.query.pgreader`), as one prepared statement whose ``:name`` parameters
:mod:`lmsdb.query.pgbinds` finds; its values come back as SQLite would give them
(:func:`plain`).
"""

from __future__ import annotations

import contextlib
import sqlite3
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # SQLAlchemy is imported only where needed (see lmsdb.query.fastjson)
    from sqlalchemy import Engine

from lmsdb.query.pgbinds import pg_placeholders
from lmsdb.query.result import ONE_STATEMENT, QueryError, Result
from lmsdb.query.sqliteguard import (
    HEAP_LIMIT,
    Guard,
    heap_limit,
    open_read_only,
    sqlite_error,
    watchdog,
)
from lmsdb.store.db import POSTGRES_HINT, database_exists
from lmsdb.store.locks import Wait, sqlite_begin_immediate

__all__ = ["DEFAULT_TIMEOUT", "QueryError", "Result", "pg_placeholders", "plain", "run"]

DEFAULT_TIMEOUT = 5.0


def _sqlite_path(engine: Engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:":
        raise QueryError("lmsdb sql needs a database file (an in-memory database is empty)")
    if not database_exists(engine):
        raise QueryError(f"no database at {path}: run `lmsdb import LIST.md` first")
    return path


def run(engine: Engine, sql: str, params: dict[str, Any] | None = None, *,
        write: bool = False, timeout: float | None = DEFAULT_TIMEOUT,
        wait: Wait | None = None) -> Result:
    """Run one SQL statement and return its rows. With ``write`` the statement runs under
    the writer lock (:mod:`lmsdb.store.locks`), waiting for another writer as ``wait`` says."""
    params = params or {}
    if engine.dialect.name == "sqlite":
        return _run_sqlite(_sqlite_path(engine), sql, params, write, timeout, wait or Wait())
    return _run_postgresql(engine, sql, params, write, timeout, wait or Wait())


def _run_sqlite(path: str, sql: str, params: dict[str, Any], write: bool,
                timeout: float | None, wait: Wait) -> Result:
    guard = Guard(timeout, sql)
    if write:
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("PRAGMA foreign_keys = ON")
        try:
            sqlite_begin_immediate(con.execute, wait)
        except BaseException:
            con.close()
            raise
        con.set_progress_handler(guard.progress, 10_000)
    else:
        con = open_read_only(path, guard)
    limit = contextlib.nullcontext() if write else heap_limit(con, HEAP_LIMIT)
    try:
        with watchdog(guard, con, timeout), limit:
            try:
                cur = con.execute(sql, params)
            except sqlite3.OperationalError as e:
                if not (write and "within a transaction" in str(e)):
                    raise
                # VACUUM cannot run in a transaction; it takes the file's exclusive lock.
                con.rollback()
                cur = con.execute(sql, params)
            rows = cur.fetchall()
            columns = [d[0] for d in cur.description] if cur.description else []
        if write:
            _refresh_search(con.cursor(), "?")
            con.commit()
        return Result(columns, rows, cur.rowcount)
    except MemoryError:  # SQLITE_NOMEM: the heap limit was reached
        con.rollback()
        raise QueryError(f"query stopped: it needed more than {HEAP_LIMIT // 2**20} MB of "
                         f"memory (the limit of a read-only query): {sql.strip()}") from None
    except sqlite3.Error as e:
        con.rollback()
        raise sqlite_error(e, guard, sql, timeout) from None
    finally:
        con.close()


def _refresh_search(cur: Any, placeholder: str) -> None:
    """After a write, recompute the search text of the papers whose title or authors it
    changed (lmsdb computes that text in Python; the index then follows by itself)."""
    from lmsdb.store.searchtext import refresh_cursor

    refresh_cursor(cur, placeholder)


def _run_postgresql(engine: Engine, sql: str, params: dict[str, Any], write: bool,
                    timeout: float | None, wait: Wait) -> Result:
    """PostgreSQL: a READ ONLY transaction unless ``write``, with a ``statement_timeout``.

    A read-only query runs only as a role that cannot get out of a read-only transaction
    (:func:`lmsdb.query.pgreader.check_reader`). The statement is sent as a prepared
    statement (psycopg's ``prepare=True``, the extended protocol), which the server accepts
    only as ONE statement: sent as a simple query, ``select 1; commit; delete from papers``
    would end the read-only transaction and run the DELETE in a new one. ``:name`` parameters are
    found by :func:`pg_placeholders`, which knows SQL's literals and comments. The
    connection is closed afterwards, never handed back to the pool, so that nothing a query
    set on its session (a setting, an advisory lock) outlives it.
    """
    from lmsdb.query.pgreader import check_reader
    from lmsdb.store.locks import advisory_lock

    stmt, names = pg_placeholders(sql)
    missing = [n for n in names if n not in params]
    if missing:
        raise QueryError(f"SQL error: no value for :{missing[0]} (bind it with -p "
                         f"{missing[0]} VALUE)\n  query: {sql.strip()}")
    with engine.connect() as conn:
        con = conn.connection.driver_connection
        if type(con).__module__.split(".")[0] != "psycopg":
            raise QueryError("ad-hoc SQL on PostgreSQL needs the psycopg (3) driver: use a "
                             f"postgresql+psycopg://... URL ({POSTGRES_HINT})")
        try:
            if write:
                conn.begin()
                advisory_lock(conn, wait)
            else:
                check_reader(con)
            return _run_psycopg(con, stmt, params, sql, write, timeout)
        finally:
            conn.invalidate()


def _run_psycopg(con: Any, stmt: str, params: dict[str, Any], sql: str, write: bool,
                 timeout: float | None) -> Result:
    import psycopg

    try:
        with con.cursor() as cur:
            if not write:
                cur.execute("SET TRANSACTION READ ONLY")
            if timeout:
                cur.execute(f"SET LOCAL statement_timeout = {int(timeout * 1000)}")
            cur.execute(stmt, params, prepare=True)  # a dict, even empty: %% is then %
            columns = [d.name for d in cur.description] if cur.description else []
            rows = [tuple(map(plain, r)) for r in cur.fetchall()] if cur.description else []
            rowcount = cur.rowcount
            if write:
                _refresh_search(cur, "%s")
        if write:
            con.commit()
        else:
            con.rollback()
        return Result(columns, rows, rowcount)
    except psycopg.Error as e:
        # A COPY to the client leaves the connection busy; it is closed, not rolled back.
        if con.info.transaction_status != psycopg.pq.TransactionStatus.ACTIVE:
            con.rollback()
        raise _psycopg_error(e, sql, timeout) from None


def _psycopg_error(e: Exception, sql: str, timeout: float | None) -> QueryError:
    msg = str(e).strip()
    state = getattr(e, "sqlstate", None)  # the server's SQLSTATE; None for a client error
    if state == "25006":  # read_only_sql_transaction
        return QueryError(f"refused: a write in a read-only query; pass --write to "
                          f"change the database\n  query: {sql.strip()}")
    if state == "57014" and "statement timeout" in msg:  # not a cancel by another session
        return QueryError(f"query stopped after {timeout:g} s (--timeout): {sql.strip()}")
    # No SQLSTATE of their own (several statements are any syntax error's 42601; COPY to
    # the client is psycopg's refusal): their message tells.
    if "multiple commands" in msg:
        return QueryError(f"{ONE_STATEMENT}\n  query: {sql.strip()}")
    if "COPY" in msg and "copy()" in msg:
        return QueryError("SQL error: COPY to or from the client (STDOUT, STDIN) is not "
                          "supported; select the rows and use --format csv or tsv"
                          f"\n  query: {sql.strip()}")
    return QueryError(f"SQL error: {msg.splitlines()[0]}\n  query: {sql.strip()}")


def plain(v: Any) -> Any:
    """A PostgreSQL value as SQLite would give it, so that the same query prints the same
    text on both: booleans as 1/0, NUMERIC as an int (no fraction) or a float, arrays as
    lists of such values.

    >>> from decimal import Decimal
    >>> [plain(True), plain(Decimal("2021.8400")), plain(Decimal("12")), plain([False, None])]
    [1, 2021.84, 12, [0, None]]
    """
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, Decimal):
        if v.is_finite() and v == v.to_integral_value() and v.as_tuple().exponent >= 0:
            return int(v)
        return float(v)
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v
