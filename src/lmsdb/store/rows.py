"""One paper's rows, written a statement at a time (``lmsdb add``/``edit``, enrichment).

People are one ``authors`` row per name (:func:`author_key`); a venue is created the first
time a paper names it. New rows take their ids from the database (SQLite's rowid, a
PostgreSQL sequence), as the bulk writers leave them advanced past theirs.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, insert, select

from lmsdb.domain.bibrecords import Person
from lmsdb.domain.citekeys import fold
from lmsdb.store.tables import authors_t, pa_t, venues_t


def author_key(p: Person) -> str:
    """The identity of a person in the ``authors`` table: folded ``family|given``."""
    return f"{' '.join(fold(p.family).split())}|{' '.join(fold(p.given or '').split())}"


def set_authors(conn: Connection, pid: int,
                people: Iterable[tuple[str, str | None, str | None]]) -> None:
    """Make ``people`` (family, given, ORCID or None; in order) the paper's authors, adding
    the people the ``authors`` table does not have yet."""
    conn.execute(delete(pa_t).where(pa_t.c.paper_id == pid))
    rows = []
    for pos, (family, given, orcid) in enumerate(people):
        k = author_key(Person(family=family, given=given))
        aid = conn.execute(select(authors_t.c.id).where(authors_t.c.key == k)).scalar()
        if aid is None:
            aid = conn.execute(insert(authors_t).values(family=family, given=given, key=k)
                               ).inserted_primary_key[0]
        rows.append({"paper_id": pid, "position": pos, "author_id": aid, "orcid": orcid})
    if rows:
        conn.execute(insert(pa_t), rows)


def venue_id(conn: Connection, name: str, full_name: str | None, kind: str,
             known: bool = True) -> int:
    """The id of the venue named ``name``, created with these values if there is none."""
    vid = conn.execute(select(venues_t.c.id).where(venues_t.c.name == name)).scalar()
    if vid is None:
        vid = conn.execute(insert(venues_t).values(name=name, full_name=full_name, kind=kind,
                                                   known=known)).inserted_primary_key[0]
    return int(vid)
