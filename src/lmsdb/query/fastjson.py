"""JSON and JSON lines from a read-only SQLite query, each row's object written by SQLite.

``lmsdb sql ... --format json`` over 100,000 rows spent most of its time importing
SQLAlchemy, turning rows into Python objects and those into JSON. Here, for a SQLite URL
whose schema is current, SQLite writes each row's object (``json_object``: keys and strings
escaped exactly as Python's ``json.dumps(..., ensure_ascii=False)`` does, integers, text and
NULL printed alike, compact separators) and Python only joins the lines, without loading
SQLAlchemy at all. The text is byte for byte what :func:`lmsdb.query.output.write_rows` prints;
a test checks it on many queries.

Only what is sure to print the same takes this path: a query that can stand as a
subquery, with distinct column names and at most 63 columns, whose rows hold no real (a
float's shortest form is Python's, not SQLite's) and no blob. Anything else returns None
and the caller goes the general way (:func:`lmsdb.query.adhoc.run`, then Python formats).
The query runs under the same read-only guard, timeout and error messages as that one
(:mod:`lmsdb.query.sqliteguard`).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from lmsdb.query.sqliteguard import Guard, open_read_only, sqlite_error

_RENAMED = re.compile(r":\d+$")  # SQLite's name for a second column of the same name
# A real in json_object's compact output: right after a key's colon, digits then . or e.
# (Inside a string a quote is escaped, so a match there only sends the rows to Python.)
_REAL = re.compile(r'":-?[0-9]+[.eE]')
_MAX_COLUMNS = 63  # json_object takes two arguments per column; SQLite allows 127


def sqlite_path(url: str) -> str | None:
    """The file of a plain ``sqlite:///FILE`` URL, else None."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url:
        return None
    path = url[len(prefix):]
    return path if path and path != ":memory:" else None


def query_json(url: str, sql: str, params: dict[str, Any], fmt: str,
               timeout: float | None) -> str | None:
    """The rows of ``sql`` as ``fmt`` (``json`` or ``jsonl``) text, or None where the
    general path must run (another database, a schema to upgrade, a non-query, reals)."""
    from lmsdb.store.migrate import SCHEMA_HEAD

    path = sqlite_path(url)
    if fmt not in ("json", "jsonl") or path is None or not Path(path).is_file():
        return None
    body = sql.strip().rstrip(";").strip()
    guard = Guard(timeout)
    try:
        con = open_read_only(path, guard)
    except sqlite3.Error:
        return None
    try:
        if _revision(con) != SCHEMA_HEAD:
            return None
        try:
            cur = con.execute(f"SELECT * FROM (\n{body}\n) LIMIT 0", params)
        except sqlite3.Error:
            return None  # not a query that can be a subquery: the general path says why
        columns = [d[0] for d in cur.description or ()]
        if not columns or len(columns) > _MAX_COLUMNS or any(
                _RENAMED.search(c) for c in columns):
            return None
        try:
            lines = [r[0] for r in con.execute(_statement(body, columns), params)]
        except sqlite3.Error as e:
            if guard.timed_out:
                raise sqlite_error(e, guard, sql, timeout) from None
            return None  # a blob ("JSON cannot hold BLOB values")
    finally:
        con.close()
    text = "\n".join(lines)
    if _REAL.search(text):
        return None
    if fmt == "jsonl":
        return text + "\n" if lines else ""
    return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"


def _revision(con: sqlite3.Connection) -> str | None:
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _statement(body: str, columns: list[str]) -> str:
    args = ", ".join(_literal(c) + ", " + '"' + c.replace('"', '""') + '"' for c in columns)
    return f"SELECT json_object({args}) FROM (\n{body}\n)"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

