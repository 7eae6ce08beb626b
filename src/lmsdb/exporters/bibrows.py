"""The rows a BibTeX export reads: each paper with its venue, authors, published link and
old keys, in citation-key order.

The columns are named once, in :class:`BibRow`; the SELECT list, and every index the
formatter uses on the driver's plain tuples, are derived from those names at import time,
so a column added here cannot shift another one silently.

An export runs four SQL statements whatever the number of papers and filters: the papers
with their venues, the authors of those papers, their published links, and the old keys.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, func, or_, select

from lmsdb.exporters.selection import Filter
from lmsdb.store.tables import aliases_t, authors_t, pa_t, papers_t, urls_t, venues_t


class BibRow(NamedTuple):
    """A paper as the exporter needs it (a tuple: 100,000 of them are made per export)."""

    id: int
    key: str
    title: str
    year: int
    url: str | None
    doi: str | None
    arxiv_id: str | None
    pages: str | None
    publisher: str | None
    volume: str | None
    number: str | None
    primary_class: str | None
    note: str | None
    venue: str | None
    venue_full: str | None
    venue_kind: str | None
    # A link to the published version among the paper's other links (not a preprint).
    published_url: str | None = None
    authors: tuple[tuple[str, str | None], ...] = ()


# BibRow's fields that are not ``papers`` columns of the same name.
_NOT_PAPERS = {"key": papers_t.c.citation_key, "venue": venues_t.c.name,
               "venue_full": venues_t.c.full_name, "venue_kind": venues_t.c.kind}
# The fields the papers statement selects, in BibRow order: all but the two that other
# statements fetch (published_url, authors), which the rows get when they become BibRows.
SELECTED = BibRow._fields[:BibRow._fields.index("published_url")]
COLUMNS = tuple(_NOT_PAPERS[f] if f in _NOT_PAPERS else papers_t.c[f] for f in SELECTED)
INDEX = {name: k for k, name in enumerate(BibRow._fields)}

# The .bib-only fields: a row whose every one of them is empty (and that has no authors)
# takes the short path of the formatter (see :mod:`lmsdb.exporters.bibentry`).
BIB_ONLY = ("pages", "publisher", "volume", "number", "primary_class", "note")
bib_only = itemgetter(*(INDEX[f] for f in BIB_ONLY))
NO_BIB_ONLY = (None,) * len(BIB_ONLY)

PREPRINT_HOSTS = ("arxiv.org", "biorxiv.org", "medrxiv.org", "ssrn.com", "researchgate.net",
                  "github.io", "10.48550/")

Authors = dict[int, list[tuple[str, str | None]]]


def fetch(conn: Connection, where: Filter | None
          ) -> tuple[list[tuple[Any, ...]], Authors, dict[int, str]]:
    """The papers that pass ``where`` as driver tuples of the :data:`SELECTED` fields,
    sorted by key; the authors of those papers by paper id; their published links by id.
    """
    conds = (where or Filter()).conditions()
    cond = and_(*conds) if conds else None
    q = select(*COLUMNS).select_from(
        papers_t.outerjoin(venues_t, papers_t.c.venue_id == venues_t.c.id))
    aq = (select(pa_t.c.paper_id, authors_t.c.family, authors_t.c.given)
          .join(authors_t, authors_t.c.id == pa_t.c.author_id)
          .order_by(pa_t.c.paper_id, pa_t.c.position))
    uq = _published_urls()
    if cond is not None:
        q = q.where(cond)
        ids = select(papers_t.c.id).where(cond)
        aq = aq.where(pa_t.c.paper_id.in_(ids))
        uq = uq.where(urls_t.c.paper_id.in_(ids))
    by_paper: Authors = {}
    for pid, family, given in conn.execute(aq):
        by_paper.setdefault(pid, []).append((family, given))
    published: dict[int, str] = dict(conn.execute(uq).all())
    # The driver's own tuples: every selected column is an int or a str on SQLite and
    # PostgreSQL alike, so SQLAlchemy's row processing would only add time. Sorted here
    # rather than by ORDER BY: SQLite would walk the key index and fetch each row from the
    # table (twice the time of a scan and a sort in Python at 100,000 papers), and
    # Python's order is the same on every backend, whatever its collation.
    papers = [tuple(r) for r in conn.execute(q).cursor.fetchall()]
    papers.sort(key=itemgetter(INDEX["key"]))
    return papers, by_paper, published


def _published_urls() -> Any:
    """Each paper's first other link that is no preprint's, by paper id. One statement of
    its own rather than a subquery per paper: most papers have no other link, and SQLite
    ran the subquery for every one of them (a fifth of the papers statement's time)."""
    preprint = or_(*(urls_t.c.url.like(f"%{h}%") for h in PREPRINT_HOSTS))
    return (select(urls_t.c.paper_id, func.min(urls_t.c.url)).where(~preprint)
            .group_by(urls_t.c.paper_id))


def rows(conn: Connection, where: Filter | None = None) -> list[BibRow]:
    """The papers that pass ``where``, with venue and authors, in citation-key order."""
    papers, by_paper, published = fetch(conn, where)
    pid = INDEX["id"]
    return [BibRow._make(r + (published.get(r[pid]), tuple(by_paper.get(r[pid], ()))))
            for r in papers]


def old_keys(conn: Connection) -> dict[int, list[str]]:
    """The keys papers had before ``lmsdb rekey``, by paper id, in alphabetical order."""
    out: dict[int, list[str]] = {}
    for pid, alias in conn.execute(select(aliases_t.c.paper_id, aliases_t.c.alias)
                                   .order_by(aliases_t.c.alias)):
        out.setdefault(pid, []).append(alias)
    return out
