"""Curate in the database: add, edit and remove papers (``lmsdb add``, ``edit``, ``rm``).

Every change goes through the checks an import applies (:class:`~lmsdb.domain.records.PaperRecord`
for year, title and URL; the venue book; identifier extraction from the URL) and runs in the
caller's transaction, so a refused change writes nothing. Papers changed here are kept by the
next import of the list (see the three-way sync in :mod:`lmsdb.sync.threeway`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from lmsdb.diagnostics import Diagnostics, LmsdbError
from lmsdb.domain import identifiers
from lmsdb.domain.bibrecords import Person, split_authors
from lmsdb.domain.checks import normalise_pages
from lmsdb.domain.citekeys import KeyAllocator, base_key
from lmsdb.domain.identifiers import normalise_doi
from lmsdb.store.rows import author_key, set_authors
from lmsdb.store.searchtext import refresh_papers
from lmsdb.store.tables import (
    aliases_t,
    authors_t,
    base_t,
    pa_t,
    papers_t,
    pf_t,
    prov_t,
    removed_t,
    urls_t,
    venues_t,
)
from lmsdb.sync.checks import (
    ARXIV_ID,
    check_paper,
    find_duplicate,
    identifier_url,
    resolve_key,
    venue_id,
    year_value,
)
from lmsdb.sync.identity import identity_keys, paper_keys
from lmsdb.sync.report import FieldChange, PaperDiff, show_authors
from lmsdb.sync.sections import (
    category_id,
    framework_id,
    frameworks_of,
    insert_into_section,
    remove_from_section,
    sections_of,
)

#: The fields ``edit --set FIELD=VALUE`` accepts (``authors`` is stored in its own tables).
EDITABLE = ("title", "year", "venue", "url", "authors", "doi", "arxiv_id", "openreview_id",
            "pages", "publisher", "volume", "number", "primary_class", "note")
_TEXT_FIELDS = ("publisher", "volume", "number", "primary_class", "note", "openreview_id")


# ----------------------------------------------------------------------------- add


@dataclass
class NewPaper:
    """What ``lmsdb add`` takes: the identifier and the metadata (given or fetched)."""

    identifier: str
    title: str | None = None
    year: str | None = None
    venue: str | None = None
    categories: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    authors: tuple[Person, ...] = ()
    # Fetched online (``lmsdb.enrich.lookup``): other columns, and who gave each field.
    columns: dict[str, str] = field(default_factory=dict)
    sources: dict[str, tuple[str, str | None]] = field(default_factory=dict)


#: The columns a metadata lookup may fill beside title, year, venue and authors.
FETCHED_COLUMNS = ("url", "doi", "arxiv_id", "pages", "volume", "number", "publisher",
                   "dblp_key", "s2_id")


def from_lookup(new: NewPaper, meta: Any) -> NewPaper:
    """``new`` completed with what the services said (``lmsdb.enrich.lookup.Metadata``);
    an option the user gave wins over a fetched value."""
    people = new.authors or tuple(Person(family=a.family, given=a.given) for a in meta.authors)
    columns = {c: str(v) for c in FETCHED_COLUMNS if (v := getattr(meta, c, None))}
    return NewPaper(new.identifier, new.title or meta.title,
                    new.year or (str(meta.year) if meta.year else None),
                    new.venue or meta.venue or meta.venue_text, new.categories, new.frameworks,
                    people, columns, dict(meta.sources))


@dataclass
class Added:
    key: str
    title: str
    sections: list[tuple[str, int]] = field(default_factory=list)  # (section, 1-based row)
    changes: list[FieldChange] = field(default_factory=list)


def add_paper(conn: Connection, new: NewPaper, diags: Diagnostics) -> Added:
    """Add one paper; a duplicate of an existing paper is refused (nothing written)."""
    given = identifier_url(new.identifier)
    # A published version's page (fetched) wins over a preprint link, as in the list; the
    # link given is kept beside it.
    url = new.columns.get("url") or given
    alt = [given] if given != url else []
    if not new.title or new.year is None:
        missing = " and ".join(n for n, v in (("--title", new.title), ("--year", new.year))
                               if not v)
        raise LmsdbError(f"add: {missing} missing (needed when the metadata is not fetched)")
    rec = check_paper(new.title, year_value(new.year), url, new.venue)
    arxiv = identifiers.arxiv_id(given) or new.columns.get("arxiv_id")
    doi = (None if identifiers.arxiv_id(given) else identifiers.doi(given)) or (
        normalise_doi(new.columns["doi"]) if new.columns.get("doi") else None)
    dup = next(filter(None, (find_duplicate(conn, rec.title, u, arxiv, doi)
                             for u in (url, *alt))), None)
    if dup is not None:
        row, how = dup
        raise LmsdbError(f"add: already in the database as {row.citation_key} ({row.title}), "
                         f"same {how}: nothing added")
    cat_ids = [(c, category_id(conn, c, create=diags)) for c in dict.fromkeys(new.categories)]
    fw_ids = [framework_id(conn, s) for s in dict.fromkeys(new.frameworks)]
    vid, vname = venue_id(conn, rec.venue, diags)
    taken = list(conn.execute(select(papers_t.c.citation_key)).scalars())
    taken += conn.execute(select(aliases_t.c.alias)).scalars()
    family = new.authors[0].family if new.authors else None
    key = KeyAllocator(taken).allocate(base_key(rec.title, rec.year, family))
    pid = conn.execute(insert(papers_t).values(
        citation_key=key, title=rec.title, url=url, year=rec.year, venue_id=vid, arxiv_id=arxiv,
        doi=doi, openreview_id=None if arxiv or doi else identifiers.openreview_id(url),
    )).inserted_primary_key[0]
    if alt:
        conn.execute(insert(urls_t), [{"paper_id": pid, "url": u} for u in alt])
    if new.authors:
        _set_authors(conn, pid, new.authors)
    fetched = _fetched_columns(conn, pid, new)
    refresh_papers(conn, [pid])
    for k, fid in enumerate(fw_ids):
        conn.execute(insert(pf_t).values(paper_id=pid, framework_id=fid, position=k))
    out = Added(key, rec.title)
    for name, cid in cat_ids:
        out.sections.append((name, insert_into_section(conn, pid, cid, rec.year) + 1))
    out.changes = [FieldChange(f, None, v) for f, v in (
        ("year", rec.year), ("venue", vname), ("url", url), ("other urls", tuple(alt)),
        ("arxiv_id", arxiv), ("doi", doi),
        ("authors", show_authors(new.authors) if new.authors else None),
        *fetched.items(),
        ("frameworks", tuple(dict.fromkeys(new.frameworks))),
        ("categories", tuple(dict.fromkeys(new.categories)))) if v]
    if new.sources:
        out.changes = [FieldChange(c.field, c.old, _with_source(c, new.sources))
                       for c in out.changes]
    return out


def _fetched_columns(conn: Connection, pid: int, new: NewPaper) -> dict[str, Any]:
    """Store the other columns a lookup gave (normalised as a .bib merge does), and where
    each field came from, as ``lmsdb enrich`` records it (``field_provenance``)."""
    import datetime as dt

    values: dict[str, Any] = {}
    for c, v in new.columns.items():
        if c in ("doi", "arxiv_id", "url"):
            continue  # set with the paper, from the identifier or the lookup
        values[c] = normalise_pages(v) if c == "pages" else v
    if values:
        conn.execute(update(papers_t).where(papers_t.c.id == pid).values(values))
    row = conn.execute(select(papers_t).where(papers_t.c.id == pid)).one()._mapping
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    prov = [{"paper_id": pid, "field": f, "source": src, "source_id": sid,
             "value": str(row[f]), "retrieved_at": now}
            for f, (src, sid) in new.sources.items() if f in row and row[f] is not None]
    if new.authors and "authors" in new.sources:  # kept in their own tables, not a column
        src, sid = new.sources["authors"]
        prov.append({"paper_id": pid, "field": "authors", "source": src, "source_id": sid,
                     "value": show_authors(new.authors), "retrieved_at": now})
    if prov:
        conn.execute(insert(prov_t), prov)
    return values


def _with_source(change: FieldChange, sources: dict[str, tuple[str, str | None]]) -> Any:
    src = sources.get(change.field)
    return f"{_plain(change.new)}  ({src[0]})" if src else change.new


def _plain(value: Any) -> str:
    return ", ".join(value) if isinstance(value, tuple) else str(value)


def _set_authors(conn: Connection, pid: int, people: tuple[Person, ...]) -> None:
    set_authors(conn, pid, ((p.family, p.given, None) for p in people))


# ----------------------------------------------------------------------------- edit


@dataclass
class Edit:
    """What ``lmsdb edit`` was asked: ``--set FIELD=VALUE`` and link changes."""

    sets: list[tuple[str, str]] = field(default_factory=list)
    add_frameworks: tuple[str, ...] = ()
    remove_frameworks: tuple[str, ...] = ()
    add_categories: tuple[str, ...] = ()
    remove_categories: tuple[str, ...] = ()


def parse_set(text: str) -> tuple[str, str]:
    """``FIELD=VALUE`` (the value may be empty, which clears an optional field)."""
    name, sep, value = text.partition("=")
    name = name.strip().lower()
    if not sep or not name:
        raise LmsdbError(f"--set {text!r}: expected FIELD=VALUE (fields: {', '.join(EDITABLE)})")
    if name not in EDITABLE:
        raise LmsdbError(f"--set {text!r}: {name!r} is not a field that can be set "
                         f"(fields: {', '.join(EDITABLE)})")
    return name, value.strip()


def edit_paper(conn: Connection, key: str, edit: Edit, diags: Diagnostics) -> PaperDiff:
    """Apply an edit to one paper; any bad value refuses the whole edit (nothing written)."""
    row = resolve_key(conn, key, diags)
    sets = dict(edit.sets)
    diff = PaperDiff(row.citation_key, sets.get("title") or row.title)
    old_venue = conn.execute(select(venues_t.c.name).where(venues_t.c.id == row.venue_id)
                             ).scalar() if row.venue_id else None
    title = sets.get("title", row.title)
    year: Any = year_value(sets["year"]) if "year" in sets else row.year
    url = (identifiers.clean_url(sets["url"]) or None) if "url" in sets else row.url
    venue = (sets["venue"] or None) if "venue" in sets else old_venue
    rec = check_paper(title, year, url, venue)
    values: dict[str, Any] = {}
    for f, new in (("title", rec.title), ("year", rec.year), ("url", rec.url)):
        if f in sets and getattr(row, f) != new:
            values[f] = new
    if "venue" in sets:
        vid, vname = venue_id(conn, rec.venue, diags)
        if vid != row.venue_id:
            values["venue_id"] = vid
            diff.changes.append(FieldChange("venue", old_venue, vname))
    values.update(_bib_values(row, sets))
    if "url" in sets and rec.url:
        values.update(_url_identifiers(row, rec.url, sets))
    _refuse_duplicate(conn, row, values)
    for f, v in values.items():
        if f != "venue_id":
            diff.changes.append(FieldChange(f, getattr(row, f), v))
    if values:
        conn.execute(update(papers_t).where(papers_t.c.id == row.id).values(values))
    if "authors" in sets:
        _edit_authors(conn, row.id, sets["authors"], diff)
    if "title" in values or "authors" in sets:
        refresh_papers(conn, [row.id])
    _edit_links(conn, row, edit, diff, diags)
    order = [*EDITABLE, "frameworks", "categories"]
    diff.changes.sort(key=lambda c: order.index(c.field) if c.field in order else len(order))
    return diff


def _url_identifiers(row: Any, url: str, sets: dict[str, str]) -> dict[str, Any]:
    """The identifiers a new link carries, as an import extracts them (unless set too)."""
    found = {"arxiv_id": identifiers.arxiv_id(url)}
    if found["arxiv_id"] is None:
        found["doi"] = identifiers.doi(url)
        found["openreview_id"] = identifiers.openreview_id(url)
    return {f: v for f, v in found.items()
            if v is not None and f not in sets and getattr(row, f) != v}


def _refuse_duplicate(conn: Connection, row: Any, values: dict[str, Any]) -> None:
    """An edit must not make the paper another paper's twin (same link, id or title)."""
    if not {"title", "url", "arxiv_id", "doi"} & values.keys():
        return
    new = {f: values.get(f, getattr(row, f)) for f in ("title", "url", "arxiv_id", "doi")}
    dup = find_duplicate(conn, new["title"], new["url"], new["arxiv_id"], new["doi"],
                         exclude=row.id)
    if dup is not None:
        other, how = dup
        raise LmsdbError(f"edit: the {how} would be the same as {other.citation_key}'s "
                         f"({other.title}): nothing changed")


