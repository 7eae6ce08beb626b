"""Metadata for one identifier, without a database: what ``lmsdb add IDENTIFIER`` needs.

The same services, checks and priorities as ``lmsdb enrich``: the identifier's own service
gives the title (arXiv for an arXiv id, Crossref for a DOI, else Semantic Scholar), then every
source is asked as for a paper of the list, and the answers are merged field by field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lmsdb.domain import identifiers
from lmsdb.enrich.consult import Consultation, Problems, queries
from lmsdb.enrich.plan import Planner
from lmsdb.enrich.state import BatchWrites, PaperState
from lmsdb.services import arxiv, crossref, s2
from lmsdb.services.http import Http, ServiceError
from lmsdb.services.record import Author, Found


@dataclass
class Metadata:
    """A paper as the services describe it; ``sources`` names who gave each field."""

    title: str
    year: int | None
    authors: tuple[Author, ...] = ()
    doi: str | None = None
    arxiv_id: str | None = None
    pages: str | None = None
    volume: str | None = None
    number: str | None = None
    publisher: str | None = None
    venue: str | None = None  # the catalogue's name (ICML), when the catalogue knows it
    venue_text: str | None = None  # the venue as the best published record writes it
    url: str | None = None
    dblp_key: str | None = None
    s2_id: str | None = None
    sources: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # field ->
    # (source, source id)


def parse_identifier(text: str) -> tuple[str, str]:
    """``("arxiv", id)``, ``("doi", doi)`` or ``("title", text)``.

    >>> parse_identifier("arXiv:2104.04473v2"), parse_identifier("https://doi.org/10.1145/1.2")
    (('arxiv', '2104.04473'), ('doi', '10.1145/1.2'))
    """
    t = text.strip()
    a = identifiers.bare_arxiv_id(t) or identifiers.arxiv_id(t)
    if a:
        return "arxiv", a
    d = identifiers.normalise_doi(t) if t.startswith(("10.", "doi:")) else identifiers.doi(t)
    if t.lower().startswith("doi:"):
        d = identifiers.normalise_doi(t[4:])
    if d:
        return "doi", d
    return "title", t


def _first(http: Http, kind: str, value: str) -> Found | None:
    """The record of the identifier's own service."""
    if kind == "arxiv":
        found, _ = arxiv.fetch(http, [value])
        return found.get(value)
    if kind == "doi" and crossref.sendable(value):
        return crossref.fetch(http, value)
    if kind == "doi":
        return s2.batch(http, [f"DOI:{value}"]).get(f"DOI:{value}")
    return None


def lookup(identifier: str, http: Http | None = None,
           sources: tuple[str, ...] = ("dblp", "crossref", "arxiv", "s2")) -> Metadata | None:
    """Metadata for an arXiv id, a DOI (or a URL of either), or a title; None when no source
    knows it. Raises :class:`~lmsdb.services.http.ServiceError` if the identifier's own
    service fails. Without ``http``, one is opened as ``lmsdb enrich`` would (same cache,
    environment and politeness) and closed afterwards."""
    if http is None:
        from lmsdb.enrich import Options, open_http

        own = open_http(Options(sources=sources))
        try:
            return lookup(identifier, own, sources)
        finally:
            own.close()
    kind, value = parse_identifier(identifier)
    first = _first(http, kind, value) if kind != "title" else None
    if kind != "title" and first is None:
        return None
    title = first.title if first else value
    year = first.year if first else None
    p = PaperState(id=0, key=identifier, title=title, year=year, venue=None, url=None,
                   arxiv_id=value if kind == "arxiv" else None, openreview_id=None,
                   values={"doi": value if kind == "doi" else None}, authors=(), alt_urls=())
    problems = Problems()
    answers = Consultation(http, sources, problems).batch([(p, queries(p, sources))])[0]
    if first is not None:
        answers.found.setdefault(first.source, first)
    if not answers.found:
        if problems.failed:
            raise ServiceError("; ".join(problems.failed.values()))
        return None
    writes = BatchWrites()
    Planner(writes, refresh=False, apply_venues=True, now="", all_versions=True).paper(
        p, answers)
    cols = writes.columns.get(0, {})
    meta = Metadata(title=title, year=cols.get("year", year),
                    authors=tuple(Author(f, g, o) for f, g, o in writes.authors.get(0, ())),
                    doi=cols.get("doi", p.values["doi"]), arxiv_id=p.arxiv_id or next(
                        (f.arxiv_id for f in answers.found.values() if f.arxiv_id), None),
                    pages=cols.get("pages"), volume=cols.get("volume"),
                    number=cols.get("number"), publisher=cols.get("publisher"),
                    venue=writes.venues[0][0] if 0 in writes.venues else None,
                    url=cols.get("url") or (first.url if first else None),
                    dblp_key=cols.get("dblp_key"), s2_id=cols.get("s2_id"))
    meta.sources = {r["field"]: (r["source"], r["source_id"]) for r in writes.provenance}
    meta.venue_text = next((f.venue for s in ("dblp", "crossref", "s2")
                            if (f := answers.found.get(s)) and f.venue and not f.preprint), None)
    return meta
