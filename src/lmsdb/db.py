"""Database URL resolution, engines, and schema upgrades through Alembic."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

# SQLAlchemy is imported where an engine is made, not here: `lmsdb sql --format json` on
# SQLite reads the URL and SCHEMA_HEAD without it (lmsdb.fastjson).
if TYPE_CHECKING:
    from sqlalchemy import Engine

ENV_VAR = "LMSDB_DATABASE_URL"
DEFAULT_URL = "sqlite:///lmsdb.sqlite"


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
    """An engine; on SQLite every connection enforces foreign keys.

    A URL SQLAlchemy cannot use (a typo, a scheme whose driver is not installed) is an
    :class:`~lmsdb.diagnostics.UsageError` that says so, not a traceback.
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import ArgumentError

    from lmsdb.diagnostics import UsageError

    try:
        engine = create_engine(normalise_url(url))
    except ArgumentError as e:
        raise UsageError(f"--db {url!r} is not a database URL SQLAlchemy understands ({e}); "
                         "for example sqlite:///papers.sqlite or "
                         "postgresql://user@host/dbname") from None
    except ImportError as e:
        raise UsageError(f"--db {url!r}: the driver for it is not installed ({e}); lmsdb "
                         "supports SQLite (built in) and PostgreSQL (pip install "
                         "'lmsdb[postgres]')") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


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


def alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    """An Alembic Config that runs on ``engine`` (env.py picks the connection up)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
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


def upgrade(engine: Engine, target: str = "head") -> Revisions:
    """Upgrade the schema to ``target``; returns the revision before and after."""
    from alembic import command

    before = current_revision(engine)
    head = head_revision(engine)
    if before != head or target != "head":
        command.upgrade(alembic_config(engine), target)
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
    except DBAPIError:
        return None


def ensure_schema(engine: Engine) -> None:
    """Create or upgrade the schema so that a command can run on it."""
    if stored_revision(engine) != SCHEMA_HEAD:
        upgrade(engine)


def schema_exists(engine: Engine) -> bool:
    """Whether the database exists and has been migrated at least once (never creates it)."""
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        if not path or path == ":memory:":
            return False
        if not Path(path).exists():
            return False
    return current_revision(engine) is not None
