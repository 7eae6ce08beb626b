"""`sql --format json|jsonl` on SQLite: SQLite writes each row's object (lmsdb.query.fastjson), and
the text is byte for byte what the general path (query.run, then Python) prints."""

from __future__ import annotations

import io
import json

import pytest

from lmsdb.query import adhoc as query
from lmsdb.query.fastjson import query_json
from lmsdb.query.output import write_rows

from .conftest import run_cli

QUERIES = [
    "select * from paper_view",
    "select * from paper_view order by title desc",
    "select year, count(*) as papers from papers group by year order by year",
    "select citation_key, title from paper_view where year = :y order by citation_key",
    "with t as (select title from papers order by id limit 3) select title as \"a\"\"b\" from t",
    "select title as 'it''s', null as nil, 1 as one, -5 as minus from papers limit 2;",
    "select * from papers where id < 0",
    "select 'tab\t, nl\n, quote\", back\\\\, nul' || char(0) || ' ctl' || char(1) || ' é 😀 "
    "\u2028' as s  -- a trailing comment",
]


@pytest.fixture
def tricky(seeded, db_url):
    query.run(seeded, "update papers set title = 'Quote \" back \\ tab\t nl\n ctl ' || char(1)"
              " || ' Müller 😀 ' || char(127) where citation_key = 'alpa2022'", write=True)
    return db_url


@pytest.mark.parametrize("sql", QUERIES)
@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_same_text_as_the_general_path(seeded, tricky, sql, fmt):
    params = {"y": 2022} if ":y" in sql else {}
    fast = query_json(tricky, sql, params, fmt, 5)
    assert fast is not None, sql
    res = query.run(seeded, sql, params)
    slow = io.StringIO()
    write_rows(slow, res.columns, res.rows, fmt)
    assert fast == slow.getvalue()
    # And it is JSON: an array, or one object per line.
    if fmt == "json":
        assert len(json.loads(fast)) == len(res.rows)
    else:
        assert [json.loads(line) for line in fast.split("\n")[:-1]] == [
            dict(zip(res.columns, r, strict=True)) for r in res.rows]


@pytest.mark.parametrize("sql", [
    "select avg(year) as mean from papers",          # a real: Python's repr
    "select x'00ff' as b",                            # a blob: hex, in Python
    "select 1 as a, 2 as a",                          # duplicate names
    "pragma table_info(papers)",                      # not a query that nests
    "select 1; select 2",                             # two statements: the usual error
])
def test_what_python_formats(seeded, db_url, runner, sql):
    assert query_json(db_url, sql, {}, "json", 5) is None
    res = run_cli(runner, db_url, "sql", sql, "--format", "json")
    if res.exit_code == 0:
        expected = io.StringIO()
        r = query.run(seeded, sql, {})
        write_rows(expected, r.columns, r.rows, "json")
        assert res.stdout == expected.getvalue()
    else:
        assert "one statement at a time" in res.stderr


def test_reads_only_and_times_out_like_the_general_path(seeded, db_url, runner):
    res = run_cli(runner, db_url, "sql", "delete from papers", "--format", "json")
    assert res.exit_code == 2 and "refused" in res.stderr
    slow = ("with recursive c(x) as (select 1 union all select x + 1 from c) "
            "select count(*) as n from c")
    res = run_cli(runner, db_url, "sql", slow, "--format", "jsonl", "--timeout", "0.2")
    assert res.exit_code == 2 and "query stopped after 0.2 s (--timeout)" in res.stderr
    assert query.run(seeded, "select count(*) from papers").rows == [(25,)]


def test_schema_not_current_takes_the_general_path(engine, db_url, runner):
    from lmsdb.store.migrate import upgrade

    upgrade(engine, "0003")
    assert query_json(db_url, "select 1 as one", {}, "json", 5) is None
    res = run_cli(runner, db_url, "sql", "select count(*) as n from papers", "--format", "json")
    # Reading never upgrades (issue 12); `sql` reads the file as it is, and says so (issue 10).
    assert res.exit_code == 0 and json.loads(res.stdout) == [{"n": 0}]
    assert "older than this lmsdb's" in res.stderr and "`lmsdb migrate` upgrades it" in res.stderr
    res = run_cli(runner, db_url, "stats")
    assert res.exit_code == 2 and "run `lmsdb migrate` first" in res.stderr
    from lmsdb.store.migrate import current_revision

    assert current_revision(engine) == "0003"
    assert run_cli(runner, db_url, "migrate").exit_code == 0
    res = run_cli(runner, db_url, "sql", "select count(*) as n from papers", "--format", "json")
    assert res.exit_code == 0 and res.stdout == '[\n{"n":0}\n]\n'
