"""Ad-hoc SQL: read-only by default, enforced by the database engine, with a time limit.

SQLite: the file is opened with ``mode=ro`` and ``PRAGMA query_only``; on top of that an
authorizer denies what those two let through (ATTACH, hence ``VACUUM INTO``, which attaches
its output file, and pragmas that change state such as ``writable_schema``), and a progress
handler stops a query that runs past its deadline. PostgreSQL: the query runs in a READ ONLY
transaction with a ``statement_timeout``. ``write=True`` lifts the read-only part and runs
the statement in a transaction that commits.

The time limit on SQLite is kept by two means: the progress handler (every 10,000 virtual
machine steps) and a watchdog thread that calls ``Connection.interrupt()`` at the deadline,
because a query of a few heavy steps (``replace()`` over a 100 MB string) runs for seconds
between two calls of the handler. A read-only query may also use at most
:data:`HEAP_LIMIT` bytes of SQLite's memory (its hard heap limit), so that one query cannot
take the machine's memory.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:  # SQLAlchemy is imported only where needed (see lmsdb.query.fastjson)
    from sqlalchemy import Engine

from lmsdb.diagnostics import LmsdbError
from lmsdb.store.db import POSTGRES_HINT
from lmsdb.store.locks import Wait, sqlite_begin_immediate

DEFAULT_TIMEOUT = 5.0
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


class QueryError(LmsdbError):
    """A refused, failed or timed-out query (exit code 2)."""

    exit_code = 2


@dataclass
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    rowcount: int = -1


class _Guard:
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


def _sqlite_path(engine: Engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:":
        raise QueryError("lmsdb sql needs a database file (an in-memory database is empty)")
    if not Path(path).exists():
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


@contextlib.contextmanager
def _watchdog(guard: _Guard, con: sqlite3.Connection, timeout: float | None) -> Iterator[None]:
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
def _heap_limit(con: sqlite3.Connection, limit: int) -> Iterator[None]:
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


def _run_sqlite(path: str, sql: str, params: dict[str, Any], write: bool,
                timeout: float | None, wait: Wait) -> Result:
    guard = _Guard(timeout, sql)
    if write:
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("PRAGMA foreign_keys = ON")
        try:
            sqlite_begin_immediate(con.execute, wait)
        except BaseException:
            con.close()
            raise
    else:
        con = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)
        con.execute("PRAGMA query_only = ON")
        con.set_authorizer(guard.authorize)
    con.set_progress_handler(guard.progress, 10_000)
    limit = contextlib.nullcontext() if write else _heap_limit(con, HEAP_LIMIT)
    try:
        with _watchdog(guard, con, timeout), limit:
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
        raise _sqlite_error(e, guard, sql, timeout) from None
    finally:
        con.close()


def _refresh_search(cur: Any, placeholder: str) -> None:
    """After a write, recompute the search text of the papers whose title or authors it
    changed (lmsdb computes that text in Python; the index then follows by itself)."""
    from lmsdb.store.searchtext import refresh_cursor

    refresh_cursor(cur, placeholder)


ONE_STATEMENT = ("one statement at a time: this query has several (separated by ';'); "
                 "run them as separate `lmsdb sql` commands")


def _sqlite_error(e: sqlite3.Error, guard: _Guard, sql: str, timeout: float | None) -> QueryError:
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


def _run_postgresql(engine: Engine, sql: str, params: dict[str, Any], write: bool,
                    timeout: float | None, wait: Wait) -> Result:
    """PostgreSQL: a READ ONLY transaction unless ``write``, with a ``statement_timeout``.

    A read-only query runs only as a role that cannot get out of a read-only transaction
    (:func:`_check_reader`). The statement is sent as a prepared statement (psycopg's
    ``prepare=True``, the extended protocol), which the server accepts only as ONE
    statement: sent as a simple query, ``select 1; commit; delete from papers`` would end
    the read-only transaction and run the DELETE in a new one. ``:name`` parameters are
    found by :func:`pg_placeholders`, which knows SQL's literals and comments. The
    connection is closed afterwards, never handed back to the pool, so that nothing a query
    set on its session (a setting, an advisory lock) outlives it.
    """
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
                _check_reader(con)
            return _run_psycopg(con, stmt, params, sql, write, timeout)
        finally:
            conn.invalidate()


# Predefined roles whose members can act outside the database from a read-only transaction.
_SERVER_ROLES = ("pg_execute_server_program", "pg_read_server_files", "pg_write_server_files",
                 "pg_signal_backend")
# Functions that reach other sessions; PostgreSQL grants them to PUBLIC (they check the
# caller's role themselves: a role can end or cancel its own other sessions).
SESSION_FUNCTIONS = ("pg_terminate_backend(integer, bigint)", "pg_cancel_backend(integer)",
                     "pg_notify(text, text)")
_CHECK_READER = f"""
SELECT r.rolname, r.rolsuper, r.rolreplication,
       r.rolname IN ({", ".join(f"'{n}'" for n in _SERVER_ROLES)}),
       array_remove(ARRAY[{", ".join(
           f"CASE WHEN has_function_privilege(r.oid, 'pg_catalog.{f}', 'EXECUTE') "
           f"THEN '{f.split('(')[0]}' END" for f in SESSION_FUNCTIONS)}], NULL)
