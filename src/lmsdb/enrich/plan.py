"""Decide, for one paper, what the accepted answers change: fill, keep, or report a conflict.

A field is filled only when it is empty. A value that a person gave (the list, a merged
``.bib``, an edit) is never replaced: a different answer is a conflict, reported. A value that
enrichment wrote itself (its provenance row still holds that value) is replaced only with
``refresh``. Each source has its turn per field (:data:`PRIORITY`): DBLP's curated names
first for authors, Crossref's registry first for the DOI. The bibliographic details of a
published version (DOI, pages, volume, number, publisher) go to a paper the list calls a
preprint only together with its venue, that is with ``apply_venues``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lmsdb.domain import venues
from lmsdb.domain.citekeys import fold
from lmsdb.enrich.consult import Answers, Rejected
from lmsdb.enrich.state import BatchWrites, PaperState
from lmsdb.services.record import Author, Found

PRIORITY: dict[str, tuple[str, ...]] = {
    "authors": ("dblp", "crossref", "arxiv", "s2"),
    "doi": ("crossref", "dblp", "s2", "arxiv"),
    "pages": ("dblp", "crossref", "s2"),
    "volume": ("dblp", "crossref", "s2"),
    "number": ("crossref", "dblp"),
    "publisher": ("dblp", "crossref"),
    "dblp_key": ("dblp",),
    "s2_id": ("s2",),
}
#: Fields that describe one published version, not the work.
VERSION_FIELDS = frozenset({"doi", "pages", "volume", "number", "publisher"})
#: Who may say where a preprint was published, in this order.
VENUE_SOURCES = ("dblp", "crossref", "s2", "arxiv")


@dataclass
class Change:
    field: str
    old: Any
    new: Any
    source: str

    def __str__(self) -> str:
        from lmsdb.sync.report import FieldChange

        return f"{FieldChange(self.field, self.old, self.new)}  ({self.source})"


@dataclass
class Published:
    key: str
    venue: str
    year: int | None
    url: str | None
    source: str
    applied: bool


@dataclass
class PaperResult:
    key: str
    title: str
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Change] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    published: Published | None = None


def show_authors(people: tuple[tuple[str, str | None, str | None], ...]) -> str:
    return " and ".join(f"{f}, {g}" if g else f for f, g, _ in people)


def _same(name: str, a: Any, b: Any) -> bool:
    if name in ("doi", "publisher"):
        return str(a).casefold() == str(b).casefold()
    return str(a) == str(b)


def _usable(name: str, value: Any) -> bool:
    if value in (None, ""):
        return False
    # An arXiv DOI says nothing the arXiv id does not; ACM's 10.5555 ones do not resolve.
    return not (name == "doi" and str(value).lower().startswith(("10.48550/", "10.5555/")))


class Planner:
    """Turns answers into writes for one batch."""

    def __init__(self, writes: BatchWrites, *, refresh: bool, apply_venues: bool, now: str,
                 all_versions: bool = False):
        self.writes, self.refresh, self.apply_venues, self.now = (
            writes, refresh, apply_venues, now)
        self.all_versions = all_versions  # a lookup without a list: take every detail

    def paper(self, p: PaperState, ans: Answers) -> PaperResult:
        res = PaperResult(p.key, p.title, rejected=list(ans.rejected))
        found = ans.found
        res.published = self._published(p, found)
        applying = self.all_versions or (res.published is not None and res.published.applied)
        for name in PRIORITY:
            if name == "authors":
                self._authors(p, found, res)
                continue
            for source in PRIORITY[name]:
                f = found.get(source)
                if f is None or not _usable(name, getattr(f, name)):
                    continue
                if (name in VERSION_FIELDS and p.venue is None and _published_detail(f, name)
                        and not applying):
                    continue  # the published version's details come with its venue
                self._column(p, name, getattr(f, name), f, res)
                break
        self._lookups(p, ans)
        return res

    # ------------------------------------------------------------------ fields

    def _owned(self, p: PaperState, name: str, current_text: str) -> bool:
        """Whether enrichment wrote the current value (nobody changed it since)."""
        row = p.provenance.get(name)
        return row is not None and row["value"] == current_text

    def _record(self, p: PaperState, name: str, f: Found, value_text: str) -> None:
        self.writes.provenance.append({
            "paper_id": p.id, "field": name, "source": f.source, "source_id": f.source_id,
            "value": value_text, "retrieved_at": self.now})

    def _column(self, p: PaperState, name: str, new: Any, f: Found, res: PaperResult) -> None:
        cur = p.values.get(name)
        if cur not in (None, "") and _same(name, cur, new):
            return
        if cur in (None, "") or (self.refresh and self._owned(p, name, str(cur))):
            self.writes.columns.setdefault(p.id, {})[name] = new
            self._record(p, name, f, str(new))
            res.changes.append(Change(name, cur, new, f.source))
        elif not self._owned(p, name, str(cur)):
            res.conflicts.append(Change(name, cur, new, f.source))

    def _authors(self, p: PaperState, found: dict[str, Found], res: PaperResult) -> None:
        f = next((found[s] for s in PRIORITY["authors"] if s in found and found[s].authors),
                 None)
        if f is None:
            return
        new = _with_orcids(f.authors, found.get("crossref"))
        new_rows = tuple((a.family, a.given, a.orcid) for a in new)
        cur = p.authors
        if not cur or (self.refresh and self._owned(p, "authors", show_authors(cur))
                       and _names(cur) != _names(new_rows)):
            self.writes.authors[p.id] = new_rows
            self._record(p, "authors", f, show_authors(new_rows))
            res.changes.append(Change("authors", show_authors(cur) or None,
                                      show_authors(new_rows), f.source))
        elif _names(cur) != _names(new_rows):
            if not self._owned(p, "authors", show_authors(cur)):
                res.conflicts.append(Change("authors", show_authors(cur),
                                            show_authors(new_rows), f.source))
        else:  # the same people: add the ORCIDs the paper lacks
            added = []
            for pos, ((_, _, have), (_, _, orcid)) in enumerate(zip(cur, new_rows, strict=True)):
                if orcid and not have:
                    self.writes.orcids[(p.id, pos)] = orcid
                    added.append(f"{cur[pos][0]} {orcid}")
                    res.changes.append(Change(f"orcid of {cur[pos][0]}", None, orcid,
                                              "crossref"))
            if added:
                self._record(p, "orcids", found["crossref"], "; ".join(added))

    # ------------------------------------------------------------------ venues

    def _published(self, p: PaperState, found: dict[str, Found]) -> Published | None:
        """Where a paper the list calls a preprint was published, if a source says so."""
        if p.venue is not None:
            return None
        for source in VENUE_SOURCES:
            f = found.get(source)
            if f is None or not f.venue or (f.preprint and source != "arxiv"):
                continue
            v = venues.lookup_bib(f.venue)
            if v is None or not v.known:
                continue
            year = _venue_year(f)
            url = f.url if f.url and source != "arxiv" else (
                f"https://doi.org/{f.doi}" if f.doi and source != "arxiv" else None)
            pub = Published(p.key, v.name, year, url, source, self.apply_venues)
            if self.apply_venues:
                self._apply_venue(p, pub, f, v)
            return pub
        return None

    def _apply_venue(self, p: PaperState, pub: Published, f: Found, v: venues.Venue) -> None:
        w = self.writes
        w.venues[p.id] = (v.name, v.full_name, v.kind)
        self._record(p, "venue", f, v.name)
        cols = w.columns.setdefault(p.id, {})
        if pub.year is not None and pub.year != p.year:
            cols["year"] = pub.year
            self._record(p, "year", f, str(pub.year))
        if pub.url and pub.url != p.url:
            cols["url"] = pub.url
            self._record(p, "url", f, pub.url)
            if p.url:
                w.alt_urls.append((p.id, p.url))  # the arXiv link stays among the paper's URLs

    def _lookups(self, p: PaperState, ans: Answers) -> None:
        for source, (query, outcome, source_id) in ans.asked.items():
            self.writes.lookups.append({
                "paper_id": p.id, "source": source, "query": query, "outcome": outcome,
                "source_id": source_id, "looked_up_at": self.now})


def _published_detail(f: Found, name: str) -> bool:
    """Whether ``f``'s ``name`` describes a published version (an arXiv entry's DOI is the
    journal's, not arXiv's)."""
    return not f.preprint or (f.source == "arxiv" and name == "doi")


def _venue_year(f: Found) -> int | None:
    if f.source != "arxiv":
        return f.year
    import re

    m = re.search(r"(?<!\d)(?:19|20)\d{2}(?!\d)", f.venue or "")
    return int(m.group(0)) if m else None


def _names(people: tuple[tuple[str, str | None, str | None], ...]) -> list[str]:
    from lmsdb.domain.bibrecords import Person
    from lmsdb.store.rows import author_key

    return [author_key(Person(family=f, given=g)) for f, g, _ in people]


def _with_orcids(authors: tuple[Author, ...], crossref: Found | None) -> tuple[Author, ...]:
    """``authors`` with the ORCIDs Crossref gives for the same family names (when a family
    name is shared by two of Crossref's authors, neither is guessed)."""
    if crossref is None or crossref.source == "" or not any(a.orcid for a in crossref.authors):
        return authors
    by_family: dict[str, list[str | None]] = {}
    for a in crossref.authors:
        by_family.setdefault(fold(a.family).lower(), []).append(a.orcid)
    out = []
    for a in authors:
        orcids = by_family.get(fold(a.family).lower(), [])
        orcid = a.orcid or (orcids[0] if len(orcids) == 1 else None)
        out.append(Author(a.family, a.given, orcid))
    return tuple(out)
