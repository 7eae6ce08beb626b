"""Write the database as BibTeX, one DBLP-like entry per paper.

Entries are formatted with plain string building rather than bibtexparser's writer: at
100,000 entries the library's writer (which deep-copies the library) costs far more than the
rest of the export, and the format we write is simple. The tests parse our output back with
bibtexparser and pybtex, and run the real ``bibtex`` on it, to prove it is well-formed.

An export runs two SQL statements whatever the number of papers and filters: one for the
papers with their venues, one for the authors of those papers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from sqlalchemy import ColumnElement, Connection, and_, exists, func, or_, select

from lmsdb.cli.forkjoin import two_way
from lmsdb.cli.gcpause import paused_gc
from lmsdb.diagnostics import LmsdbError
from lmsdb.domain.latex import name_to_latex, title_to_latex
from lmsdb.exporters import tables
from lmsdb.progress import STEP, NoProgress, Progress

papers_t = tables.papers
venues_t = tables.venues
authors_t = tables.authors
pa_t = tables.paper_authors
categories_t = tables.categories
aliases_t = tables.paper_aliases
venue_aliases_t = tables.venue_aliases
pc_t = tables.paper_categories
frameworks_t = tables.frameworks
pf_t = tables.paper_frameworks
urls_t = tables.paper_urls


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
    published_url: str | None
    authors: tuple[tuple[str, str | None], ...] = ()


def _many(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class Filter:
    """Which papers to export: a repeated filter means OR (``--venue OSDI --venue SOSP``),
    different filters combine with AND. ``category``, ``framework`` and ``venue`` take one
    name or a tuple of names."""

    category: str | tuple[str, ...] | None = None
    framework: str | tuple[str, ...] | None = None
    venue: str | tuple[str, ...] | None = None
    years: tuple[int, int] | None = None
    keys: frozenset[str] | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        if cats := [c.lower() for c in _many(self.category)]:
            conds.append(exists().where(
                pc_t.c.paper_id == papers_t.c.id, pc_t.c.category_id == categories_t.c.id,
                func.lower(categories_t.c.name).in_(cats)))
        if fws := [f.lower() for f in _many(self.framework)]:
            conds.append(exists().where(
                pf_t.c.paper_id == papers_t.c.id, pf_t.c.framework_id == frameworks_t.c.id,
                or_(func.lower(frameworks_t.c.slug).in_(fws),
                    func.lower(frameworks_t.c.name).in_(fws))))
        if wanted := _many(self.venue):
            from lmsdb.domain.venues import alias_key

            names = [venue_name(v).lower() for v in wanted]
            conds.append(or_(
                papers_t.c.venue_id.in_(
                    select(venues_t.c.id).where(func.lower(venues_t.c.name).in_(names))),
                # a spelling of a venue defined with `lmsdb venue add`
                papers_t.c.venue_id.in_(select(venue_aliases_t.c.venue_id).where(
                    venue_aliases_t.c.key.in_([alias_key(v) for v in wanted])))))
        if self.years is not None:
            conds.append(papers_t.c.year.between(*self.years))
        if self.keys is not None:
            conds.append(papers_t.c.citation_key.in_(sorted(self.keys)))
        return conds

    def check(self, conn: Connection) -> None:
        """Refuse a category, framework or venue that names nothing (a typo would otherwise
        export nothing and say so only by its silence), listing the valid names."""
        from lmsdb.domain.venues import alias_key, lookup

        cats = list(conn.execute(select(categories_t.c.name).order_by(categories_t.c.position))
                    .scalars())
        fws = conn.execute(select(frameworks_t.c.slug, frameworks_t.c.name)
                           .order_by(frameworks_t.c.position)).all()
        vens = sorted(conn.execute(select(venues_t.c.name)).scalars())
        user = set(conn.execute(select(venue_aliases_t.c.key)).scalars())  # `venue add`
        for c in _many(self.category):
            if c.lower() not in {x.lower() for x in cats}:
                raise UnknownName("category", c, cats)
        for f in _many(self.framework):
            if f.lower() not in {x.lower() for row in fws for x in row}:
                raise UnknownName("framework", f, [slug for slug, _ in fws])
        for v in _many(self.venue):
            known = lookup(v)
            if venue_name(v).lower() not in {x.lower() for x in vens} and not (
                    known is not None and known.known) and alias_key(v) not in user:
                raise UnknownName("venue", v, vens)


class UnknownName(LmsdbError):
    """A filter names no category, framework or venue (exit code 2)."""

    exit_code = 2

    def __init__(self, what: str, name: str, valid: list[str]):
        super().__init__(f"no {what} named {name!r}; the database has: "
                         + (", ".join(valid) or "none"))


def venue_name(name: str) -> str:
    """The catalogue's name for any spelling it knows (``NeuraIPS`` is ``NeurIPS``)."""
    from lmsdb.domain.venues import lookup

    v = lookup(name)
    return v.name if v is not None else name


