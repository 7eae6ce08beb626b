"""The PostgreSQL side of `lmsdb sql` that needs no server: ``:name`` found outside SQL's
literals, quoted names and comments, and values turned into what SQLite gives."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest

from lmsdb.query import adhoc, pgbinds
from lmsdb.query.adhoc import plain
from lmsdb.query.pgbinds import pg_placeholders


@pytest.mark.parametrize("module", [adhoc, pgbinds])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("sql, stmt, names", [
    ("select :a, :b_2", "select %(a)s, %(b_2)s", ["a", "b_2"]),
    ("select 'it''s :a'", "select 'it''s :a'", []),
    ("select E'\\' :a', :b", "select E'\\' :a', %(b)s", ["b"]),  # E'...' ends at the 2nd '
    ("select e'\\\\', :b", "select e'\\\\', %(b)s", ["b"]),
    ("select '\\', :b", "select '\\', %(b)s", ["b"]),  # a plain literal has no escapes
    ("select x::int, :b::text", "select x::int, %(b)s::text", ["b"]),
    ("select $$ :a $$, $tag$ :a $$ $tag$, :b", "select $$ :a $$, $tag$ :a $$ $tag$, %(b)s",
     ["b"]),
    ("select a$1, :b", "select a$1, %(b)s", ["b"]),
    ('select "col:a" from t', 'select "col:a" from t', []),
    ("select 1 -- :a\n, :b", "select 1 -- :a\n, %(b)s", ["b"]),
    ("select /* :a /* :a */ :a */ :b", "select /* :a /* :a */ :a */ %(b)s", ["b"]),
    ("select '50%', 7 % 2", "select '50%%', 7 %% 2", []),
    ("select 'unterminated :a", "select 'unterminated :a", []),
])
def test_placeholders(sql, stmt, names):
    assert pg_placeholders(sql) == (stmt, names)


def test_plain_values():
    assert plain(True) == 1 and plain(False) == 0 and type(plain(True)) is int
    assert plain(Decimal("2021.8400000000000000")) == 2021.84
    assert plain(Decimal("2022.0000000000000000")) == 2022.0  # avg() of equal years: a float
    assert type(plain(Decimal("50546"))) is int
    assert plain([Decimal("1.5"), None, [True]]) == [1.5, None, [1]]
    assert plain("text") == "text"
