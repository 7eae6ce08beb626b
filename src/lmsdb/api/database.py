"""The :class:`Database` object: one lmsdb database, and every operation the ``lmsdb``
command offers on it, as methods that return data and raise lmsdb's exceptions."""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO, overload

from lmsdb.api.errors import LmsdbWarning, refusals
from lmsdb.api.options import Years, as_wait, names, years_range
from lmsdb.diagnostics import Diagnostics, UsageError
from lmsdb.store.db import database_exists

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from lmsdb.enrich import Report as EnrichReport
    from lmsdb.exporters.bibtex import Filter
    from lmsdb.progress import Progress
    from lmsdb.query.adhoc import Result
    from lmsdb.query.introspect import Relation
    from lmsdb.query.stats import Stats
    from lmsdb.store.locks import Wait
    from lmsdb.store.migrate import Revisions
    from lmsdb.sync.report import MergeReport, SyncReport


class Database:
    """An lmsdb database (SQLite or PostgreSQL), opened from a SQLAlchemy URL.

    ``url`` None means ``$LMSDB_DATABASE_URL``, else ``sqlite:///lmsdb.sqlite``. An empty
    URL and an in-memory SQLite database are refused (:class:`~lmsdb.diagnostics.UsageError`):
    the data would not outlive the object. Opening creates nothing: the first import (or
    :meth:`migrate`) creates the schema. Use it as a context manager, or :meth:`close` it.
    """

    def __init__(self, url: str | None = None):
        from lmsdb.store.db import check_url, make_engine, resolve_url

        check_url(url)
        self.url: str = resolve_url(url)
        self.engine: Engine = make_engine(self.url)
        check_url(url, self.engine)

    def __repr__(self) -> str:
        return f"<lmsdb.Database {self.engine.url!r}>"

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database's connections (the object can be used again: they reopen)."""
        self.engine.dispose()

    # -- checks every command makes ------------------------------------------------------

    @refusals
    def check_readable(self, *, any_sqlite: bool = False) -> None:
        """Make sure a reading method can run on the database as it is, creating and
        migrating nothing: a missing or empty database is a
        :class:`~lmsdb.diagnostics.UsageError`, another application's SQLite file (unless
        ``any_sqlite``) or an older schema an :class:`~lmsdb.diagnostics.LmsdbError`; a
        database a newer lmsdb wrote is read as it is, with an :class:`LmsdbWarning`."""
        from lmsdb.store.migrate import open_for_reading

        for message in open_for_reading(self.engine, any_sqlite=any_sqlite):
            warnings.warn(message, LmsdbWarning, stacklevel=3)

    @refusals
    def ensure_writable(self, wait: float | Wait | None = None) -> None:
        """Make an existing database ready for a write: its schema is upgraded if it is
        behind (waiting ``wait`` seconds for another writer); a database that does not
        exist is a :class:`~lmsdb.diagnostics.UsageError`, never created."""
        from lmsdb.store.migrate import ensure_schema

        if not database_exists(self.engine):
            raise UsageError(f"no database at {self.engine.url.database}: run `lmsdb import "
                             "LIST.md` first")
        ensure_schema(self.engine, as_wait(wait))

    # -- import ----------------------------------------------------------------------------

    @refusals
    def import_list(self, path: str | os.PathLike[str], *, prune: bool = False,
                    max_delete: int | None = None, lenient: bool = False,
                    prefer_list: bool = False, dry_run: bool = False,
                    wait: float | Wait | None = None, diags: Diagnostics | None = None,
                    progress: Progress | None = None) -> SyncReport:
        """Import (or re-sync) an awesome list in markdown, in one transaction; returns the
        report (``summary()``, ``diff()``, ``changed``).

        ``prune`` deletes what the list no longer has (refused beyond a safe share unless
        ``max_delete`` allows it); ``lenient`` skips a malformed row with a warning;
        ``prefer_list`` takes the list's value where the list and the database both
        changed a field; ``dry_run`` writes nothing. Warnings are added to ``diags``, as
        they are found. A bad line is a :class:`~lmsdb.diagnostics.SourceError` that
        names the file and line, and nothing is written.
        """
        from lmsdb.sync.importer import import_markdown

        if max_delete is not None and not prune:
            raise UsageError("max_delete applies to prune")
        return import_markdown(self.engine, path, prune=prune, dry_run=dry_run,
                               lenient=lenient, diags=diags, progress=progress,
                               max_delete=max_delete, wait=as_wait(wait),
                               prefer_list=prefer_list)

    @refusals
    def merge_bib(self, path: str | os.PathLike[str], *, prefer_bib: bool = False,
                  add_new: bool = False, dry_run: bool = False,
                  wait: float | Wait | None = None,
                  diags: Diagnostics | None = None) -> MergeReport:
        """Merge a ``.bib`` file: each entry is matched to a paper by DOI, arXiv id, then
        title, and fills what the paper lacks; a differing value is a conflict, kept unless
        ``prefer_bib``; ``add_new`` adds entries that match no paper. One transaction."""
        from lmsdb.sync.importer import import_bibtex

        return import_bibtex(self.engine, path, prefer_bib=prefer_bib, add_new=add_new,
                             dry_run=dry_run, diags=diags, wait=as_wait(wait))

    # -- export ----------------------------------------------------------------------------

    @refusals
    def bib_filter(self, *, categories: str | Iterable[str] | None = None,
                   frameworks: str | Iterable[str] | None = None,
                   venues: str | Iterable[str] | None = None, years: Years = None,
                   keys: Iterable[str] | None = None, keys_source: str = "keys",
                   diags: Diagnostics | None = None) -> Filter:
        """The papers :meth:`export_bib` writes, checked against the database.

        A repeated filter means OR, different filters AND; ``years`` is a year, a pair or
        text such as ``"2021-2023"``. An unknown category, framework or venue is an error
        that lists the valid names (exit code 2). ``keys`` (the keys a document cites,
        named ``keys_source`` in messages) adds a note to ``diags`` for an old key of a
        paper (it selects the paper) and a warning for a key no paper has.
        """
        from lmsdb.exporters import bibtex

        diags = diags if diags is not None else Diagnostics()
        cited = frozenset(keys) if keys is not None else None
        span = years_range(years)
        self.check_readable()
        with self.engine.connect() as conn:
            renamed = bibtex.resolve_aliases(conn, cited) if cited else {}
            for old, new in sorted(renamed.items()):
                diags.note(keys_source, None, f"{old!r} is an old key of {new} (lmsdb rekey): "
                           f"exported as {new}, with {old!r} in its ids (biblatex finds it; "
                           f"cite {new} for BibTeX)")
            where = bibtex.Filter(category=names(categories), framework=names(frameworks),
                                  venue=names(venues), years=span,
                                  keys=cited | frozenset(renamed.values()) if cited else cited)
            where.check(conn)
            if cited:
                _missing_keys(conn, cited - set(renamed), keys_source, diags)
        return where

    @overload
    def export_bib(self, out: None = None, **options: Any) -> str: ...

    @overload
    def export_bib(self, out: TextIO, **options: Any) -> int: ...

    @refusals
    def export_bib(self, out: TextIO | None = None, *, unicode: bool = False,
                   preprint_style: str = "eprint", progress: Progress | None = None,
                   **filters: Any) -> str | int:
        """The papers as BibTeX (DBLP-like), one entry per paper: the text, or with
        ``out`` the number of entries written there. ``filters`` are
        :meth:`bib_filter`'s; ``unicode`` keeps non-ASCII characters (for biber);
        ``preprint_style`` is ``"eprint"`` (biblatex) or ``"dblp"`` (``journal = {CoRR}``).
        """
        from lmsdb.exporters import bibtex

        where = self.bib_filter(**filters)
        buffer = io.StringIO()
        with self.engine.connect() as conn:
            n = bibtex.write(conn, buffer if out is None else out, unicode=unicode,
                             where=where, progress=progress, preprint_style=preprint_style)
        return buffer.getvalue() if out is None else n

    @overload
    def export_md(self, out: None = None, *, progress: Progress | None = None) -> str: ...

    @overload
    def export_md(self, out: TextIO, *, progress: Progress | None = None) -> int: ...

    @refusals
    def export_md(self, out: TextIO | None = None, *,
                  progress: Progress | None = None) -> str | int:
        """The awesome list regenerated, in the layout of the list last imported: the
        text, or with ``out`` the number of paper rows written there."""
        from lmsdb.exporters import markdown

        self.check_readable()
        buffer = io.StringIO()
        with self.engine.connect() as conn:
            n = markdown.write(conn, buffer if out is None else out, progress=progress)
        return buffer.getvalue() if out is None else n

    # -- questions -------------------------------------------------------------------------

    @refusals
    def sql(self, query: str, params: dict[str, Any] | None = None, *, write: bool = False,
            timeout: float | None = 5.0, wait: float | Wait | None = None) -> Result:
        """Run one SQL statement; returns its ``columns``, ``rows`` and (a write) ``rowcount``.

        Read-only unless ``write``: a statement that would change the database is refused
        by the engine itself (:class:`~lmsdb.query.adhoc.QueryError`). ``:name``
        parameters are bound from ``params``; ``timeout`` seconds stop a long query (None
        or 0: no limit). A write upgrades an older schema first and takes the writer lock.
        """
        from lmsdb.query import adhoc

        if write:
            self.ensure_writable(wait)
        elif database_exists(self.engine):
            self.check_readable(any_sqlite=True)
        return adhoc.run(self.engine, query, dict(params or {}), write=write,
                         timeout=timeout or None, wait=as_wait(wait))

    @refusals
    def search(self, terms: str | Iterable[str], *, limit: int = 20,
               highlight: bool = True) -> Result:
        """Full-text search over titles and authors, best match first: ``columns`` and
        ``rows`` (key, year, venue, title, authors, score). All words must match; ``"a
        phrase"``, ``prefix*``, ``OR`` and ``-word`` work as in ``lmsdb search``; matches
        are marked ``[like this]`` unless ``highlight`` is false; ``limit`` 0: all."""
        from lmsdb.query.search import search

        self.check_readable()
        return search(self.engine, terms if isinstance(terms, str) else " ".join(terms),
                      limit=limit, highlight=highlight)

    @refusals
    def stats(self) -> Stats:
        """Counts: papers, unlisted papers, per year, venue, framework and category
        (``as_json()`` gives plain data)."""
        from lmsdb.query import stats

        self.check_readable()
        with self.engine.connect() as conn:
            return stats.collect(conn)

    @refusals
    def show(self, key: str) -> dict[str, Any]:
        """One paper as plain data (every field, venue, authors, frameworks, sections, URLs,
        provenance), by its citation key or an old key;
        :class:`~lmsdb.query.show.UnknownKey` if none."""
        from lmsdb.query import show

        self.check_readable()
        with self.engine.connect() as conn:
            return show.load(conn, key)

    @refusals
    def schema(self) -> list[Relation]:
        """The tables, views and search index as they are in the database."""
        from lmsdb.query import introspect

        self.check_readable()
        return introspect.describe(self.engine)

    # -- maintenance -----------------------------------------------------------------------

    @refusals
    def enrich(self, *, sources: Iterable[str] | None = None, refresh: bool = False,
               dry_run: bool = False, offline: bool = False, apply_venues: bool = False,
               mailto: str | None = None, cache_dir: str | os.PathLike[str] | None = None,
               category: str | None = None, framework: str | None = None,
               venue: str | None = None, years: Years = None,
               keys: Iterable[str] | None = None, wait: float | Wait | None = None,
               progress: Any = None) -> EnrichReport:
        """Fill authors, DOIs, pages, ... from DBLP, Crossref, arXiv and Semantic Scholar
        (``sources``, default all), as ``lmsdb enrich`` does; answers are cached on disk
        (``cache_dir``); ``offline`` asks the cache only. Each batch is committed; returns
        the report (``summary()``, ``problems.failed`` when a source failed)."""
        from pathlib import Path

        from lmsdb import enrich
        from lmsdb.exporters.bibtex import Filter

        chosen = tuple(sources) if sources is not None else enrich.SOURCES
        unknown = [s for s in chosen if s not in enrich.SOURCES]
        if unknown or not chosen:
            raise UsageError(f"sources: {', '.join(unknown) or 'none'}: choose among "
                             f"{','.join(enrich.SOURCES)}")
        if refresh and offline:
            raise UsageError("refresh and offline exclude each other")
        where = Filter(category=category, framework=framework, venue=venue,
                       years=years_range(years), keys=frozenset(keys) if keys is not None else None)
        opts = enrich.Options(sources=chosen, refresh=refresh, dry_run=dry_run,
                              offline=offline, apply_venues=apply_venues, mailto=mailto,
                              cache_dir=Path(cache_dir) if cache_dir else None)
        if dry_run:
            self.check_readable()
        else:
            self.ensure_writable(wait)
        return enrich.run(self.engine, opts, where=where, progress=progress)

    @refusals
    def rekey(self, *, dry_run: bool = False,
              wait: float | Wait | None = None) -> list[tuple[int, str, str]]:
        """Regenerate every citation key with the current scheme, in one transaction;
        returns ``(paper id, old key, new key)`` for each change (old keys stay aliases)."""
        from lmsdb.store.locks import writing
        from lmsdb.sync import rekey

        self.ensure_writable(wait)
        with writing(self.engine, as_wait(wait)) as conn:
            return rekey.rekey(conn, dry_run=dry_run)

    @refusals
    def migrate(self, *, wait: float | Wait | None = None) -> Revisions:
        """Create or upgrade the schema to the newest revision; returns the revisions
        ``before`` and ``after``."""
        from lmsdb.store import migrate

        return migrate.upgrade(self.engine, wait=as_wait(wait))