def parse_years(text: str) -> tuple[int, int]:
    """``2021-2023`` or ``2022`` as an inclusive range.

    >>> parse_years("2021-2023"), parse_years("2022")
    ((2021, 2023), (2022, 2022))
    """
    m = re.fullmatch(r"\s*(\d{4})\s*(?:[-\u2013]|--|\.\.)\s*(\d{4})\s*|\s*(\d{4})\s*", text)
    if m is None:
        raise ValueError(f"{text!r} is not a year or a range like 2021-2023")
    if m.group(3):
        y = int(m.group(3))
        return y, y
    lo, hi = int(m.group(1)), int(m.group(2))
    if lo > hi:
        raise ValueError(f"{text!r}: the range is backwards")
    return lo, hi


_CITATION = re.compile(r"\\citation\{([^}]*)\}")
_BIBLATEX_CITE = re.compile(r"\\abx@aux@cite\{(?:[^{}]*\}\{)?([^{}]*)\}")
_AUX_INPUT = re.compile(r"\\@input\{([^}]*)\}")
_BCF_KEY = re.compile(r"<bcf:citekey\b[^>]*>([^<]*)</bcf:citekey>")


def read_keys(path: str | Path) -> frozenset[str] | None:
    """The keys a LaTeX document cites, from any of: a BibTeX ``.aux`` (``\\citation{a,b}``),
    a biblatex ``.aux`` (``\\abx@aux@cite{0}{a}``), biber's ``.bcf`` (``<bcf:citekey>``), or
    a plain list of keys, one per line (``%`` starts a comment); ``-`` is standard input.
    ``\\@input{chap1.aux}`` is followed. None when the document cites ``*`` (every entry).
    """
    keys: set[str] = set()
    seen: set[Path] = set()
    todo: list[Path | None] = [None if str(path) == "-" else Path(path)]
    while todo:
        p = todo.pop()
        if p is None:
            import sys

            text, base = sys.stdin.read(), Path(".")
        else:
            if p in seen or not p.exists():
                continue
            seen.add(p)
            text, base = p.read_text(encoding="utf-8", errors="replace"), p.parent
        keys |= _keys_in(text)
        todo += [base / m.group(1) for m in _AUX_INPUT.finditer(text)]
    return None if "*" in keys else frozenset(keys)


def _keys_in(text: str) -> set[str]:
    found = [k for m in _CITATION.finditer(text) for k in m.group(1).split(",")]
    found += [m.group(1) for m in _BIBLATEX_CITE.finditer(text)]
    found += [m.group(1) for m in _BCF_KEY.finditer(text)]
    if not found and "\\" not in text and "<" not in text:  # a plain list of keys
        found = [line.split("%", 1)[0] for line in text.splitlines()]
    return {k.strip() for k in found if k.strip()}


aux_keys = read_keys  # the name it had when only .aux files were read


def closest_keys(key: str, known: list[str], n: int = 3) -> list[str]:
    """Known keys that look like ``key`` (a typo, or the key before a ``rekey``)."""
    import difflib

    return difflib.get_close_matches(key, known, n=n, cutoff=0.6)


