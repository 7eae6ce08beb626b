"""The database as a sync reads it: one query per table, before anything is planned.

The list sync (:class:`ListState`) and the ``.bib`` merge (:class:`MergeState`) each plan
their writes in memory from a state loaded here; the parts both read (venues, a paper's
other links, authors, old citation keys) are loaded by the same functions, which
enrichment uses too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from lmsdb.domain import venues
from lmsdb.domain.bibrecords import Person
from lmsdb.store.tables import (
    aliases_t,
    authors_t,
    base_t,
    categories_t,
    frameworks_t,
    meta_t,
    pa_t,
    papers_t,
    pc_t,
    pf_t,
    removed_t,
    urls_t,
    venues_t,
)
from lmsdb.store.user_venues import load_book

# What the list sync reads of each paper (the search text's authors part is kept on update).
PAPER_STATE_COLS = ("id", "citation_key", "title", "url", "year", "venue_id", "arxiv_id",
                    "doi", "openreview_id", "search_authors")


def load_venues(conn: Connection) -> tuple[dict[str, int], dict[int, str]]:
    """Venue ids by name, and names by id."""
    rows = conn.execute(select(venues_t.c.id, venues_t.c.name)).all()
    return {name: vid for vid, name in rows}, {vid: name for vid, name in rows}


def load_alt_urls(conn: Connection) -> dict[int, list[str]]:
    """Each paper's other links (``paper_urls``), by paper id."""
    alt: dict[int, list[str]] = {}
    for pid, url in conn.execute(select(urls_t.c.paper_id, urls_t.c.url)):
        alt.setdefault(pid, []).append(url)
    return alt


def load_authors(conn: Connection, *cols: str) -> dict[int, list[tuple[Any, ...]]]:
    """Each paper's authors in order, as ``(family, given, *cols)`` (``cols`` of
    ``paper_authors``, such as ``orcid``), by paper id."""
    q = (select(pa_t.c.paper_id, authors_t.c.family, authors_t.c.given,
                *(pa_t.c[c] for c in cols))
         .join(authors_t, authors_t.c.id == pa_t.c.author_id)
         .order_by(pa_t.c.paper_id, pa_t.c.position))
    people: dict[int, list[tuple[Any, ...]]] = {}
    for pid, *person in conn.execute(q):
        people.setdefault(pid, []).append(tuple(person))
    return people


def load_aliases(conn: Connection) -> set[str]:
    """Old citation keys (``lmsdb rekey``): never handed out again."""
    return set(conn.execute(select(aliases_t.c.alias)).scalars())


@dataclass
class ListState:
    """The database as the list sync reads it."""

    venues: dict[str, int]
    venue_names: dict[int, str]
    papers: dict[int, Mapping[str, Any]]
    alt_urls: dict[int, list[str]]
    frameworks: dict[str, dict[str, Any]]
    categories: dict[str, dict[str, Any]]
    pc: dict[int, dict[int, tuple[int, str | None]]]  # paper id -> {category id: (pos, cells)}
    pf: dict[int, dict[int, tuple[int, str | None]]]  # paper id -> {framework id: (pos, label)}
    meta: dict[str, str]
    # What the list last said, by paper id (the base of the three-way merge), as
    # threeway.Values: (title, url, year, venue, frameworks text, sections text).
    base: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    aliases: set[str] = field(default_factory=set)  # old citation keys, never handed out
    removed: dict[int, tuple[str, str, set[str]]] = field(default_factory=dict)  # lmsdb rm
    book: venues.VenueBook = field(default_factory=venues.VenueBook)


def load_state(conn: Connection | None) -> ListState:
    """What the list sync compares a list with; ``None`` is an empty database."""
    if conn is None:
        return ListState({}, {}, {}, {}, {}, {}, {}, {}, {})
    by_name, names = load_venues(conn)
    # Only the columns the sync compares: the bibliographic ones (pages, ...) would double
    # the memory a 100,000-paper re-import holds.
    # Read-only mappings over the driver's rows: a third of the memory of a dict per paper.
    papers = {r.id: r._mapping for r in conn.execute(
        select(*(papers_t.c[c] for c in PAPER_STATE_COLS)))}
    return ListState(
        venues=by_name,
        venue_names=names,
        papers=papers,
        alt_urls=load_alt_urls(conn),
        frameworks={r.slug: r._asdict() for r in conn.execute(select(frameworks_t))},
        categories={r.name: r._asdict() for r in conn.execute(select(categories_t))},
        pc=_by_paper(conn.execute(select(pc_t.c.paper_id, pc_t.c.category_id, pc_t.c.position,
                                         pc_t.c.cells))),
        pf=_by_paper(conn.execute(select(pf_t.c.paper_id, pf_t.c.framework_id, pf_t.c.position,
                                         pf_t.c.label))),
        meta={r[0]: r[1] for r in conn.execute(select(meta_t.c.key, meta_t.c.value))},
        base={r[0]: tuple(r[1:]) for r in conn.execute(select(
            base_t.c.paper_id, base_t.c.title, base_t.c.url, base_t.c.year, base_t.c.venue,
            base_t.c.frameworks, base_t.c.categories))},
        aliases=load_aliases(conn),
        removed={r.id: (r.citation_key, r.title, set(split_lines(r.keys)))
                 for r in conn.execute(select(removed_t))},
        book=load_book(conn),
    )


def split_lines(text: str) -> tuple[str, ...]:
    """A newline-joined column (``paper_base`` sections, ``removed_papers`` keys) as items."""
    return tuple(text.split("\n")) if text else ()


def _by_paper(rows: Any) -> dict[int, dict[int, tuple[int, str | None]]]:
    out: dict[int, dict[int, tuple[int, str | None]]] = {}
    for pid, other, pos, extra in rows:
        out.setdefault(pid, {})[other] = (pos, extra)
    return out


@dataclass
class MergeState:
    """The database as the ``.bib`` merge reads it (whole paper rows, and authors)."""

    papers: dict[int, dict[str, Any]]
    venues: dict[str, int]
    venue_names: dict[int, str]
    authors: dict[str, int]  # author key -> id
    paper_authors: dict[int, tuple[Person, ...]]
    alt_urls: dict[int, list[str]]
    aliases: set[str] = field(default_factory=set)
    book: venues.VenueBook = field(default_factory=lambda: venues.CATALOGUE_BOOK)


def load_merge_state(conn: Connection | None) -> MergeState:
    """What the ``.bib`` merge matches and fills; ``None`` is an empty database."""
    if conn is None:
        return MergeState({}, {}, {}, {}, {}, {})
    by_name, names = load_venues(conn)
    return MergeState(
        papers={r.id: r._asdict() for r in conn.execute(select(papers_t))},
        venues=by_name,
        venue_names=names,
        authors={k: i for i, k in conn.execute(select(authors_t.c.id, authors_t.c.key))},
        paper_authors={p: tuple(Person(family=f, given=g) for f, g in v)
                       for p, v in load_authors(conn).items()},
        alt_urls=load_alt_urls(conn),
        # An old citation key (an alias from `lmsdb rekey`) is never handed out again.
        aliases=load_aliases(conn),
        # Venues defined with `lmsdb venue add` are known to a merge too.
        book=load_book(conn),
    )
