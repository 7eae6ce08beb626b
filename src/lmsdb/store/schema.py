"""The schema, as SQLAlchemy 2 typed declarative models.

Alembic revisions in ``migrations/`` are the only way this schema reaches a database; the
models are what ``alembic check`` compares the migrated database against. They declare
tables and constraints only, no ORM relationships: lmsdb reads and writes rows through the
models' own Core tables (:mod:`lmsdb.store.tables`), never through a ``Session``.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, MetaData, String, Text, false, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# One naming convention for every constraint, so that SQLite batch migrations and
# PostgreSQL give constraints the same, predictable names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Venue(Base):
    """Where a paper appeared: a conference, journal, workshop or tutorial."""

    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))
    known: Mapped[bool] = mapped_column(Boolean, default=True)
    # Defined with `lmsdb venue add` (revision 0008) rather than taken from the catalogue.
    user_defined: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class VenueAlias(Base):
    """Another spelling of a user venue, stored as its lookup key (see ``venues.alias_key``)."""

    __tablename__ = "venue_aliases"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    venue_id: Mapped[int] = mapped_column(
        ForeignKey("venues.id", ondelete="CASCADE"), index=True
    )
    alias: Mapped[str] = mapped_column(String(300))


class Paper(Base):
    """One paper, however many sections of the list mention it."""

    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    citation_key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer, index=True)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"), index=True)
    arxiv_id: Mapped[str | None] = mapped_column(String(50), index=True)
    doi: Mapped[str | None] = mapped_column(String(200), index=True)
    openreview_id: Mapped[str | None] = mapped_column(String(100))
    # Bibliographic details, filled from merged .bib files (revision 0002).
    pages: Mapped[str | None] = mapped_column(String(50))
    publisher: Mapped[str | None] = mapped_column(String(300))
    volume: Mapped[str | None] = mapped_column(String(50))
    number: Mapped[str | None] = mapped_column(String(50))
    primary_class: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(Text)
    # The words as the search index reads them, computed by lmsdb.store.searchtext whenever lmsdb
    # writes a title or authors (revision 0009); search_vector holds their stems for
    # PostgreSQL.
    search_title: Mapped[str | None] = mapped_column(Text)
    search_authors: Mapped[str | None] = mapped_column(Text)
    search_vector: Mapped[str | None] = mapped_column(Text)
    # The metadata services' own ids, written by `lmsdb enrich` (revision 0007) for later
    # lookups: DBLP's record key (conf/osdi/ZhengLZZCHWXZXG22) and Semantic Scholar's paperId.
    dblp_key: Mapped[str | None] = mapped_column(String(200))
    s2_id: Mapped[str | None] = mapped_column(String(100))


class PaperAlias(Base):
    """A citation key the paper had before `lmsdb rekey` gave it a new one."""

    __tablename__ = "paper_aliases"

    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), index=True
    )


class PaperBase(Base):
    """What the list said about a paper at its last import: the base of the three-way sync.

    ``frameworks`` (slugs) and ``categories`` (section names) are newline-joined, in order.
    A paper without a row here was never in an imported list (added with `lmsdb add`, or
    from a .bib).
    """

    __tablename__ = "paper_base"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    venue: Mapped[str | None] = mapped_column(String(200))
    frameworks: Mapped[str] = mapped_column(Text, default="")
    categories: Mapped[str] = mapped_column(Text, default="")


class RemovedPaper(Base):
    """A listed paper removed with `lmsdb rm`: the next import does not bring it back.

    ``keys`` holds its identity keys (arXiv id, DOI, URL, title; newline-joined), by which
    a row of the list is recognised as this paper. The row goes once the list drops the
    paper too.
    """

    __tablename__ = "removed_papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    citation_key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    keys: Mapped[str] = mapped_column(Text)


class Author(Base):
    """A person, as ``Family, Given``; ``key`` (folded family|given) keeps one row per name."""

    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    family: Mapped[str] = mapped_column(String(200), index=True)
    given: Mapped[str | None] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(400), unique=True)


class PaperAuthor(Base):
    """An author of a paper, at ``position`` (0-based) in the paper's author list."""

    __tablename__ = "paper_authors"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(
        ForeignKey("authors.id", ondelete="CASCADE"), index=True
    )
    # The ORCID a metadata service gives for this author of this paper (revision 0007);
    # kept per paper, not per person, because ``authors`` rows are people by name only.
    orcid: Mapped[str | None] = mapped_column(String(40))