def _fetch(conn: Connection, where: Filter | None
           ) -> tuple[list[tuple[Any, ...]], dict[int, list[tuple[str, str | None]]]]:
    """The papers that pass ``where`` as driver tuples in :class:`BibRow` order (without
    ``authors``), sorted by key, and the authors of those papers by paper id.

    Two statements in all: the papers, then the authors of exactly those papers.
    """
    conds = (where or Filter()).conditions()
    cond = and_(*conds) if conds else None
    q = (
        select(papers_t.c.id, papers_t.c.citation_key, papers_t.c.title, papers_t.c.year,
               papers_t.c.url, papers_t.c.doi, papers_t.c.arxiv_id, papers_t.c.pages,
               papers_t.c.publisher, papers_t.c.volume, papers_t.c.number,
               papers_t.c.primary_class, papers_t.c.note, venues_t.c.name,
               venues_t.c.full_name, venues_t.c.kind, _published_url())
        .select_from(papers_t.outerjoin(venues_t, papers_t.c.venue_id == venues_t.c.id))
    )
    aq = (select(pa_t.c.paper_id, authors_t.c.family, authors_t.c.given)
          .join(authors_t, authors_t.c.id == pa_t.c.author_id)
          .order_by(pa_t.c.paper_id, pa_t.c.position))
    if cond is not None:
        q = q.where(cond)
        aq = aq.where(pa_t.c.paper_id.in_(select(papers_t.c.id).where(cond)))
    by_paper: dict[int, list[tuple[str, str | None]]] = {}
    for pid, family, given in conn.execute(aq):
        by_paper.setdefault(pid, []).append((family, given))
    # The driver's own tuples: every selected column is an int or a str on SQLite and
    # PostgreSQL alike, so SQLAlchemy's row processing would only add time. Sorted here
    # rather than by ORDER BY: SQLite would walk the key index and fetch each row from the
    # table (twice the time of a scan and a sort in Python at 100,000 papers), and
    # Python's order is the same on every backend, whatever its collation.
    papers = [tuple(r) for r in conn.execute(q).cursor.fetchall()]
    papers.sort(key=itemgetter(1))
    return papers, by_paper


def _published_url() -> Any:
    """The paper's first other link that is no preprint's (a correlated subquery, so that
    the export stays at two statements)."""
    u = urls_t.alias("u")
    preprint = or_(*(u.c.url.like(f"%{h}%") for h in _PREPRINT_HOSTS))
    return (select(func.min(u.c.url)).where(u.c.paper_id == papers_t.c.id, ~preprint)
            .scalar_subquery())


_PREPRINT_HOSTS = ("arxiv.org", "biorxiv.org", "medrxiv.org", "ssrn.com", "researchgate.net",
                   "github.io", "10.48550/")


def rows(conn: Connection, where: Filter | None = None) -> list[BibRow]:
    """The papers that pass ``where``, with venue and authors, in citation-key order."""
    papers, by_paper = _fetch(conn, where)
    return [BibRow._make(r + (tuple(by_paper.get(r[0], ())),)) for r in papers]


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


ARXIV_DOI_PREFIX = "10.48550/"
PMLR_SERIES = "Proceedings of Machine Learning Research"
_PMLR_URL = re.compile(r"//proceedings\.mlr\.press/v(\d+)/")
PREPRINT_STYLES = ("eprint", "dblp")


def _is_preprint_link(url: str | None) -> bool:
    return bool(url) and any(h in url.lower() for h in _PREPRINT_HOSTS)  # type: ignore[union-attr]


def _arxiv_of_doi(doi: str) -> str | None:
    """``10.48550/arXiv.2306.00978`` -> ``2306.00978``."""
    rest = doi[len(ARXIV_DOI_PREFIX):]
    return rest[6:] if rest.lower().startswith("arxiv.") else None


