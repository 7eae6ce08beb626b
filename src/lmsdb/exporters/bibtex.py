"""Write the database as BibTeX, one entry per paper.

Entries are formatted with plain string building rather than bibtexparser's writer: at
100,000 entries the library's writer (which deep-copies the library) costs far more than the
rest of the export, and the format we write is simple. The tests parse our output back with
bibtexparser (and pybtex) to prove it is well-formed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import Connection, select

from lmsdb.latex import title_to_latex
from lmsdb.models import Paper, Venue

papers_t = Paper.__table__
venues_t = Venue.__table__


@dataclass(frozen=True, slots=True)
class BibRow:
    key: str
    title: str
    year: int
    url: str | None
    doi: str | None
    arxiv_id: str | None
    venue: str | None
    venue_full: str | None
    venue_kind: str | None


def rows(conn: Connection) -> Iterator[BibRow]:
    """Every paper with its venue, in citation-key order, in one query."""
    q = (
        select(papers_t.c.citation_key, papers_t.c.title, papers_t.c.year, papers_t.c.url,
               papers_t.c.doi, papers_t.c.arxiv_id, venues_t.c.name, venues_t.c.full_name,
               venues_t.c.kind)
        .select_from(papers_t.outerjoin(venues_t, papers_t.c.venue_id == venues_t.c.id))
        .order_by(papers_t.c.citation_key)
    )
    for r in conn.execute(q):
        yield BibRow(*r)


def _braced(value: str) -> str:
    """A field value in braces; URLs and DOIs must not unbalance them."""
    return "{" + value.replace("{", "%7B").replace("}", "%7D") + "}"


def entry_type(row: BibRow) -> str:
    """``@article`` for journals, ``@inproceedings`` for other venues, ``@misc`` without one."""
    if row.venue is None:
        return "misc"
    return "article" if row.venue_kind == "journal" else "inproceedings"


def format_entry(row: BibRow, *, unicode: bool = False) -> str:
    kind = entry_type(row)
    fields: list[tuple[str, str]] = [("title", "{" + title_to_latex(row.title, unicode=unicode)
                                      + "}")]
    if kind == "inproceedings":
        fields.append(("booktitle", "{" + title_to_latex(row.venue_full or row.venue or "",
                                                         unicode=unicode) + "}"))
    elif kind == "article":
        fields.append(("journal", "{" + title_to_latex(row.venue_full or row.venue or "",
                                                       unicode=unicode) + "}"))
    fields.append(("year", "{" + str(row.year) + "}"))
    if kind == "misc" and row.arxiv_id:
        fields += [("eprint", _braced(row.arxiv_id)), ("archivePrefix", "{arXiv}")]
    if row.doi:
        fields.append(("doi", _braced(row.doi)))
    if row.url:
        fields.append(("url", _braced(row.url)))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@{kind}{{{row.key},\n{body}\n}}\n"


def write(conn: Connection, out: TextIO, *, unicode: bool = False) -> int:
    """Write every paper as a BibTeX entry; returns the number of entries."""
    n = 0
    for row in rows(conn):
        if n:
            out.write("\n")
        out.write(format_entry(row, unicode=unicode))
        n += 1
    return n
