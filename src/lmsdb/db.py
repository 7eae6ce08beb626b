"""Database URL resolution, engines, and schema upgrades through Alembic."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

# SQLAlchemy is imported where an engine is made, not here: `lmsdb sql --format json` on
# SQLite reads the URL and SCHEMA_HEAD without it (lmsdb.fastjson).
if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from lmsdb.locks import Wait

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


def pg_schema(bind: Engine | Connection) -> str:
    """The PostgreSQL schema that holds lmsdb's objects for this engine or connection."""
    return bind.get_execution_options().get("lmsdb_schema", DEFAULT_PG_SCHEMA)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def migrations_dir() -> Path:
    """Where the Alembic scripts are: inside the installed package, or the source tree's."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "migrations", here.parents[1] / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise RuntimeError(f"lmsdb: cannot find the migrations directory near {here}")


def alembic_config(engine: Engine, wait: Wait | None = None):  # type: ignore[no-untyped-def]
    """An Alembic Config that runs on ``engine`` (env.py picks the connection up, and waits
    for another writer as ``wait`` says)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    cfg.attributes["wait"] = wait
    return cfg


@dataclass(frozen=True)
class Revisions:
    before: str | None
    after: str | None
    head: str | None


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade(engine: Engine, target: str = "head", wait: Wait | None = None) -> Revisions:
    """Upgrade the schema to ``target``; returns the revision before and after.

    The migration runs under the writer lock (``migrations/env.py``), so two commands that
    upgrade at once run one after the other, and the second finds nothing left to do."""
    from alembic import command

    before = current_revision(engine)
    head = head_revision(engine)
    if before != head or target != "head":
        command.upgrade(alembic_config(engine, wait), target)
    return Revisions(before, current_revision(engine), head)


def downgrade(engine: Engine, target: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), target)


# The newest revision in migrations/versions. Knowing it here lets a command on an
# up-to-date database skip loading Alembic at all (a tenth of a second per command);
# tests/test_migrations.py checks that it matches Alembic's head.
SCHEMA_HEAD = "0007"


def stored_revision(engine: Engine) -> str | None:
    """The revision recorded in the database, read with one plain query (no Alembic)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as e:
        if getattr(e.orig, "sqlstate", None) == "42501":  # there, but this role may not read it
            raise
        return None


def ensure_schema(engine: Engine, wait: Wait | None = None) -> None:
    """Create or upgrade the schema so that a writing command can run on it."""
    if stored_revision(engine) != SCHEMA_HEAD:
        upgrade(engine, wait=wait)


def open_for_reading(engine: Engine) -> None:
    """Check that a reading command can run: the database exists and holds lmsdb's schema at
    the newest revision. Never creates, migrates or writes anything (a reader may not even
    be allowed to); what is missing is a :class:`UsageError` (exit code 2) that says what to
    run."""
    from lmsdb.diagnostics import UsageError

    if engine.dialect.name == "sqlite":
        path = engine.url.database
        if not path or path == ":memory:" or not Path(path).exists():
            raise UsageError(f"no database at {path}: run `lmsdb import LIST.md` first")
    rev = stored_revision(engine)
    if rev is None:
        where = (f"schema {pg_schema(engine)!r} of this database"
                 if engine.dialect.name == "postgresql" else "this database")
        raise UsageError(f"lmsdb's tables are missing: {where} has none; "
                         "run `lmsdb import LIST.md` (or `lmsdb migrate`) first")
    if rev != SCHEMA_HEAD:
        raise UsageError(f"the database's schema is at revision {rev}, this lmsdb reads "
                         f"{SCHEMA_HEAD}: run `lmsdb migrate` first (reading never upgrades)")


def schema_exists(engine: Engine) -> bool:
    """Whether the database exists and has been migrated at least once (never creates it)."""
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        if not path or path == ":memory:":
            return False
        if not Path(path).exists():
            return False
    return current_revision(engine) is not None
