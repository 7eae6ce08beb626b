"""Views, the search index and its triggers, as replaceable objects that revisions import.

The Alembic cookbook's "Replaceable Objects": each derived object is defined once here, as
it stands at the revision that introduced it, and revisions create, drop or replace it by
name instead of copying SQL. A revision that changes a view adds a new version below
(``PAPER_VIEW_0009`` beside ``PAPER_VIEW_0003``); its downgrade recreates the older version.

The objects are written in raw SQL for SQLite and PostgreSQL because the models do not
describe them; ``migrations/env.py`` tells autogenerate to ignore them (:func:`is_derived`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

FTS_TABLE = "papers_fts"
# PostgreSQL's GIN index over papers.search_vector (revision 0009), an expression index
# that the models do not describe.
SEARCH_INDEX = "ix_papers_search_vector"


def is_derived(name: str, type_: str) -> bool:
    """Objects that the models do not describe: the full-text index, its FTS5 shadow tables
    (``papers_fts_data``, ...), SQLite's own tables (``sqlite_stat1``, ...), and the search
    index on PostgreSQL."""
    if type_ == "table":
        return name == FTS_TABLE or name.startswith((FTS_TABLE + "_", "sqlite_"))
    return type_ == "index" and name == SEARCH_INDEX


@dataclass(frozen=True)
class ReplaceableObject:
    """A named derived object: the statements that create and drop it, per dialect."""

    name: str
    create: dict[str, tuple[str, ...]]
    drop: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _statements(obj: ReplaceableObject, what: str, dialect: str) -> tuple[str, ...]:
    table = obj.create if what == "create" else obj.drop
    if dialect not in table:
        raise NotImplementedError(f"{obj.name}: no {what} statements for {dialect}")
    return table[dialect]


def create(op: Any, *objects: ReplaceableObject) -> None:
    """Create ``objects`` in order (``op`` is Alembic's ``op``, or anything with
    ``execute`` and ``get_bind``)."""
    dialect = op.get_bind().dialect.name
    for obj in objects:
        for sql in _statements(obj, "create", dialect):
            op.execute(sql)


def drop(op: Any, *objects: ReplaceableObject) -> None:
    """Drop ``objects`` in order."""
    dialect = op.get_bind().dialect.name
    for obj in objects:
        for sql in _statements(obj, "drop", dialect):
            op.execute(sql)


def replace(op: Any, old: Iterable[ReplaceableObject], new: Iterable[ReplaceableObject]) -> None:
    """Drop the ``old`` versions (in reverse order), then create the ``new`` ones."""
    drop(op, *reversed(list(old)))
    create(op, *new)


def _view(name: str, sqlite: str, postgresql: str | None = None) -> ReplaceableObject:
    return ReplaceableObject(
        name,
        {"sqlite": (f"CREATE VIEW {name} AS {sqlite}",),
         "postgresql": (f"CREATE VIEW {name} AS {postgresql or sqlite}",)},
        {d: (f"DROP VIEW IF EXISTS {name}",) for d in ("sqlite", "postgresql")})


# == Revision 0003 ==========================================================================

# The index holds titles as plain text (H<sub>2</sub>O is indexed, matched and shown as
# H2O), the same form lmsdb.domain.html.html_to_plain gives for the inline HTML lists use. SQL has
# no HTML parser, so the tags and entities seen in titles are removed one by one; the
# expression is the same on SQLite and PostgreSQL.
# (SQLite's parser allows only so much nesting, hence the common tags in lower case only.)
_TAGS = ("sub", "sup", "i", "b", "em", "strong")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&amp;", "&"))


def _plain(expr: str) -> str:
    for tag in _TAGS:
        for form in (f"<{tag}>", f"</{tag}>"):
            expr = f"replace({expr}, '{form}', '')"
    for entity, char in _ENTITIES:
        char_sql = char.replace("'", "''")
        expr = f"replace({expr}, '{entity}', '{char_sql}')"
    return expr


def _sqlite_list(select_one: str, where: str, order: str) -> str:
    """Comma-joined values in ``order`` (SQLite before 3.44 has no ORDER BY in aggregates;
    the ordered subquery is the usual idiom)."""
    return (f"(SELECT group_concat(v, ', ') FROM "
            f"(SELECT {select_one} AS v {where} ORDER BY {order}))")


# A paper's frameworks and sections, comma-joined in list order (every paper_view has them).
_SQLITE_FRAMEWORKS = _sqlite_list(
    "f.name", "FROM paper_frameworks pf JOIN frameworks f ON f.id = pf.framework_id "
    "WHERE pf.paper_id = p.id", "pf.position")
_SQLITE_CATEGORIES = _sqlite_list(
    "c.name", "FROM paper_categories pc JOIN categories c ON c.id = pc.category_id "
    "WHERE pc.paper_id = p.id", "c.position")


def _views_sqlite() -> str:
    return _paper_view(_SQLITE_FRAMEWORKS, _SQLITE_CATEGORIES)


def _views_postgresql() -> str:
    frameworks = ("(SELECT string_agg(f.name, ', ' ORDER BY pf.position) "
                  "FROM paper_frameworks pf JOIN frameworks f ON f.id = pf.framework_id "
                  "WHERE pf.paper_id = p.id)")
    categories = ("(SELECT string_agg(c.name, ', ' ORDER BY c.position) "
                  "FROM paper_categories pc JOIN categories c ON c.id = pc.category_id "
                  "WHERE pc.paper_id = p.id)")
    return _paper_view(frameworks, categories)


def _paper_view(frameworks: str, categories: str) -> str:
    return f"""
