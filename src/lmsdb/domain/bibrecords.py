"""Validated ``.bib`` entries: :func:`from_bibtex` turns the entries a ``.bib`` file holds
(:mod:`lmsdb.sources.bibtex`, decoded by its pipeline) into :class:`BibRecord` s, or raises
:class:`SourceError` naming the file and line of the bad field.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, ValidationError

from lmsdb.diagnostics import Diagnostics, SourceError
from lmsdb.domain import identifiers
from lmsdb.domain.checks import (
    DIGITS,
    MIN_YEAR,
    YEAR_DIGITS,
    max_year,
    normalise_pages,
    shorten,
    squeeze,
    validation_message,
)
from lmsdb.domain.fieldtypes import WebUrl, Year, clean_url

if TYPE_CHECKING:
    from lmsdb.sources.bibtex import BibEntry, ParsedBib


class Person(BaseModel):
    """An author as ``family`` (with any "von" and ", Jr." parts) and ``given`` names."""

    model_config = ConfigDict(frozen=True)

    family: str
    given: str | None = None


class BibRecord(BaseModel):
    """One ``.bib`` entry, decoded from LaTeX to plain Unicode and checked."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    line: int
    key: str
    entry_type: str
    title: str
    year: Year
    authors: tuple[Person, ...] = ()
    venue: str | None = None  # booktitle or journal, plain text; None for a preprint
    doi: str | None = None
    arxiv_id: str | None = None
    url: WebUrl | None = None
    pages: str | None = None
    publisher: str | None = None
    volume: str | None = None
    number: str | None = None
    primary_class: str | None = None


# "journal" values that mean "a preprint on arXiv", as DBLP and Google Scholar write them.
_PREPRINT_JOURNALS = frozenset({"corr", "arxiv", "arxiv.org", "arxiv e-prints", "e-print arxiv"})
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.I)


def split_authors(raw: str) -> tuple[Person, ...]:
    """``A and B`` in any BibTeX name form, decoded to plain Unicode; ``others`` dropped.
    A name BibTeX cannot split (``a, b, c, d``) raises bibtexparser's ``InvalidNameError``
    (a ValueError). The names go through the same steps as a ``.bib`` file's authors."""
    from lmsdb.sources.bibsteps import split_names

    return tuple(Person(family=f, given=g) for f, g in split_names(raw))


def _arxiv_id(f: dict[str, str], doi: str | None) -> str | None:
    """arXiv id from ``eprint``, DBLP's CoRR ``volume = {abs/...}``, an arXiv DOI, or the URL."""
    prefix = (f.get("archiveprefix") or f.get("eprinttype") or "").lower()
    eprint = f.get("eprint", "").strip()
    if eprint and prefix in ("", "arxiv"):
        a = identifiers.bare_arxiv_id(eprint)
        if a:
            return a
    if f.get("journal", "").strip().lower() == "corr":
        rest = identifiers.corr_volume(f.get("volume", "").strip())
        a = identifiers.bare_arxiv_id(rest) if rest else None
        if a:
            return a
    m = _ARXIV_DOI.match(doi) if doi else None
    a = identifiers.bare_arxiv_id(m.group(1)) if m else None
    if a:
        return a
    url = f.get("url", "")
    return identifiers.arxiv_id(url) if url else None


def _authors(file: str, entry: BibEntry) -> tuple[Person, ...]:
    """The entry's authors; a name BibTeX cannot split (``a, b, c, d``) is a SourceError."""
    if entry.authors is None:
        raw = entry.fields.get("author", "")
        raise SourceError(file, entry.field_lines.get("author", entry.line),
                          f"{entry.key}: author {shorten(raw)} holds a name with more than "
                          "two commas, which BibTeX cannot split")
    return tuple(Person(family=f, given=g) for f, g in entry.authors)


_BIB_FIELD_SOURCE = {"title": "title", "year": "year", "url": "url", "authors": "author"}


def from_bib_entry(file: str, entry: BibEntry) -> BibRecord:
    """Validate one entry; a missing or bad field raises :class:`SourceError` at its line."""
    f = entry.fields

    def plain(name: str) -> str | None:
        return entry.plain.get(name) if name in f else None

    for required in ("title", "year"):
        if not f.get(required, "").strip():
            raise SourceError(file, entry.line, f"@{entry.entry_type}{{{entry.key}: missing "
                              f"field {required!r}")
    year_text = f["year"].strip()
    if not DIGITS.fullmatch(year_text):
        raise SourceError(file, entry.field_lines.get("year", entry.line),
                          f"{entry.key}: year {shorten(year_text)} is not a number")
    if len(year_text) > YEAR_DIGITS:
        raise SourceError(file, entry.field_lines.get("year", entry.line),
                          f"{entry.key}: year of {len(year_text)} digits is outside "
                          f"{MIN_YEAR}..{max_year()}")
    doi = identifiers.normalise_doi(f.get("doi", "")) or identifiers.doi(f.get("url", "") or "x")
    venue = plain("journal") if entry.entry_type == "article" else plain("booktitle")
    if venue and venue.lower() in _PREPRINT_JOURNALS:
        venue = None
    arxiv = _arxiv_id(f, doi)
    is_corr = f.get("journal", "").strip().lower() == "corr"
    try:
        return BibRecord(
            line=entry.line,
            key=entry.key,
            entry_type=entry.entry_type,
            title=squeeze(plain("title") or ""),
            year=int(year_text),
            authors=_authors(file, entry),
            venue=venue,
            doi=doi,
            arxiv_id=arxiv,
            url=clean_url(f.get("url")),
            pages=normalise_pages(f["pages"]) if f.get("pages", "").strip() else None,
            publisher=plain("publisher"),
            volume=None if is_corr else plain("volume"),
            number=plain("number"),
            primary_class=plain("primaryclass"),
        )
    except ValidationError as e:
        first = e.errors(include_url=False)[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        src = _BIB_FIELD_SOURCE.get(name, name)
        raise SourceError(file, entry.field_lines.get(src, entry.line),
                          f"{entry.key}: {validation_message(first)}") from None


def from_bibtex(parsed: ParsedBib, diags: Diagnostics) -> list[BibRecord]:
    """Validate every entry of a parsed ``.bib``; container entries are skipped with a note,
    fields that are unsafe or malformed were left out by the source, and are warned about here
    (an entry whose title is unsafe is skipped)."""
    from lmsdb.sources.bibsteps import CONTAINER_TYPES

    out: list[BibRecord] = []
    for line, message in parsed.warnings:
        diags.warn(parsed.file, line, message)
    for entry in parsed.entries:
        if entry.entry_type in CONTAINER_TYPES:
            diags.note(parsed.file, entry.line, f"@{entry.entry_type}{{{entry.key}}} is a "
                       "volume, not a paper: used only through crossref")
            continue
        for line, message in entry.screened:
            diags.warn(parsed.file, line, message)
        if not entry.skip:
            out.append(from_bib_entry(parsed.file, entry))
    return out