def needs_full_format(row: tuple[Any, ...], preprint_style: str) -> bool:
    """Whether a row without authors or .bib fields still needs :func:`format_entry`: a
    PMLR link (series and volume), an arXiv DOI, a published link to prefer, or a preprint
    written DBLP's way."""
    url, doi = row[4] or "", row[5] or ""
    return bool(
        "mlr.press" in url or doi.startswith(ARXIV_DOI_PREFIX) or row[16]
        or (preprint_style == "dblp" and row[13] is None and row[6]))


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
    if not row.authors and row[7:13] == _BARE and not needs_full_format(row, preprint_style):
        return _format_bare(row, unicode)
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


_BARE = (None,) * 6  # pages, publisher, volume, number, primary_class, note all empty


def _format_bare(row: tuple[Any, ...], unicode: bool) -> str:
    """``format_entry`` for a paper with only the list's own fields and no authors (most
    entries until a .bib is merged): the same text as one f-string, on the driver's tuple
    in :class:`BibRow` order, which halves the per-entry cost of a 100,000-entry export."""
    title = title_to_latex(row[2], unicode=unicode)
    venue_name, kind = row[13], row[15]
    if venue_name is None:
        entry = "misc"
        venue = ""
        ids = (f",\n  eprint = {_braced(row[6])},\n  archivePrefix = {{arXiv}}"
               if row[6] else "")
    else:
        entry, field = (("article", "journal") if kind == "journal"
                        else ("inproceedings", "booktitle"))
        venue = f",\n  {field} = {_venue_text(row[14] or venue_name, unicode)}"
        ids = ""
    doi = f",\n  doi = {_braced(row[5])}" if row[5] else ""
    url = f",\n  url = {_braced(row[4])}" if row[4] else ""
    return (f"@{entry}{{{row[1]},\n  title = {{{title}}}{venue},\n  year = {{{row[3]}}}"
            f"{ids}{doi}{url}\n}}\n")


def old_keys(conn: Connection) -> dict[int, list[str]]:
    """The keys papers had before ``lmsdb rekey``, by paper id, in alphabetical order."""
    out: dict[int, list[str]] = {}
    for pid, alias in conn.execute(select(aliases_t.c.paper_id, aliases_t.c.alias)
                                   .order_by(aliases_t.c.alias)):
        out.setdefault(pid, []).append(alias)
    return out


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


def resolve_aliases(conn: Connection, keys: frozenset[str]) -> dict[str, str]:
    """Old keys among ``keys`` (cited by a .aux), mapped to the paper's current key."""
    if not keys:
        return {}
    q = (select(aliases_t.c.alias, papers_t.c.citation_key)
         .join(papers_t, papers_t.c.id == aliases_t.c.paper_id)
         .where(aliases_t.c.alias.in_(sorted(keys))))
    return dict(conn.execute(q).all())


def write(conn: Connection, out: TextIO, *, unicode: bool = False,
          where: Filter | None = None, progress: Progress | None = None,
          preprint_style: str = "eprint") -> int:
    """Write every paper that passes ``where`` as a BibTeX entry; returns the count."""
    progress = NoProgress() if progress is None else progress
    with paused_gc():
        papers, by_paper = _fetch(conn, where)
        ids = old_keys(conn)
        progress.total = len(papers)
        make, get, full = BibRow._make, by_paper.get, needs_full_format
        owner = os.getpid()  # only this process draws the progress bar, not a forked child
        reported = [0]

        def entries(part: Sequence[tuple[Any, ...]]) -> str:
            texts: list[str] = []
            report = os.getpid() == owner
            for k, r in enumerate(part, 1):
                if report and k % STEP == 0:
                    progress.update(STEP)
                    reported[0] += STEP
                authors = get(r[0])
                if authors is None and r[7:13] == _BARE and not full(r, preprint_style):
                    text = _format_bare(r, unicode)
                else:
                    text = format_entry(make(r + (tuple(authors or ()),)),
                                        unicode=unicode, preprint_style=preprint_style)
                if r[0] in ids:
                    text = with_ids(text, ids[r[0]])
                texts.append(text)
            return "\n".join(texts)

        # Large exports format their second half in a forked child (both cores).

        head, tail = two_way(entries, papers)
        progress.update(len(papers) - reported[0])
        out.write(head)
        if head and tail:
            out.write("\n")
        out.write(tail)
        n = len(papers)
    return n
