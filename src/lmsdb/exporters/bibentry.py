"""One BibTeX entry's text, DBLP-like, from one paper's row (see :mod:`.bibrows`).

Entries are formatted with plain string building rather than bibtexparser's writer: at
100,000 entries the library's writer (which deep-copies the library) costs far more than the
rest of the export, and the format we write is simple. The tests parse our output back with
bibtexparser and pybtex, and run the real ``bibtex`` on it, to prove it is well-formed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from operator import itemgetter
from typing import Any

from lmsdb.domain.latex import name_to_latex, title_to_latex
from lmsdb.exporters.bibrows import INDEX, NO_BIB_ONLY, PREPRINT_HOSTS, SELECTED, BibRow, bib_only

ARXIV_DOI_PREFIX = "10.48550/"
PMLR_SERIES = "Proceedings of Machine Learning Research"
_PMLR_URL = re.compile(r"//proceedings\.mlr\.press/v(\d+)/")
PREPRINT_STYLES = ("eprint", "dblp")


def _braced(value: str) -> str:
    """A field value in braces; URLs and DOIs must not unbalance them."""
    if "{" in value or "}" in value:
        value = value.replace("{", "%7B").replace("}", "%7D")
    return "{" + value + "}"


def entry_type(row: BibRow) -> str:
    """``@article`` for journals, ``@inproceedings`` for other venues, ``@misc`` without one."""
    if row.venue is None:
        return "misc"
    return "article" if row.venue_kind == "journal" else "inproceedings"


def format_pages(pages: str) -> str:
    """A page range with BibTeX's en dash ``--``.

    >>> format_pages("12-34"), format_pages("559--578"), format_pages("20")
    ('12--34', '559--578', '20')
    """
    return re.sub(r"\s*(?:-+|\u2013|\u2014)\s*", "--", pages.strip())


def format_author(family: str, given: str | None, *, unicode: bool = False) -> str:
    """``Family, Given``; a family name alone is braced if it has spaces (``{Google Brain}``)."""
    fam = name_to_latex(family, unicode=unicode)
    if given:
        return f"{fam}, {name_to_latex(given, unicode=unicode)}"
    return "{" + fam + "}" if " " in family else fam


@lru_cache(maxsize=4096)
def _venue_text(value: str, unicode: bool) -> str:
    """Venue and publisher names repeat across entries: convert each once."""
    return "{" + title_to_latex(value, unicode=unicode) + "}"


def _is_preprint_link(url: str | None) -> bool:
    return bool(url) and any(h in url.lower() for h in PREPRINT_HOSTS)  # type: ignore[union-attr]


def _arxiv_of_doi(doi: str) -> str | None:
    """``10.48550/arXiv.2306.00978`` -> ``2306.00978``."""
    rest = doi[len(ARXIV_DOI_PREFIX):]
    return rest[6:] if rest.lower().startswith("arxiv.") else None


_URL, _DOI, _ARXIV, _VENUE = INDEX["url"], INDEX["doi"], INDEX["arxiv_id"], INDEX["venue"]


def needs_full_format(row: tuple[Any, ...], preprint_style: str) -> bool:
    """Whether a row without authors or a published link still needs the full format: a
    .bib-only field (pages, publisher, ...), a PMLR link (series and volume), an arXiv DOI,
    or a preprint written DBLP's way."""
    url, doi = row[_URL], row[_DOI]
    return (bib_only(row) != NO_BIB_ONLY or (url is not None and "mlr.press" in url)
            or (doi is not None and doi.startswith(ARXIV_DOI_PREFIX))
            or (preprint_style == "dblp" and row[_VENUE] is None and bool(row[_ARXIV])))


_N_SELECTED = len(SELECTED)


def entry(row: tuple[Any, ...], authors: Any, published_url: str | None, unicode: bool,
          preprint_style: str) -> str:
    """The entry of a row of the :data:`~.bibrows.SELECTED` fields (a driver tuple or a
    :class:`BibRow`), its authors (``(family, given)`` pairs, or None) and published link.

    Most entries (until a .bib is merged) have only the list's own fields and no authors:
    they take :func:`_format_short`, the same text as :func:`_format_full` made in one
    f-string, which halves the per-entry cost of a 100,000-entry export."""
    if not authors and not published_url and not needs_full_format(row, preprint_style):
        return _format_short(row, unicode)
    return _format_full(BibRow(*row[:_N_SELECTED], published_url, tuple(authors or ())),
                        unicode, preprint_style)


def format_entry(row: BibRow, *, unicode: bool = False, preprint_style: str = "eprint") -> str:
    """One entry, as DBLP writes it: author, title, booktitle/journal, series, volume, pages,
    publisher, year, eprint, doi, url.

    A published entry (one with a venue) never carries an arXiv DOI (``10.48550/...``): its
    arXiv id goes to ``eprint``; its URL is the published one when the database knows one
    (a non-preprint link, or the DOI) rather than arXiv's; a PMLR link gives ``series``,
    ``volume`` and ``publisher``. A preprint is ``@misc`` with ``eprint``/``archivePrefix``,
    or with ``preprint_style="dblp"`` an ``@article`` in ``journal = {CoRR}``, ``volume =
    {abs/ID}``, which natbib's styles print as DBLP does ("CoRR, abs/2306.00978").
    """
    return entry(row, row.authors, row.published_url, unicode, preprint_style)


