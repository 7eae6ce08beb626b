"""Alembic owns the schema: upgrade, check (no drift), downgrade, one head."""

from __future__ import annotations

import os
import subprocess
import sys

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from lmsdb.store.migrate import alembic_config, current_revision, downgrade, head_revision, upgrade

from .conftest import ROOT

TABLES = {"papers", "venues", "frameworks", "paper_frameworks", "categories",
          "paper_categories"}


def test_upgrade_check_downgrade(engine):
    revs = upgrade(engine)
    assert revs.before is None and revs.after == head_revision(engine)
    assert TABLES <= set(inspect(engine).get_table_names())
    command.check(alembic_config(engine))  # raises if models and migrations disagree
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert current_revision(engine) is None


def test_single_head_and_every_revision_downgradable(engine):
    script = ScriptDirectory.from_config(alembic_config(engine))
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    for rev in reversed(revisions):
        upgrade(engine, rev.revision)
    for rev in revisions:
        downgrade(engine, rev.down_revision or "base")
    assert current_revision(engine) is None


def test_plain_alembic_uses_lmsdb_database_url(tmp_path):
    """`alembic upgrade head` / `alembic check` from the project root honour the env var."""
    db = tmp_path / "plain.sqlite"
    env = {**os.environ, "LMSDB_DATABASE_URL": f"sqlite:///{db}"}
    alembic = [sys.executable, "-m", "alembic"]
    up = subprocess.run([*alembic, "upgrade", "head"], cwd=ROOT, env=env, capture_output=True,
                        text=True)
    assert up.returncode == 0, up.stderr
    check = subprocess.run([*alembic, "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    assert db.exists()


def test_schema_head_constant_matches_alembic(engine):
    from lmsdb.store.migrate import SCHEMA_HEAD

    assert SCHEMA_HEAD == head_revision(engine)


def _derived_objects(engine) -> set[str]:
    from sqlalchemy import text

    with engine.connect() as conn:
        return {r[0] for r in conn.execute(text(
            "select name from sqlite_master where name like 'papers_fts%' "
            "or name in ('paper_view', 'framework_view')"))}


def test_revision_0003_indexes_existing_papers_and_downgrades_cleanly(engine):
    """Papers imported before 0003 are indexed by its rebuild; downgrading to 0002 drops the
    views, the FTS5 table with its shadow tables, and every trigger."""
    from sqlalchemy import text

    from lmsdb.query.search import search
    from lmsdb.sync.importer import import_markdown

    from .conftest import SEED

    import_markdown(engine, SEED)
    downgrade(engine, "0002")
    assert _derived_objects(engine) == set()
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from sqlite_master "
                                 "where type = 'trigger'")).scalar() == 0
        assert conn.execute(text("select count(*) from papers")).scalar() == 25
    upgrade(engine, "0003")
    assert {"paper_view", "framework_view", "papers_fts", "papers_fts_data",
            "papers_fts_insert", "papers_fts_author_update"} <= _derived_objects(engine)
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from papers_fts "
                                 "where papers_fts match 'parallelism'")).scalar() == 5
    upgrade(engine)
    assert len(search(engine, "parallelism").rows) == 5
    command.check(alembic_config(engine))


def test_a_failing_revision_leaves_the_database_as_it_was(engine):
    """SQLite DDL is transactional here: 0003 creates its views, then fails on the index
    (a table already holds its name); the views must be gone too, the revision unchanged."""
    from sqlalchemy import text

    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE papers_fts (x)"))
    try:
        upgrade(engine)
    except Exception as e:  # noqa: BLE001 - any failure will do; the state is what matters
        assert "papers_fts" in str(e)
    else:
        raise AssertionError("the upgrade should have failed")
    assert current_revision(engine) == "0002"
    assert "paper_view" not in inspect(engine).get_view_names()
    assert set(inspect(engine).get_table_names()) >= {"papers", "authors", "papers_fts"}
