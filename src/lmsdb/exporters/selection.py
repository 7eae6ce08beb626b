"""Which papers an export takes: the filters of ``export bib`` (and ``enrich``), year ranges,
and the keys a LaTeX document cites (``--keys``), old keys included.

A repeated filter means OR, different filters AND; a filter that names nothing known is an
error that lists the valid names, rather than an export that is silently empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, Connection, exists, func, or_, select

from lmsdb.diagnostics import LmsdbError
from lmsdb.store.tables import (
    aliases_t,
    categories_t,
    frameworks_t,
    papers_t,
    pc_t,
    pf_t,
    venue_aliases_t,
    venues_t,
)


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


# Its public name, which tracebacks and the API's examples show: lmsdb.exporters.bibtex.
UnknownName.__module__ = "lmsdb.exporters.bibtex"


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


def resolve_aliases(conn: Connection, keys: frozenset[str]) -> dict[str, str]:
    """Old keys among ``keys`` (cited by a .aux), mapped to the paper's current key."""
    if not keys:
        return {}
    q = (select(aliases_t.c.alias, papers_t.c.citation_key)
         .join(papers_t, papers_t.c.id == aliases_t.c.paper_id)
         .where(aliases_t.c.alias.in_(sorted(keys))))
    return dict(conn.execute(q).all())
