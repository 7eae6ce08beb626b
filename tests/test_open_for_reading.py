"""Reading commands never create, migrate or write anything (SQLite here; PostgreSQL in
tests/test_postgresql_team.py): what they need and do not find is an error, exit code 2."""

from __future__ import annotations

import hashlib

import pytest

from lmsdb.store.db import make_engine
from lmsdb.store.migrate import SCHEMA_HEAD, current_revision, upgrade

from .conftest import run_cli

READING = [["stats"], ["export", "bib"], ["export", "md"], ["search", "zero"], ["schema"]]


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("args", READING, ids=" ".join)
def test_an_older_schema_is_not_upgraded_by_reading(tmp_path, runner, args):
    path = tmp_path / "old.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0002")
    engine.dispose()
    before = _digest(path)
    res = run_cli(runner, f"sqlite:///{path}", *args)
    assert res.exit_code == 2, res.output
    assert "at schema revision 0002" in res.stderr and "run `lmsdb migrate`" in res.stderr
    assert _digest(path) == before
    engine = make_engine(f"sqlite:///{path}")
    assert current_revision(engine) == "0002"
    engine.dispose()


def test_sql_reads_an_older_schema_as_it_is(tmp_path, runner):
    """`lmsdb sql` reads any SQLite file as it is (issue 10): an older lmsdb schema is read
    with a warning that says how to upgrade it, and the file is not changed."""
    path = tmp_path / "old.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0002")
    engine.dispose()
    before = _digest(path)
    res = run_cli(runner, f"sqlite:///{path}", "sql", "select 1 as one", "--format", "csv")
    assert res.exit_code == 0 and res.stdout == "one\n1\n"
    assert "at schema revision 0002" in res.stderr and "`lmsdb migrate` upgrades it" in res.stderr
    assert _digest(path) == before


def test_writing_commands_still_upgrade(tmp_path, runner):
    path = tmp_path / "old.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0002")
    res = run_cli(runner, f"sqlite:///{path}", "sql", "--write", "delete from list_meta")
    assert res.exit_code == 0, res.stderr
    assert current_revision(engine) == SCHEMA_HEAD
    engine.dispose()