class PaperUrl(Base):
    """Other links to a paper (a preprint beside the proceedings URL), kept rather than lost."""

    __tablename__ = "paper_urls"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(String(1000), primary_key=True)


class Framework(Base):
    """A system from the list's Frameworks table, identified by its anchor (``ds``)."""

    __tablename__ = "frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    training: Mapped[bool] = mapped_column(Boolean, default=False)
    inference: Mapped[bool] = mapped_column(Boolean, default=False)
    serving: Mapped[bool] = mapped_column(Boolean, default=False)
    comments: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # False once the list no longer has it: kept (papers may link it) until --prune, but
    # never written by `export md` (revision 0004).
    listed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    cells: Mapped[str | None] = mapped_column(Text)  # unknown columns' cells, JSON list


class PaperFramework(Base):
    """A paper uses (or is about) a framework; ``position`` keeps the cell's link order."""

    __tablename__ = "paper_frameworks"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("frameworks.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str | None] = mapped_column(Text)  # the link's text as the list wrote it


class Category(Base):
    """A ``###`` section of the list (Training, Inference, ...), in the list's order."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    position: Mapped[int] = mapped_column(Integer)


class PaperCategory(Base):
    """A paper listed in a section, at ``position`` (0-based) within that section's table."""

    __tablename__ = "paper_categories"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    cells: Mapped[str | None] = mapped_column(Text)  # unknown columns' cells, JSON list


class ListMeta(Base):
    """The list's own text around the tables (title line, introduction), keyed by name."""

    __tablename__ = "list_meta"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class FieldProvenance(Base):
    """Where a field that ``lmsdb enrich`` wrote came from (revision 0007).

    One row per paper and field (``authors``, ``doi``, ``pages``, ``venue``, ...): the source
    (``dblp``, ``crossref``, ``arxiv``, ``s2``), that source's id for the record, the value
    written (as text) and when. A field without a row came from the list, a ``.bib`` or a
    person; a row whose ``value`` no longer equals the field's value was overwritten by one of
    those since, and enrichment treats the field as theirs again.
    """

    __tablename__ = "field_provenance"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String(50), primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str | None] = mapped_column(String(300))
    value: Mapped[str | None] = mapped_column(Text)
    retrieved_at: Mapped[str] = mapped_column(String(32))  # ISO 8601, UTC


class EnrichLookup(Base):
    """That a source was asked about a paper, with what, and what it answered (revision 0007).

    A later ``lmsdb enrich`` skips a source already asked the same ``query`` about a paper
    (``--refresh`` asks again): this is what makes an interrupted run resume where it stopped.
    ``outcome`` is ``found``, ``not found`` or ``rejected`` (a candidate failed the title check).
    """

    __tablename__ = "enrich_lookups"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    query: Mapped[str] = mapped_column(String(1000))
    outcome: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str | None] = mapped_column(String(300))
    looked_up_at: Mapped[str] = mapped_column(String(32))  # ISO 8601, UTC


class ListSync(Base):
    """What the last list import needs to be replayed without redoing it: the digest of the
    file and options it read, and its report and list-only diagnostics (revision 0004).
    Triggers on every table the sync writes empty this table on any change, by lmsdb or
    by anyone else (``lmsdb sql --write``), so a stale digest can never be replayed."""

    __tablename__ = "list_sync"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