SELECT p.id AS id, p.citation_key AS citation_key, p.title AS title, p.year AS year,
       v.name AS venue, v.kind AS venue_kind, p.arxiv_id AS arxiv_id, p.doi AS doi,
       p.url AS url, {frameworks} AS frameworks, {categories} AS categories
FROM papers p LEFT JOIN venues v ON v.id = p.venue_id
"""


_FRAMEWORK_VIEW = """
SELECT f.id AS id, f.slug AS slug, f.name AS name, f.url AS url, f.year AS year,
       f.training AS training, f.inference AS inference, f.serving AS serving,
       f.comments AS comments, f.position AS position,
       (SELECT count(*) FROM paper_frameworks pf WHERE pf.framework_id = f.id) AS papers
FROM frameworks f
"""

# -- SQLite: FTS5 ------------------------------------------------------------------------

# "Given Family, Given Family" in author order, for the paper whose id is {pid}.
_SQLITE_AUTHORS_0003 = _sqlite_list(
    "trim(coalesce(a.given || ' ', '') || a.family)",
    "FROM paper_authors pa JOIN authors a ON a.id = pa.author_id WHERE pa.paper_id = {pid}",
    "pa.position")


def _authors_0003(pid: str) -> str:
    return _SQLITE_AUTHORS_0003.replace("{pid}", pid)


def _fts_sqlite_0003() -> list[str]:
    refresh = "UPDATE papers_fts SET authors = {authors} WHERE rowid = {pid};"
    return [
        # remove_diacritics 2: "Rajbhandari" and "Rajbhándari" match each other.
        "CREATE VIRTUAL TABLE papers_fts USING fts5("
        "title, authors, tokenize = 'unicode61 remove_diacritics 2')",
        f"""CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
            INSERT INTO papers_fts (rowid, title, authors)
            VALUES (new.id, {_plain('new.title')}, {_authors_0003('new.id')});
        END""",
        f"""CREATE TRIGGER papers_fts_update AFTER UPDATE OF id, title ON papers BEGIN
            DELETE FROM papers_fts WHERE rowid = old.id;
            INSERT INTO papers_fts (rowid, title, authors)
            VALUES (new.id, {_plain('new.title')}, {_authors_0003('new.id')});
        END""",
        """CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
            DELETE FROM papers_fts WHERE rowid = old.id;
        END""",
        f"""CREATE TRIGGER papers_fts_pa_insert AFTER INSERT ON paper_authors BEGIN
            {refresh.format(authors=_authors_0003('new.paper_id'), pid='new.paper_id')}
        END""",
        f"""CREATE TRIGGER papers_fts_pa_update AFTER UPDATE ON paper_authors BEGIN
            {refresh.format(authors=_authors_0003('old.paper_id'), pid='old.paper_id')}
            {refresh.format(authors=_authors_0003('new.paper_id'), pid='new.paper_id')}
        END""",
        f"""CREATE TRIGGER papers_fts_pa_delete AFTER DELETE ON paper_authors BEGIN
            {refresh.format(authors=_authors_0003('old.paper_id'), pid='old.paper_id')}
        END""",
        f"""CREATE TRIGGER papers_fts_author_update AFTER UPDATE OF family, given ON authors
        BEGIN
            UPDATE papers_fts SET authors = {_authors_0003('papers_fts.rowid')}
            WHERE rowid IN (SELECT paper_id FROM paper_authors WHERE author_id = new.id);
        END""",
        # The papers that exist already.
        f"""INSERT INTO papers_fts (rowid, title, authors)
            SELECT p.id, {_plain('p.title')}, {_authors_0003('p.id')} FROM papers p""",
    ]


_SQLITE_TRIGGERS_0003 = ("papers_fts_insert", "papers_fts_update", "papers_fts_delete",
                    "papers_fts_pa_insert", "papers_fts_pa_update", "papers_fts_pa_delete",
                    "papers_fts_author_update")

# -- PostgreSQL: tsvector -------------------------------------------------------------------

# 'simple' (no stemming, no stop words) matches what SQLite's unicode61 tokenizer does, so
# that a search finds the same papers on both back-ends.
_FTS_POSTGRESQL_0003 = [
    """CREATE TABLE papers_fts (
        paper_id integer PRIMARY KEY
            REFERENCES papers (id) ON DELETE CASCADE ON UPDATE CASCADE,
        title text NOT NULL,
        authors text,
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', title), 'A')
            || setweight(to_tsvector('simple', coalesce(authors, '')), 'B')) STORED
    )""",
    "CREATE INDEX ix_papers_fts_document ON papers_fts USING gin (document)",
    """CREATE FUNCTION papers_fts_authors(pid integer) RETURNS text
        LANGUAGE sql STABLE AS $$
        SELECT string_agg(concat_ws(' ', a.given, a.family), ', ' ORDER BY pa.position)
        FROM paper_authors pa JOIN authors a ON a.id = pa.author_id
        WHERE pa.paper_id = pid
    $$""",
    # Deletes (and id changes) reach papers_fts through its foreign key.
    f"""CREATE FUNCTION papers_fts_paper() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO papers_fts (paper_id, title, authors)
            VALUES (NEW.id, {_plain('NEW.title')}, papers_fts_authors(NEW.id));
        ELSE
            UPDATE papers_fts SET title = {_plain('NEW.title')} WHERE paper_id = NEW.id;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER papers_fts_paper AFTER INSERT OR UPDATE OF title ON papers
        FOR EACH ROW EXECUTE FUNCTION papers_fts_paper()""",
    """CREATE FUNCTION papers_fts_paper_authors() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE papers_fts SET authors = papers_fts_authors(OLD.paper_id)
            WHERE paper_id = OLD.paper_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE papers_fts SET authors = papers_fts_authors(NEW.paper_id)
            WHERE paper_id = NEW.paper_id;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER papers_fts_paper_authors AFTER INSERT OR UPDATE OR DELETE
        ON paper_authors FOR EACH ROW EXECUTE FUNCTION papers_fts_paper_authors()""",
    """CREATE FUNCTION papers_fts_author() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE papers_fts SET authors = papers_fts_authors(paper_id)
        WHERE paper_id IN (SELECT pa.paper_id FROM paper_authors pa
                           WHERE pa.author_id = NEW.id);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER papers_fts_author AFTER UPDATE OF family, given ON authors
        FOR EACH ROW EXECUTE FUNCTION papers_fts_author()""",
    f"""INSERT INTO papers_fts (paper_id, title, authors)
        SELECT p.id, {_plain('p.title')}, papers_fts_authors(p.id) FROM papers p""",
]

_DROP_POSTGRESQL_0003 = [
    "DROP TRIGGER IF EXISTS papers_fts_author ON authors",
    "DROP TRIGGER IF EXISTS papers_fts_paper_authors ON paper_authors",
    "DROP TRIGGER IF EXISTS papers_fts_paper ON papers",
    "DROP FUNCTION IF EXISTS papers_fts_author()",
    "DROP FUNCTION IF EXISTS papers_fts_paper_authors()",
    "DROP FUNCTION IF EXISTS papers_fts_paper()",
    "DROP TABLE IF EXISTS papers_fts",
    "DROP FUNCTION IF EXISTS papers_fts_authors(integer)",
]



PAPER_VIEW_0003 = _view("paper_view", _views_sqlite(), _views_postgresql())
FRAMEWORK_VIEW = _view("framework_view", _FRAMEWORK_VIEW)
# The standalone search index: FTS5 on SQLite, a tsvector table on PostgreSQL.
SEARCH_0003 = ReplaceableObject(
    FTS_TABLE,
    {"sqlite": tuple(_fts_sqlite_0003()), "postgresql": tuple(_FTS_POSTGRESQL_0003)},
    {"sqlite": (*(f"DROP TRIGGER IF EXISTS {t}" for t in _SQLITE_TRIGGERS_0003),
                "DROP TABLE IF EXISTS papers_fts"),  # and its shadow tables
     "postgresql": tuple(_DROP_POSTGRESQL_0003)})


# == Revision 0009 ==========================================================================

_PERSON = "trim(coalesce(a.given || ' ', '') || a.family)"  # "Given Family", as search shows


def _paper_view_0009(frameworks: str, categories: str, authors: str) -> str:
    return f"""
