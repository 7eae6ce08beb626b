"""The schema's revisions: create or upgrade it through Alembic, and check a database
before a command reads or writes it (another application's SQLite file, a revision too
old or too new).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lmsdb.store.db import database_exists, pg_schema

# SQLAlchemy and Alembic are imported where they are used, not here: `lmsdb sql --format
# json` on SQLite reads SCHEMA_HEAD without them (lmsdb.query.fastjson).
if TYPE_CHECKING:
    from sqlalchemy import Engine

    from lmsdb.store.locks import Wait


def migrations_dir() -> Path:
    """Where the Alembic scripts are: inside the installed package, or the source tree's."""
    here = Path(__file__).resolve().parents[1]  # the lmsdb package
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
    # ConfigParser interpolates '%': a file named "100% (copy).sqlite" must not be read as
    # an interpolation ("invalid interpolation syntax" left an empty file behind).
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    cfg.set_main_option("sqlalchemy.url", url)
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
    upgrade at once run one after the other, and the second finds nothing left to do. A
    SQLite file of another application, or a database at a revision this lmsdb does not
    know, is refused (:class:`~lmsdb.diagnostics.LmsdbError`) before anything is written."""
    from alembic import command

    check_writable(engine)
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
SCHEMA_HEAD = "0008"


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


def known_revisions(engine: Engine) -> set[str]:
    """Every revision in this lmsdb's migrations."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    return {s.revision for s in script.walk_revisions()}


def _unknown_revision(engine: Engine, rev: str | None) -> str | None:
    """A message if ``rev`` is a revision this lmsdb does not know (a newer one wrote it)."""
    if rev is None or rev == SCHEMA_HEAD or rev in known_revisions(engine):
        return None
    return (f"the database is at schema revision {rev!r}, which this lmsdb (newest revision "
            f"{SCHEMA_HEAD}) does not know: a newer lmsdb wrote it; upgrade lmsdb "
            "(pip install -U lmsdb) to change it")


def sqlite_tables(engine: Engine) -> list[str] | None:
    """The tables of a SQLite file as it is, read without creating or changing anything;
    ``None`` when there is no file (or it is empty: SQLite sees no tables there either)."""
    from sqlalchemy import text

    if not database_exists(engine):
        return None
    if Path(engine.url.database or "").stat().st_size == 0:
        return None
    with engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).scalars())


def _foreign(tables: list[str] | None) -> bool:
    """Whether a SQLite file holds tables and none of them is lmsdb's ``alembic_version``."""
    return bool(tables) and "alembic_version" not in (tables or [])


def _not_lmsdb(path: str, tables: list[str]) -> str:
    shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
    return f"{path} is not an lmsdb database (it holds the tables {shown})"


def check_writable(engine: Engine) -> None:
    """Refuse to create lmsdb's tables in another application's SQLite file, or to touch a
    database written by a newer lmsdb (:class:`~lmsdb.diagnostics.LmsdbError`, exit 1)."""
    from lmsdb.diagnostics import LmsdbError

    if engine.dialect.name == "sqlite":
        tables = sqlite_tables(engine)
        if not tables:  # no file yet, or an empty one: lmsdb may create its schema there
            return
        if _foreign(tables):
            raise LmsdbError(_not_lmsdb(engine.url.database or "", tables) + ": lmsdb will "
                             "not add its tables to another application's file; choose "
                             "another --db")
    message = _unknown_revision(engine, stored_revision(engine))
    if message:
        raise LmsdbError(message)


def open_for_reading(engine: Engine, *, any_sqlite: bool = False) -> list[str]:
    """Check that a reading command can run on ``engine``'s database as it is.

    Never creates, migrates or writes anything (an empty SQLite file stays empty). Raises
    :class:`~lmsdb.diagnostics.UsageError` (exit 2) for a missing or empty database,
    :class:`~lmsdb.diagnostics.LmsdbError` (exit 1) for another application's file (unless
    ``any_sqlite``: `lmsdb sql` reads any SQLite file) or an older lmsdb schema. Returns
    warnings to print: a database written by a newer lmsdb is read as it is.

    On PostgreSQL, a database (or ``?schema=``) without lmsdb's tables is a
    :class:`~lmsdb.diagnostics.UsageError` too: reading never creates them there either.
    """
    from lmsdb.diagnostics import LmsdbError, UsageError

    if engine.dialect.name == "sqlite":
        path = engine.url.database or ""
        if not database_exists(engine):
            raise UsageError(f"no database at {path}: run `lmsdb import LIST.md` first")
        tables = sqlite_tables(engine)
        if any_sqlite and (not tables or _foreign(tables)):
            return []
        if not tables:
            raise UsageError(f"{path} is an empty file, not an lmsdb database: run "
                             "`lmsdb import LIST.md` first")
        if _foreign(tables):
            raise LmsdbError(_not_lmsdb(path, tables))
    rev = stored_revision(engine)
    if rev is None:
        raise UsageError(f"lmsdb's tables are missing: schema {pg_schema(engine)!r} of this "
                         "database has none; run `lmsdb import LIST.md` (or `lmsdb migrate`) "
                         "first")
    if rev == SCHEMA_HEAD:
        return []
    newer = _unknown_revision(engine, rev)
    if newer:
        return [newer.split("; upgrade")[0] + "; reading it as it is"]
    if any_sqlite:  # `lmsdb sql` reads any file as it is, and says what it reads
        return [f"the database is at schema revision {rev}, older than this lmsdb's "
                f"{SCHEMA_HEAD}: reading it as it is (`lmsdb migrate` upgrades it)"]
    raise UsageError(f"the database is at schema revision {rev}, older than this lmsdb's "
                     f"{SCHEMA_HEAD}: run `lmsdb migrate` first (a reading command changes "
                     "nothing)")


def schema_exists(engine: Engine) -> bool:
    """Whether the database exists and has been migrated at least once (never creates it)."""
    return database_exists(engine) and current_revision(engine) is not None