def open(url_or_path: str | os.PathLike[str] | None = None) -> Database:  # noqa: A001
    """Open the database at a SQLAlchemy URL (``sqlite:///papers.sqlite``,
    ``postgresql://user@host/db``) or at a SQLite file's path; None: as the command does
    (``$LMSDB_DATABASE_URL``, else ``./lmsdb.sqlite``).

    >>> import lmsdb
    >>> lmsdb.open("papers.sqlite").url
    'sqlite:///papers.sqlite'
    >>> lmsdb.open("sqlite://")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lmsdb.diagnostics.UsageError: --db sqlite://: an in-memory SQLite database keeps nothing ...
    """
    if url_or_path is None:
        return Database(None)
    text = os.fspath(url_or_path)
    if isinstance(url_or_path, os.PathLike) or ("://" not in text and text.strip()):
        text = "sqlite:///" + text
    return Database(text)


def _missing_keys(conn: Any, keys: frozenset[str] | set[str], source: str,
                  diags: Diagnostics) -> None:
    """A warning for each cited key that no paper has, with the likeliest meant ones."""
    from sqlalchemy import text

    from lmsdb.exporters.bibtex import closest_keys

    rows = conn.execute(text("SELECT citation_key, arxiv_id, doi FROM papers")).all()
    known = sorted(r[0] for r in rows)
    # Aliases: a paper cited by its arXiv id or DOI (as some tools write keys).
    aliases = {a.lower(): r[0] for r in rows for a in r[1:] if a}
    for k in sorted(keys - set(known)):
        alias = aliases.get(k.lower().removeprefix("arxiv:").removeprefix("doi:"))
        near = [alias] if alias else closest_keys(k, known)
        what = "the paper with that identifier is" if alias else "closest:"
        hint = f" ({what} {', '.join(near)})" if near else ""
        diags.warn(source, None, f"{k!r} is cited but is no paper's key{hint}")
