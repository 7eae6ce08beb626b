"""Revision 0008's validity triggers: a raw `sql --write` cannot store a paper or framework
that `export md` would write and `import` would then reject."""

from __future__ import annotations

import datetime

import pytest

from .conftest import run_cli
from .helpers import dump, q

NEXT_YEAR = datetime.date.today().year + 1

BAD_WRITES = [
    ("update papers set year = 3000 where citation_key = 'alpa2022'",
     "papers.year must be a whole number in 1900..next year"),
    (f"update papers set year = {NEXT_YEAR + 1} where citation_key = 'alpa2022'",
     "papers.year must be a whole number in 1900..next year"),
    ("update papers set year = 1899 where citation_key = 'alpa2022'",
     "papers.year must be a whole number in 1900..next year"),
    ("update papers set year = 'soon' where citation_key = 'alpa2022'",
     "papers.year must be a whole number in 1900..next year"),
    ("update papers set title = '  ' where citation_key = 'alpa2022'",
     "papers.title must not be empty"),
    ("update papers set url = 'ftp://example.org/a.pdf' where citation_key = 'alpa2022'",
     "papers.url must be an http(s) URL without whitespace"),
    ("update papers set url = 'https://example.org/a b' where citation_key = 'alpa2022'",
     "papers.url must be an http(s) URL without whitespace"),
    ("update papers set url = 'HTTPS://example.org/' where citation_key = 'alpa2022'",
     "papers.url must be an http(s) URL without whitespace"),
    ("insert into papers (citation_key, title, year, url) "
     "values ('new3000', 'New', 3000, 'ftp://x')",
     "papers.year must be a whole number in 1900..next year"),
    ("update frameworks set url = 'github.com/x' where slug = 'ds'",
     "frameworks.url must be an http(s) URL without whitespace"),
    ("update frameworks set year = 3000 where slug = 'ds'",
     "frameworks.year must be empty or a whole number in 1900..next year"),
    ("update frameworks set name = '' where slug = 'ds'", "frameworks.name must not be empty"),
]


@pytest.mark.parametrize(("sql", "message"), BAD_WRITES)
def test_sql_write_cannot_store_what_import_rejects(seeded, runner, db_url, sql, message):
    before = dump(seeded)
    res = run_cli(runner, db_url, "sql", "--write", sql)
    assert res.exit_code == 2
    assert message in res.stderr
    assert dump(seeded) == before


@pytest.mark.parametrize("sql", [
    f"update papers set year = {NEXT_YEAR}, url = 'http://example.org/x' "
    "where citation_key = 'alpa2022'",
    "update papers set url = null where citation_key = 'alpa2022'",
    "update frameworks set year = null, url = null where slug = 'ds'",
    "insert into papers (citation_key, title, year) values ('ok1900', 'Old', 1900)",
])
def test_valid_writes_pass(seeded, runner, db_url, sql):
    res = run_cli(runner, db_url, "sql", "--write", sql)
    assert res.exit_code == 0, res.stderr


def test_the_import_round_trip_after_a_valid_sql_write(seeded, runner, db_url, tmp_path):
    """What the triggers let through, export md writes and import takes back."""
    run_cli(runner, db_url, "sql", "--write",
            f"update papers set year = {NEXT_YEAR} where citation_key = 'alpa2022'")
    out = tmp_path / "list.md"
    assert run_cli(runner, db_url, "export", "md", "-o", str(out)).exit_code == 0
    res = run_cli(runner, f"sqlite:///{tmp_path / 'fresh.sqlite'}", "import", str(out))
    assert res.exit_code == 0, res.stderr


def test_triggers_go_with_the_downgrade(migrated):
    from lmsdb.store.migrate import downgrade

    downgrade(migrated, "0003")
    assert q(migrated, "select name from sqlite_master where type = 'trigger' and name like "
             "'%valid%'") == []
