"""What an ad-hoc query gives back: its rows (:class:`Result`) or a :class:`QueryError`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lmsdb.diagnostics import LmsdbError

ONE_STATEMENT = ("one statement at a time: this query has several (separated by ';'); "
                 "run them as separate `lmsdb sql` commands")


class QueryError(LmsdbError):
    """A refused, failed or timed-out query (exit code 2)."""

    exit_code = 2


@dataclass
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    rowcount: int = -1


# Both are used as lmsdb.query.adhoc's (the public home they had before the guards moved
# out of it), and so named in tracebacks and reprs.
QueryError.__module__ = Result.__module__ = "lmsdb.query.adhoc"
