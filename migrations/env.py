"""Alembic environment for lmsdb.

Run by `alembic ...` from the project root and by the `lmsdb` command (which hands over its
own engine in ``config.attributes["engine"]``). The database URL follows the same rule as the
command line: $LMSDB_DATABASE_URL, else ``sqlalchemy.url`` from the config, else
sqlite:///lmsdb.sqlite.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context

from lmsdb.diagnostics import LmsdbError
from lmsdb.store.db import DEFAULT_URL, ENV_VAR, make_engine, pg_schema
from lmsdb.store.locks import Wait, advisory_lock, begin_immediate
from lmsdb.store.objects import is_derived
from lmsdb.store.schema import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("engine") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def include_name(name: str | None, type_: str, _parents: dict[str, str | None]) -> bool:
    """Leave out of autogenerate what the models do not describe: the full-text index (and
    SQLite's FTS5 shadow tables, PostgreSQL's expression index). Views are never compared."""
    return not (name and is_derived(name, type_))


def database_url() -> str:
    return os.environ.get(ENV_VAR) or config.get_main_option("sqlalchemy.url") or DEFAULT_URL


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def _engine():  # type: ignore[no-untyped-def]
    """The command's engine, or one for the configured URL; a URL that cannot be used (no
    driver installed, a typo) is one line on stderr, not a traceback."""
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine
    try:
        return make_engine(database_url())
    except LmsdbError as e:
        raise SystemExit(f"lmsdb: error: {e}") from None


def _lock(connection, wait: Wait, sqlite: bool) -> None:  # type: ignore[no-untyped-def]
    """Take the writer lock, so that two commands migrating at once run one after the
    other (the second then finds nothing to do): BEGIN IMMEDIATE on SQLite; on PostgreSQL
    the advisory lock, then lmsdb's own schema, which the connection's search_path names,
    so that every object the revisions create goes into it."""
    if sqlite:
        begin_immediate(connection, wait)
        return
    connection.begin()
    advisory_lock(connection, wait)
    connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{pg_schema(connection)}"')


def run_migrations_online() -> None:
    engine = _engine()
    wait = config.attributes.get("wait") or Wait()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.driver_connection if sqlite else None
        saved_isolation = getattr(raw, "isolation_level", None)
        if sqlite:
            # Batch migrations copy a table and drop the original; with foreign keys on, that
            # DROP would cascade into the link tables and lose data. SQLite only honours this
            # pragma outside a transaction, hence before the migration's transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.commit()
            # SQLite can roll back DDL, but Python's sqlite3 commits before each CREATE/DROP
            # unless it is told to keep out: take over the transaction so that a failing
            # revision leaves the database exactly as it was.
            raw.isolation_level = None
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things in place; batch mode copies the table.
            render_as_batch=True,
            compare_type=True,
            include_name=include_name,
            transactional_ddl=True,
        )
        try:
            _lock(connection, wait, sqlite)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left dangling references: {broken[:5]}")
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            if sqlite:
                raw.isolation_level = saved_isolation
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")
                connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
