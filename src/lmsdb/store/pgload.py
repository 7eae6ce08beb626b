"""PostgreSQL bulk loads into empty tables: foreign keys checked once, after the rows.

A ``COPY`` into a table with foreign keys checks every row against the tables it refers to,
one lookup per row and key (a trigger), which on a fresh 100,000-paper import is most of
the time spent in the link tables. pg_restore avoids this by adding the keys after the
data; :func:`keys_checked_after` does the same inside the import's own transaction: it
drops the foreign keys of the tables about to be filled, lets the caller write, and adds
the keys back under the same names and definitions, which PostgreSQL validates with one
join per key. Nothing is given up: a row that breaks a key fails the ``ADD CONSTRAINT``
(SQLSTATE 23503, as the row check would), and since PostgreSQL's DDL is transactional, an
import that fails anywhere leaves the tables, their rows and their keys as they were.

It is used only where it pays and harms no one: a load of at least :data:`MIN_ROWS` rows
into tables that are all empty, by a role that owns every table involved, and only when
every one of them can be locked at once without waiting (``LOCK ... NOWAIT``): a reader
that has one open makes the load fall back to the row checks rather than wait for it or
deadlock with it. The exclusive locks then keep readers of those tables waiting until
the import commits (they would only have seen empty tables).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

# Below this many rows the catalogue changes cost more than the row checks they save.
MIN_ROWS = 5000

_LOCK_NOT_AVAILABLE = "55P03"

# The foreign keys of the given tables, with the tables they refer to, when the current
# role owns both (ALTER TABLE needs the owner; so does a lock that blocks everyone).
_FOREIGN_KEYS = text("""
    SELECT format('%I.%I', cn.nspname, c.relname) AS child,
           format('%I.%I', pn.nspname, p.relname) AS parent,
           k.conname, pg_get_constraintdef(k.oid) AS definition,
           pg_has_role(c.relowner, 'USAGE') AND pg_has_role(p.relowner, 'USAGE') AS owned
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
    JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
    WHERE k.contype = 'f' AND k.conrelid = ANY(CAST(:tables AS regclass[]))
    ORDER BY child, k.conname
""")


@contextmanager
def keys_checked_after(conn: Connection, tables: Sequence[Any], rows: int) -> Iterator[None]:
    """Run the body (the caller's writes into ``tables``, Core tables) with their foreign
    keys dropped, then add the keys back, validated; or, when that would not pay or would
    have to wait (see the module's docstring), with the keys in place. ``rows`` is the
    number of rows the body writes. A body that raises leaves the keys dropped: the
    caller's transaction must then roll back (which restores them), as it does anyway."""
    keys = _drop(conn, tables) if _worth_it(conn, tables, rows) else []
    yield
    quote = conn.dialect.identifier_preparer.quote
    for child, _, name, definition, _ in keys:
        conn.execute(text(f"ALTER TABLE {child} ADD CONSTRAINT {quote(name)} {definition}"))


def _worth_it(conn: Connection, tables: Sequence[Any], rows: int) -> bool:
    if conn.dialect.name != "postgresql" or rows < MIN_ROWS or not tables:
        return False
    return not conn.execute(text("SELECT " + " OR ".join(
        f"EXISTS (SELECT 1 FROM {conn.dialect.identifier_preparer.format_table(t)})"
        for t in tables))).scalar()


def _drop(conn: Connection, tables: Sequence[Any]) -> list[Any]:
    """Drop the foreign keys of ``tables`` and return them; none if the role does not own
    every table involved or one of them is in use by another session."""
    names = [conn.dialect.identifier_preparer.format_table(t) for t in tables]
    keys = conn.execute(_FOREIGN_KEYS, {"tables": names}).all()
    if not keys or not all(k.owned for k in keys):
        return []
    involved = sorted({k.child for k in keys} | {k.parent for k in keys})
    quote = conn.dialect.identifier_preparer.quote
    try:
        with conn.begin_nested():
            conn.execute(text(f"LOCK TABLE {', '.join(involved)} IN ACCESS EXCLUSIVE MODE "
                              "NOWAIT"))
            for k in keys:
                conn.execute(text(f"ALTER TABLE {k.child} DROP CONSTRAINT {quote(k.conname)}"))
    except OperationalError as e:
        if getattr(e.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
            raise
        return []
    return keys
