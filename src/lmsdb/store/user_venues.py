"""Venues defined by the user (``lmsdb venue add``), stored in the database.

The shipped catalogue (:mod:`lmsdb.domain.venues`) cannot know every workshop a list cites. A user
venue is a ``venues`` row with ``user_defined`` set, plus its spellings in ``venue_aliases``
(stored as lookup keys, so ``HiPC``, ``hipc`` and ``HiPC'22`` are one spelling). Import, add
and export look names up in :class:`~lmsdb.domain.venues.VenueBook`, which tries these first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, delete, func, insert, select, update

from lmsdb.diagnostics import LmsdbError
from lmsdb.domain import venues
from lmsdb.store.tables import papers_t, venues_t
from lmsdb.store.tables import venue_aliases_t as aliases_t


def load_book(conn: Connection | None) -> venues.VenueBook:
    """The catalogue plus the user venues stored in the database behind ``conn``."""
    if conn is None:
        return venues.CATALOGUE_BOOK
    rows = conn.execute(
        select(aliases_t.c.key, venues_t.c.name, venues_t.c.full_name, venues_t.c.kind)
        .join(venues_t, venues_t.c.id == aliases_t.c.venue_id)).all()
    return venues.VenueBook({key: venues.Venue(name, full or name, kind)
                             for key, name, full, kind in rows})


@dataclass
class VenueAdded:
    """What ``venue add`` did (or would do)."""

    name: str
    full_name: str
    kind: str
    aliases: list[str]
    replaced_unknown: list[str] = field(default_factory=list)  # unknown venues folded in
    papers_moved: int = 0


def add_venue(conn: Connection, short: str, full_name: str, kind: str,
              aliases: tuple[str, ...] = ()) -> VenueAdded:
    """Define a venue; papers filed under an unknown venue with one of its spellings move to it.

    Raises :class:`LmsdbError` (nothing written) for an empty name, a kind outside
    :data:`venues.KINDS`, or a spelling that already names another venue.
    """
    short, full_name = " ".join(short.split()), " ".join(full_name.split())
    if not short or not full_name:
        raise LmsdbError("venue add: the short name and --name must not be empty")
    if kind not in venues.KINDS:
        raise LmsdbError(f"venue add: --kind {kind!r} is not one of "
                         f"{', '.join(sorted(venues.KINDS))}")
    spellings = _spellings(short, full_name, aliases)
    book = load_book(conn)
    for key, spelling in spellings.items():
        owner = book.user.get(key)
        if owner is not None:
            raise LmsdbError(f"venue add: {spelling!r} already names the venue {owner.name!r} "
                             "(see `lmsdb venue list`)")
        cat = venues.lookup(spelling)
        if cat is not None and cat.known:
            raise LmsdbError(f"venue add: {spelling!r} already names the catalogue venue "
                             f"{cat.name!r} ({cat.full_name})")
    rows = {r.name: r for r in conn.execute(select(venues_t))}
    unknown = [r for r in rows.values()
               if not r.known and not r.user_defined and venues.alias_key(r.name) in spellings]
    report = VenueAdded(short, full_name, kind, [s for s in spellings.values() if s != short])
    existing = rows.get(short)
    values = {"full_name": full_name, "kind": kind, "known": True, "user_defined": True}
    if existing is not None:
        vid = existing.id
        conn.execute(update(venues_t).where(venues_t.c.id == vid).values(values))
    else:
        vid = conn.execute(insert(venues_t).values(name=short, **values)).inserted_primary_key[0]
    for r in unknown:
        if r.id == vid:
            continue
        report.replaced_unknown.append(r.name)
        report.papers_moved += conn.execute(
            update(papers_t).where(papers_t.c.venue_id == r.id).values(venue_id=vid)).rowcount
        conn.execute(delete(venues_t).where(venues_t.c.id == r.id))
    if existing is not None and not existing.known:
        report.replaced_unknown.insert(0, short)
        report.papers_moved += conn.execute(
            select(func.count()).where(papers_t.c.venue_id == vid)).scalar_one()
    conn.execute(insert(aliases_t), [{"key": k, "venue_id": vid, "alias": s}
                                     for k, s in spellings.items()])
    return report


def _spellings(short: str, full_name: str, aliases: tuple[str, ...]) -> dict[str, str]:
    """Alias key -> the spelling as given, for the short name, the full name and aliases."""
    out: dict[str, str] = {}
    for s in (short, full_name, *aliases):
        s = " ".join(s.split())
        key = venues.alias_key(s)
        if not key:
            raise LmsdbError(f"venue add: the spelling {s!r} is empty once normalised")
        out.setdefault(key, s)
    return out


@dataclass
class VenueRow:
    name: str
    full_name: str
    kind: str
    aliases: list[str]
    papers: int


def list_venues(conn: Connection) -> list[VenueRow]:
    """The user's venues, by name, with their other spellings and their number of papers."""
    counts = dict(conn.execute(select(papers_t.c.venue_id, func.count())
                               .group_by(papers_t.c.venue_id)).all())
    spellings: dict[int, list[str]] = {}
    for vid, alias in conn.execute(select(aliases_t.c.venue_id, aliases_t.c.alias)
                                   .order_by(aliases_t.c.alias)):
        spellings.setdefault(vid, []).append(alias)
    out = []
    for r in conn.execute(select(venues_t).where(venues_t.c.user_defined.is_(True))
                          .order_by(venues_t.c.name)):
        others = [a for a in spellings.get(r.id, []) if a not in (r.name, r.full_name)]
        out.append(VenueRow(r.name, r.full_name or r.name, r.kind, others, counts.get(r.id, 0)))
    return out