FROM pg_catalog.pg_roles r
WHERE pg_catalog.pg_has_role(session_user, r.oid, 'MEMBER')
ORDER BY r.rolname = session_user DESC, r.rolname
"""
READER_DOCS = ("connect as a reader role for read-only queries (docs/postgresql.md sets one "
               "up: a role with SELECT on lmsdb's schema and nothing more)")


def _check_reader(con: Any) -> None:
    """Refuse a read-only query when the connection's role, or any role it can become with
    ``SET ROLE`` (or ``set_config('role', ...)``), could act outside the read-only
    transaction: a superuser or replication role, a member of the server-file, program or
    signal roles, or a role that may call the functions that reach other sessions."""
    import psycopg

    try:
        with con.cursor() as cur:
            rows = cur.execute(_CHECK_READER).fetchall()
            user = cur.execute("SELECT session_user").fetchone()[0]
        con.rollback()
    except psycopg.Error as e:
        raise QueryError(f"cannot tell what this role may do: {str(e).strip()}") from None
    why: list[tuple[int, str]] = []  # (rank, reason): the gravest is reported
    for name, superuser, replication, server_role, functions in rows:
        via = "" if name == user else f" (through role {name!r}, which it can become)"
        if superuser:
            why.append((0, f"it is a superuser{via}: it could run programs, read and write "
                           "the server's files and end other sessions"))
        if replication:
            why.append((1, f"it has REPLICATION{via}: it could create replication slots"))
        if server_role:
            why.append((2, f"it is a member of {name}: it could act outside the database"))
        if functions and not superuser:
            why.append((3, f"it may call {', '.join(functions)}{via}, which reach other "
                           "sessions"))
    if why:
        raise QueryError(f"refused: a read-only query does not run as PostgreSQL role "
                         f"{user!r}: {min(why)[1]}\n  {READER_DOCS}")


def pg_placeholders(sql: str) -> tuple[str, list[str]]:
    """``sql`` for psycopg: ``:name`` outside literals, quoted names and comments becomes
    ``%(name)s``, and every ``%`` is doubled; also returns the names, in order.

    >>> pg_placeholders("select ':x' as s, y::text, 10 % 3 from t where a = :x -- :c")
    ("select ':x' as s, y::text, 10 %% 3 from t where a = %(x)s -- :c", ['x'])
    >>> pg_placeholders('select $q$ :x $q$, "a:b" /* :z /* */ */ from t')
    ('select $q$ :x $q$, "a:b" /* :z /* */ */ from t', [])
    """
    out: list[str] = []
    names: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        j = _skip_literal(sql, i)
        if j > i:
            out.append(sql[i:j].replace("%", "%%"))
            i = j
            continue
        c = sql[i]
        if c == ":" and i + 1 < n and sql[i + 1] == ":":
            out.append("::")
            i += 2
            continue
        m = _BIND.match(sql, i) if c == ":" else None
        if m:
            names.append(m.group(1))
            out.append(f"%({m.group(1)})s")
            i = m.end()
            continue
        out.append("%%" if c == "%" else c)
        i += 1
    return "".join(out), names


_BIND = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def _skip_literal(sql: str, i: int) -> int:
    """The end of the string literal, quoted name or comment that starts at ``i`` (``i``
    itself when none starts there); an unterminated one runs to the end."""
    c, n = sql[i], len(sql)
    if c in "'\"":
        backslash = c == "'" and i > 0 and sql[i - 1] in "eE" and (
            i < 2 or not (sql[i - 2].isalnum() or sql[i - 2] == "_"))
        j = i + 1
        while j < n:
            if backslash and sql[j] == "\\":
                j += 2
                continue
            if sql[j] == c:
                if j + 1 < n and sql[j + 1] == c:
                    j += 2
                    continue
                return j + 1
            j += 1
        return n
    if sql.startswith("--", i):
        j = sql.find("\n", i)
        return n if j < 0 else j + 1
    if sql.startswith("/*", i):
        depth, j = 0, i
        while j < n:
            if sql.startswith("/*", j):
                depth, j = depth + 1, j + 2
            elif sql.startswith("*/", j):
                depth, j = depth - 1, j + 2
                if depth == 0:
                    return j
            else:
                j += 1
        return n
    if c == "$" and (i == 0 or not (sql[i - 1].isalnum() or sql[i - 1] == "_")):
        m = _DOLLAR.match(sql, i)
        if m:
            end = sql.find(m.group(), m.end())
            return n if end < 0 else end + len(m.group())
    return i


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
    if "read-only transaction" in msg:
        return QueryError(f"refused: a write in a read-only query; pass --write to "
                          f"change the database\n  query: {sql.strip()}")
    if "statement timeout" in msg:
        return QueryError(f"query stopped after {timeout:g} s (--timeout): {sql.strip()}")
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