SELECT p.id AS id, p.citation_key AS citation_key, p.title AS title, p.year AS year,
       v.name AS venue, v.kind AS venue_kind, p.arxiv_id AS arxiv_id, p.doi AS doi,
       p.url AS url, {frameworks} AS frameworks, {categories} AS categories,
       {authors} AS authors, v.full_name AS venue_full_name, p.pages AS pages
FROM papers p LEFT JOIN venues v ON v.id = p.venue_id
"""


def _paper_view_0009_sqlite() -> str:
    authors = _sqlite_list(
        _PERSON, "FROM paper_authors pa JOIN authors a ON a.id = pa.author_id "
        "WHERE pa.paper_id = p.id", "pa.position")
    return _paper_view_0009(_SQLITE_FRAMEWORKS, _SQLITE_CATEGORIES, authors)


def _paper_view_0009_postgresql() -> str:
    def agg(value: str, join: str, order: str) -> str:
        return f"(SELECT string_agg({value}, ', ' ORDER BY {order}) {join})"

    return _paper_view_0009(
        agg("f.name", "FROM paper_frameworks pf JOIN frameworks f ON f.id = pf.framework_id "
            "WHERE pf.paper_id = p.id", "pf.position"),
        agg("c.name", "FROM paper_categories pc JOIN categories c ON c.id = pc.category_id "
            "WHERE pc.paper_id = p.id", "c.position"),
        agg(_PERSON, "FROM paper_authors pa JOIN authors a ON a.id = pa.author_id "
            "WHERE pa.paper_id = p.id", "pa.position"))


# paper_view gains the authors ("Given Family, ..." in order), the venue's full name and
# the pages; the new columns come last, so that queries written for 0003 read the same.
PAPER_VIEW_0009 = _view("paper_view", _paper_view_0009_sqlite(), _paper_view_0009_postgresql())

# One row per (paper, author): "authors with the most papers" without a four-table join.
PAPER_AUTHOR_VIEW_0009 = _view("paper_author_view", f"""
SELECT pa.paper_id AS paper_id, p.citation_key AS citation_key, p.year AS year,
       pa.position AS position, a.id AS author_id, {_PERSON} AS author,
       a.family AS family, a.given AS given