def _format_full(row: BibRow, unicode: bool, preprint_style: str) -> str:
    kind = "misc" if row.venue is None else (
        "article" if row.venue_kind == "journal" else "inproceedings")
    doi, arxiv, url = row.doi, row.arxiv_id, row.url
    corr = preprint_style == "dblp" and kind == "misc" and bool(arxiv)
    volume, series, publisher = row.volume, None, row.publisher
    if kind != "misc":
        if doi and doi.startswith(ARXIV_DOI_PREFIX):
            arxiv, doi = arxiv or _arxiv_of_doi(doi), None
        if _is_preprint_link(url):
            url = row.published_url or (f"https://doi.org/{doi}" if doi else None) or url
        pmlr = _PMLR_URL.search(row.url or "") or _PMLR_URL.search(row.published_url or "")
        if pmlr:
            series = PMLR_SERIES
            volume, publisher = volume or pmlr.group(1), publisher or "PMLR"
    # Built as one list of lines: this runs 100,000 times in a large export.
    lines = [f"@{'article' if corr else kind}{{{row.key}"]
    if row.authors:
        lines.append("  author = {" + " and ".join(
            [format_author(f, g, unicode=unicode) for f, g in row.authors]) + "}")
    lines.append("  title = {" + title_to_latex(row.title, unicode=unicode) + "}")
    if corr:
        lines.append("  journal = {CoRR}")
        lines.append("  volume = " + _braced(f"abs/{arxiv}"))
    if kind != "misc":
        venue = row.venue_full or row.venue or ""
        if kind == "inproceedings":
            lines.append("  booktitle = " + _venue_text(venue, unicode))
            if series:
                lines.append("  series = " + _braced(series))
            if volume:
                lines.append("  volume = {" + name_to_latex(volume, unicode=unicode) + "}")
        else:
            lines.append("  journal = " + _venue_text(venue, unicode))
            # plain.bst warns about volume together with number in @inproceedings, so only
            # journals carry a number, as DBLP's entries do.
            if volume:
                lines.append("  volume = {" + name_to_latex(volume, unicode=unicode) + "}")
            if row.number:
                lines.append("  number = {" + name_to_latex(row.number, unicode=unicode) + "}")
        if row.pages:
            lines.append("  pages = " + _braced(format_pages(row.pages)))
        if publisher:
            lines.append("  publisher = " + _venue_text(publisher, unicode))
    lines.append(f"  year = {{{row.year}}}")
    if arxiv and (kind == "misc" or arxiv != row.arxiv_id or row.doi != doi):
        # A preprint, or a published entry whose arXiv DOI moved here.
        lines.append("  eprint = " + _braced(arxiv))
        lines.append("  eprinttype = {arXiv}" if corr else "  archivePrefix = {arXiv}")
        if row.primary_class and not corr:
            lines.append("  primaryClass = " + _braced(row.primary_class))
    if doi:
        lines.append("  doi = " + _braced(doi))
    if url:
        lines.append("  url = " + _braced(url))
    if row.note:
        lines.append("  note = {" + title_to_latex(row.note, unicode=unicode) + "}")
    return ",\n".join(lines) + "\n}\n"


_short_fields = itemgetter(*(INDEX[f] for f in (
    "key", "title", "year", "url", "doi", "arxiv_id", "venue", "venue_full", "venue_kind")))


def _format_short(row: tuple[Any, ...], unicode: bool) -> str:
    """:func:`_format_full` for a paper with only the list's own fields, in one f-string."""
    key, title, year, url, doi, arxiv, venue_name, venue_full, kind = _short_fields(row)
    if venue_name is None:
        etype = "misc"
        venue = ""
        ids = f",\n  eprint = {_braced(arxiv)},\n  archivePrefix = {{arXiv}}" if arxiv else ""
    else:
        etype, field = (("article", "journal") if kind == "journal"
                        else ("inproceedings", "booktitle"))
        venue = f",\n  {field} = {_venue_text(venue_full or venue_name, unicode)}"
        ids = ""
    doi_field = f",\n  doi = {_braced(doi)}" if doi else ""
    url_field = f",\n  url = {_braced(url)}" if url else ""
    return (f"@{etype}{{{key},\n  title = {{{title_to_latex(title, unicode=unicode)}}}{venue},"
            f"\n  year = {{{year}}}{ids}{doi_field}{url_field}\n}}\n")


def with_ids(entry: str, aliases: list[str]) -> str:
    r"""The entry with biblatex's ``ids`` field: ``\cite{old}`` still finds it.

    >>> print(with_ids("@misc{new2020,\n  title = {T}\n}\n", ["old2020"]), end="")
    @misc{new2020,
      ids = {old2020},
      title = {T}
    }
    """
    head, _, rest = entry.partition("\n")
    return f"{head}\n  ids = {{{','.join(aliases)}}},\n{rest}"