def _bib_values(row: Any, sets: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "doi" in sets:
        doi = normalise_doi(sets["doi"]) if sets["doi"] else None
        if sets["doi"] and doi is None:
            raise LmsdbError(f"doi {sets['doi']!r} is not a DOI (10.NNNN/...)")
        if doi != row.doi:
            out["doi"] = doi
    if "arxiv_id" in sets:
        m = ARXIV_ID.match(sets["arxiv_id"]) if sets["arxiv_id"] else None
        if sets["arxiv_id"] and m is None:
            raise LmsdbError(f"arxiv_id {sets['arxiv_id']!r} is not an arXiv id (2205.14135)")
        value = m.group(1) if m else None
        if value != row.arxiv_id:
            out["arxiv_id"] = value
    if "pages" in sets:
        pages = normalise_pages(sets["pages"]) or None
        if pages != row.pages:
            out["pages"] = pages
    for f in _TEXT_FIELDS:
        if f in sets and (sets[f] or None) != getattr(row, f):
            out[f] = sets[f] or None
    return out


def _edit_authors(conn: Connection, pid: int, text: str, diff: PaperDiff) -> None:
    old = tuple(Person(family=f, given=g) for f, g in conn.execute(
        select(authors_t.c.family, authors_t.c.given).join(pa_t, pa_t.c.author_id == authors_t.c.id)
        .where(pa_t.c.paper_id == pid).order_by(pa_t.c.position)))
    new = split_authors(text) if text else ()
    if [author_key(p) for p in old] != [author_key(p) for p in new]:
        _set_authors(conn, pid, new)
        diff.changes.append(FieldChange("authors", show_authors(old) or None,
                                        show_authors(new) or None))


def _edit_links(conn: Connection, row: Any, edit: Edit, diff: PaperDiff,
                diags: Diagnostics) -> None:
    fws = frameworks_of(conn, row.id)
    new_fws = list(fws)
    for s in edit.remove_frameworks:
        framework_id(conn, s)
        if s not in new_fws:
            raise LmsdbError(f"edit: {row.citation_key} is not linked to framework {s!r}")
        new_fws.remove(s)
    for s in edit.add_frameworks:
        framework_id(conn, s)
        if s not in new_fws:
            new_fws.append(s)
    if new_fws != fws:
        conn.execute(delete(pf_t).where(pf_t.c.paper_id == row.id))
        for k, s in enumerate(new_fws):
            conn.execute(insert(pf_t).values(paper_id=row.id, framework_id=framework_id(conn, s),
                                             position=k))
        diff.changes.append(FieldChange("frameworks", tuple(fws), tuple(new_fws)))
    cats = sections_of(conn, row.id)
    for c in edit.remove_categories:
        cid = category_id(conn, c)
        if c not in cats:
            raise LmsdbError(f"edit: {row.citation_key} is not listed in section {c!r}")
        remove_from_section(conn, row.id, cid)
    year = conn.execute(select(papers_t.c.year).where(papers_t.c.id == row.id)).scalar_one()
    for c in edit.add_categories:
        cid = category_id(conn, c, create=diags)
        if c not in cats:
            insert_into_section(conn, row.id, cid, year)
    new_cats = sections_of(conn, row.id)
    if new_cats != cats:
        diff.changes.append(FieldChange("categories", tuple(cats), tuple(new_cats)))


# ----------------------------------------------------------------------------- rm


def remove_papers(conn: Connection, keys: tuple[str, ...], diags: Diagnostics) -> list[PaperDiff]:
    """Remove papers and their links; an unknown key refuses the whole command."""
    rows = {}
    for k in keys:
        row = resolve_key(conn, k, diags)
        rows[row.id] = row
    out = []
    for row in rows.values():
        diff = PaperDiff(row.citation_key, row.title)
        sections = sections_of(conn, row.id)
        if sections:
            diff.changes.append(FieldChange("categories", tuple(sections), ()))
        fws = frameworks_of(conn, row.id)
        if fws:
            diff.changes.append(FieldChange("frameworks", tuple(fws), ()))
        _tombstone(conn, row)
        for name in sections:
            remove_from_section(conn, row.id, category_id(conn, name))
        for t in (pf_t, urls_t, pa_t, aliases_t, base_t):
            conn.execute(delete(t).where(t.c.paper_id == row.id))
        conn.execute(delete(papers_t).where(papers_t.c.id == row.id))
        out.append(diff)
    return out


def _tombstone(conn: Connection, row: Any) -> None:
    """Remember a paper the list had, so that its next import does not bring it back."""
    base = conn.execute(select(base_t).where(base_t.c.paper_id == row.id)).first()
    if base is None:  # never in the list: nothing would bring it back
        return
    alt = conn.execute(select(urls_t.c.url).where(urls_t.c.paper_id == row.id)).scalars()
    keys = dict.fromkeys(paper_keys(row._mapping, list(alt)) + identity_keys(base.title, base.url))
    conn.execute(insert(removed_t).values(citation_key=row.citation_key, title=row.title,
                                          keys="\n".join(keys)))
