"""`lmsdb sql`: formats, and writes refused by the engine unless --write."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from lmsdb import query

from .conftest import SEED, run_cli


@pytest.fixture
def seeded_url(runner, db_url):
    assert run_cli(runner, db_url, "import", str(SEED)).exit_code == 0
    return db_url


def test_table_default(runner, seeded_url):
    res = run_cli(runner, seeded_url, "sql", "select name, kind from venues where name in "
                  "('OSDI', 'SC') order by name")
    assert res.exit_code == 0
    assert res.stdout.splitlines() == ["name  kind", "----  ----------",
                                       "OSDI  conference", "SC    conference"]


def test_csv_and_json(runner, seeded_url):
    q = "select year, count(*) as n from papers group by year order by year"
    rows = list(csv.reader(io.StringIO(run_cli(runner, seeded_url, "sql", q, "--format",
                                               "csv").stdout)))
    assert rows == [["year", "n"], ["2020", "4"], ["2021", "3"], ["2022", "11"], ["2023", "7"]]
    data = json.loads(run_cli(runner, seeded_url, "sql", q, "--format", "json").stdout)
    assert data == [{"year": 2020, "n": 4}, {"year": 2021, "n": 3}, {"year": 2022, "n": 11},
                    {"year": 2023, "n": 7}]


def test_params(runner, seeded_url):
    res = run_cli(runner, seeded_url, "sql", "select count(*) as n from papers where year = :y",
                  "-p", "y", "2021", "--format", "csv", "--no-headers")
    assert res.stdout == "3\n"


WRITES = [
    "insert into venues (name, kind, known) values ('X', 'conference', 1)",
    "update papers set year = 1999",
    "delete from papers",
    "drop table papers",
    "create table t (x)",
    "alter table papers add column x",
    "with x as (select 1) delete from papers",
    "pragma writable_schema = 1",
    "pragma query_only = 0",
]


@pytest.mark.parametrize("sql", WRITES)
def test_writes_refused(runner, seeded_url, sql):
    db_file = Path(seeded_url.removeprefix("sqlite:///"))
    before = db_file.read_bytes()
    res = run_cli(runner, seeded_url, "sql", sql)
    assert res.exit_code == 2
    assert "refused" in res.stderr and "--write" in res.stderr
    assert "Traceback" not in res.stderr
    assert db_file.read_bytes() == before


@pytest.mark.parametrize("sql", ["attach database '{f}' as x", "vacuum into '{f}'"])
def test_file_creating_statements_refused(runner, seeded_url, tmp_path, sql):
    target = tmp_path / "escape.sqlite"
    res = run_cli(runner, seeded_url, "sql", sql.format(f=target))
    assert res.exit_code == 2
    assert "refused" in res.stderr
    assert not target.exists()


def test_write_allowed_with_flag(runner, seeded_url):
    res = run_cli(runner, seeded_url, "sql", "update papers set year = 2019 where year = 2020",
                  "--write")
    assert res.exit_code == 0
    assert "4 row(s) changed" in res.stderr
    res = run_cli(runner, seeded_url, "sql", "select count(*) from papers where year = 2019",
                  "--format", "csv", "--no-headers")
    assert res.stdout == "4\n"


def test_sql_error_is_clear(runner, seeded_url):
    res = run_cli(runner, seeded_url, "sql", "select nope from papers")
    assert res.exit_code == 2
    assert "no such column: nope" in res.stderr
    assert "select nope from papers" in res.stderr
    assert "Traceback" not in res.stderr


def test_timeout(seeded_url):
    from lmsdb.db import make_engine

    slow = ("with recursive c(x) as (select 1 union all select x + 1 from c) "
            "select count(*) from c")
    with pytest.raises(query.QueryError, match="stopped after 0.2 s"):
        query.run(make_engine(seeded_url), slow, timeout=0.2)


def test_missing_database(runner, tmp_path):
    res = run_cli(runner, f"sqlite:///{tmp_path / 'none.sqlite'}", "sql", "select 1")
    assert res.exit_code == 2
    assert "no database at" in res.stderr
    assert not (tmp_path / "none.sqlite").exists()
