"""The store layer's own rules: whether a database is there, how a busy SQLite file is told
apart from other errors, and how ids and queued writes are counted."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from lmsdb.store.db import database_exists, make_engine
from lmsdb.store.locks import sqlite_busy
from lmsdb.store.writes import Ids, Writes


def test_database_exists_only_for_a_sqlite_file_that_is_there(tmp_path):
    path = tmp_path / "papers.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    assert not database_exists(engine)
    assert not path.exists()  # asking creates nothing
    path.write_bytes(b"")
    assert database_exists(engine)
    assert not database_exists(make_engine("sqlite://"))
    assert not database_exists(make_engine("sqlite:///:memory:"))


def test_database_exists_leaves_a_server_to_say_so():
    pytest.importorskip("psycopg")
    assert database_exists(make_engine("postgresql://nobody@127.0.0.1:1/none"))


def test_busy_is_told_by_the_error_code_not_the_message(tmp_path):
    path = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError) as raw:
            other.execute("BEGIN IMMEDIATE")
        assert raw.value.sqlite_errorcode == sqlite3.SQLITE_BUSY
        assert sqlite_busy(raw.value)
        engine = make_engine(f"sqlite:///{path}")
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA busy_timeout = 0")
            with pytest.raises(OperationalError) as wrapped:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
        assert sqlite_busy(wrapped.value)  # SQLAlchemy's error, the driver's inside
        with pytest.raises(sqlite3.OperationalError) as syntax:
            other.execute("BEGIN NONSENSE")
        assert not sqlite_busy(syntax.value)
        # A message that merely says so is not the driver's busy error.
        assert not sqlite_busy(RuntimeError("database is locked"))
    finally:
        other.close()
        holder.rollback()
        holder.close()


def test_ids_count_on_from_the_largest_loaded():
    ids = Ids(papers={3: "a", 7: "b"}, venues=[])
    assert [ids.take("papers"), ids.take("papers"), ids.take("venues")] == [8, 9, 1]


def test_writes_are_empty_until_a_row_is_queued():
    writes = Writes(paper_cols=("id", "title"))
    assert not writes.any()  # the column list is not a write
    writes.search_update[1] = {"search_title": "x"}
    assert writes.any()
