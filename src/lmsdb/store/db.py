"""Which database: URL resolution, engines, and whether the database is there.

Schema revisions (creating, upgrading, checking before a read or a write) are
:mod:`lmsdb.store.migrate`'s.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

# SQLAlchemy is imported where an engine is made, not here: `lmsdb sql --format json` on
# SQLite reads the URL without it (lmsdb.query.fastjson).
if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

ENV_VAR = "LMSDB_DATABASE_URL"
DEFAULT_URL = "sqlite:///lmsdb.sqlite"
# On PostgreSQL every lmsdb object lives in this schema (``?schema=NAME`` in the URL).
DEFAULT_PG_SCHEMA = "lmsdb"
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# The one hint for a missing PostgreSQL driver, in the code's messages and in the README.
POSTGRES_HINT = ("install the PostgreSQL driver with lmsdb's postgres extra: "
                 "pip install 'lmsdb[postgres]' (from a clone: pip install '.[postgres]')")


def resolve_url(cli_url: str | None = None) -> str:
    """The database URL: ``--db``, else ``$LMSDB_DATABASE_URL``, else ./lmsdb.sqlite."""
    return cli_url or os.environ.get(ENV_VAR) or DEFAULT_URL


def check_url(cli_url: str | None, engine: Engine | None = None) -> str | None:
    """Refuse a ``--db`` that would silently lose the data (a usage error, exit code 2):
    an empty value (it meant ./lmsdb.sqlite) and an in-memory SQLite database (an import
    there reports success and keeps nothing). Returns ``cli_url``; with ``engine``, checks
    the URL the engine was made from."""
    from lmsdb.diagnostics import UsageError

    if cli_url is not None and not cli_url.strip():
        raise UsageError("--db is empty: give a database URL such as sqlite:///papers.sqlite "
                         "(or leave --db out for ./lmsdb.sqlite)")
    if engine is not None and engine.dialect.name == "sqlite" and (
            engine.url.database in (None, "", ":memory:")
            or "mode=memory" in str(engine.url.query)):
        raise UsageError(f"--db {resolve_url(cli_url)}: an in-memory SQLite database keeps "
                         "nothing once the command ends; give a file, such as "
                         "sqlite:///papers.sqlite")
    return cli_url


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean the psycopg (3) driver, which lmsdb's
    ``postgres`` extra installs (SQLAlchemy would otherwise look for psycopg2).

    >>> normalise_url("postgresql://u@h/db")
    'postgresql+psycopg://u@h/db'
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    """An engine; on SQLite every connection enforces foreign keys; on PostgreSQL every
    connection's ``search_path`` is lmsdb's schema (``lmsdb``, or ``?schema=NAME`` in the
    URL), so lmsdb's tables never mix with other applications' and ``select * from papers``
    finds them.

    A URL SQLAlchemy cannot use (a typo, a scheme whose driver is not installed) is an
    :class:`~lmsdb.diagnostics.UsageError` that says so, not a traceback.
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from lmsdb.diagnostics import UsageError

    kw: dict = {}
    try:
        parsed = make_url(normalise_url(url))
        if parsed.get_backend_name() == "postgresql":
            schema = parsed.query.get("schema", DEFAULT_PG_SCHEMA)
            if not isinstance(schema, str) or not _SCHEMA_NAME.fullmatch(schema):
                raise UsageError(f"--db {url!r}: schema={schema!r} is not a plain schema name "
                                 "(lower-case letters, digits and _)")
            parsed = parsed.difference_update_query(["schema"])
            options = f"-c search_path={schema}"
            if "options" in parsed.query:
                options = f"{parsed.query['options']} {options}"
                parsed = parsed.difference_update_query(["options"])
            kw = {"connect_args": {"options": options},
                  "execution_options": {"lmsdb_schema": schema}}
        engine = create_engine(parsed, **kw)
    except ArgumentError as e:
        raise UsageError(f"--db {url!r} is not a database URL SQLAlchemy understands ({e}); "
                         "for example sqlite:///papers.sqlite or "
                         "postgresql://user@host/dbname") from None
    except ImportError as e:
        raise UsageError(f"--db {url!r}: the driver for it is not installed ({e}); lmsdb "
                         f"supports SQLite (built in) and PostgreSQL: {POSTGRES_HINT}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def database_exists(engine: Engine) -> bool:
    """Whether the database is there to be read, checked without creating it: for SQLite,
    a file at the URL's path (an in-memory database never is); a server's database is
    taken to be there (connecting says if it is not)."""
    if engine.dialect.name != "sqlite":
        return True
    path = engine.url.database
    return bool(path) and path != ":memory:" and Path(path or "").exists()


def pg_schema(bind: Engine | Connection) -> str:
    """The PostgreSQL schema that holds lmsdb's objects for this engine or connection."""
    return bind.get_execution_options().get("lmsdb_schema", DEFAULT_PG_SCHEMA)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()