FROM paper_authors pa JOIN papers p ON p.id = pa.paper_id JOIN authors a ON a.id = pa.author_id
""")

_FTS_COLUMNS = "search_title, search_authors"
_TRIGGERS_0009 = ("papers_fts_insert", "papers_fts_delete", "papers_fts_update")

# SQLite: an FTS5 index whose content is papers itself (external content), so that
# sqlite-utils' Table.detect_fts() and Datasette find it; the double quotes in
# content="papers" are what they look for. The porter tokenizer stems (quantize and
# quantization are one word); lmsdb.store.searchtext.stem computes the same stems for PostgreSQL.
# PostgreSQL: a GIN index over the stems lmsdb stores in papers.search_vector.
SEARCH_0009 = ReplaceableObject(
    FTS_TABLE,
    {"sqlite": (
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({_FTS_COLUMNS}, content=\"papers\", "
        "content_rowid=\"id\", tokenize = 'porter unicode61 remove_diacritics 2')",
        f"""CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
            INSERT INTO {FTS_TABLE} (rowid, {_FTS_COLUMNS})
            VALUES (new.id, new.search_title, new.search_authors);
        END""",
        f"""CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
            INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {_FTS_COLUMNS})
            VALUES ('delete', old.id, old.search_title, old.search_authors);
        END""",
        f"""CREATE TRIGGER papers_fts_update
            AFTER UPDATE OF id, search_title, search_authors ON papers BEGIN
            INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {_FTS_COLUMNS})
            VALUES ('delete', old.id, old.search_title, old.search_authors);
            INSERT INTO {FTS_TABLE} (rowid, {_FTS_COLUMNS})
            VALUES (new.id, new.search_title, new.search_authors);
        END""",
        f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')",
    ), "postgresql": (
        f"CREATE INDEX {SEARCH_INDEX} ON papers USING gin ((search_vector::tsvector))",
    )},
    {"sqlite": (*(f"DROP TRIGGER IF EXISTS {t}" for t in _TRIGGERS_0009),
                f"DROP TABLE IF EXISTS {FTS_TABLE}"),
     "postgresql": (f"DROP INDEX IF EXISTS {SEARCH_INDEX}",)})
