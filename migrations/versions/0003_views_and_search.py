"""views and full-text search

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 12:00:00.000000

Derived objects, written in raw SQL because the models do not describe them (``migrations/
env.py`` tells autogenerate to ignore them):

- ``paper_view``: one row per paper with its venue, frameworks and categories joined in;
- ``framework_view``: one row per framework with its flags and its number of papers;
- ``papers_fts``: the full-text index over each paper's title and authors, kept in sync by
  triggers on ``papers``, ``paper_authors`` and ``authors``, and filled here for the papers
  that exist already. SQLite: an FTS5 table (``rowid`` = ``papers.id``). PostgreSQL: a table
  with a generated ``tsvector`` column and a GIN index on it.

A later revision that batch-alters ``papers``, ``paper_authors`` or ``authors`` on SQLite
(copy, drop, rename) must drop these objects first and recreate them afterwards: the drop
would take the triggers with it, and SQLite refuses to rename a table while a view refers
to a table that does not exist.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The index holds titles as plain text (H<sub>2</sub>O is indexed, matched and shown as
# H2O), the same form lmsdb.latex.html_to_plain gives for the inline HTML lists use. SQL has
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


def _views_sqlite() -> list[str]:
    frameworks = _sqlite_list(
        "f.name", "FROM paper_frameworks pf JOIN frameworks f ON f.id = pf.framework_id "
        "WHERE pf.paper_id = p.id", "pf.position")
    categories = _sqlite_list(
        "c.name", "FROM paper_categories pc JOIN categories c ON c.id = pc.category_id "
        "WHERE pc.paper_id = p.id", "c.position")
    return [_paper_view(frameworks, categories), FRAMEWORK_VIEW]


def _views_postgresql() -> list[str]:
    frameworks = ("(SELECT string_agg(f.name, ', ' ORDER BY pf.position) "
                  "FROM paper_frameworks pf JOIN frameworks f ON f.id = pf.framework_id "
                  "WHERE pf.paper_id = p.id)")
    categories = ("(SELECT string_agg(c.name, ', ' ORDER BY c.position) "
                  "FROM paper_categories pc JOIN categories c ON c.id = pc.category_id "
                  "WHERE pc.paper_id = p.id)")
    return [_paper_view(frameworks, categories), FRAMEWORK_VIEW]


def _paper_view(frameworks: str, categories: str) -> str:
    return f"""
CREATE VIEW paper_view AS
SELECT p.id AS id, p.citation_key AS citation_key, p.title AS title, p.year AS year,
       v.name AS venue, v.kind AS venue_kind, p.arxiv_id AS arxiv_id, p.doi AS doi,
       p.url AS url, {frameworks} AS frameworks, {categories} AS categories
FROM papers p LEFT JOIN venues v ON v.id = p.venue_id
"""


FRAMEWORK_VIEW = """
CREATE VIEW framework_view AS
SELECT f.id AS id, f.slug AS slug, f.name AS name, f.url AS url, f.year AS year,
       f.training AS training, f.inference AS inference, f.serving AS serving,
       f.comments AS comments, f.position AS position,
       (SELECT count(*) FROM paper_frameworks pf WHERE pf.framework_id = f.id) AS papers
FROM frameworks f
"""

# -- SQLite: FTS5 ------------------------------------------------------------------------

# "Given Family, Given Family" in author order, for the paper whose id is {pid}.
_SQLITE_AUTHORS = _sqlite_list(
    "trim(coalesce(a.given || ' ', '') || a.family)",
    "FROM paper_authors pa JOIN authors a ON a.id = pa.author_id WHERE pa.paper_id = {pid}",
    "pa.position")


def _authors(pid: str) -> str:
    return _SQLITE_AUTHORS.replace("{pid}", pid)


def _fts_sqlite() -> list[str]:
    refresh = "UPDATE papers_fts SET authors = {authors} WHERE rowid = {pid};"
    return [
        # remove_diacritics 2: "Rajbhandari" and "Rajbhándari" match each other.
        "CREATE VIRTUAL TABLE papers_fts USING fts5("
        "title, authors, tokenize = 'unicode61 remove_diacritics 2')",
        f"""CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
            INSERT INTO papers_fts (rowid, title, authors)
            VALUES (new.id, {_plain('new.title')}, {_authors('new.id')});
        END""",
        f"""CREATE TRIGGER papers_fts_update AFTER UPDATE OF id, title ON papers BEGIN
            DELETE FROM papers_fts WHERE rowid = old.id;
            INSERT INTO papers_fts (rowid, title, authors)
            VALUES (new.id, {_plain('new.title')}, {_authors('new.id')});
        END""",
        """CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
            DELETE FROM papers_fts WHERE rowid = old.id;
        END""",
        f"""CREATE TRIGGER papers_fts_pa_insert AFTER INSERT ON paper_authors BEGIN
            {refresh.format(authors=_authors('new.paper_id'), pid='new.paper_id')}
        END""",
        f"""CREATE TRIGGER papers_fts_pa_update AFTER UPDATE ON paper_authors BEGIN
            {refresh.format(authors=_authors('old.paper_id'), pid='old.paper_id')}
            {refresh.format(authors=_authors('new.paper_id'), pid='new.paper_id')}
        END""",
        f"""CREATE TRIGGER papers_fts_pa_delete AFTER DELETE ON paper_authors BEGIN
            {refresh.format(authors=_authors('old.paper_id'), pid='old.paper_id')}
        END""",
        f"""CREATE TRIGGER papers_fts_author_update AFTER UPDATE OF family, given ON authors
        BEGIN
            UPDATE papers_fts SET authors = {_authors('papers_fts.rowid')}
            WHERE rowid IN (SELECT paper_id FROM paper_authors WHERE author_id = new.id);
        END""",
        # The papers that exist already.
        f"""INSERT INTO papers_fts (rowid, title, authors)
            SELECT p.id, {_plain('p.title')}, {_authors('p.id')} FROM papers p""",
    ]


_SQLITE_TRIGGERS = ("papers_fts_insert", "papers_fts_update", "papers_fts_delete",
                    "papers_fts_pa_insert", "papers_fts_pa_update", "papers_fts_pa_delete",
                    "papers_fts_author_update")

# -- PostgreSQL: tsvector -------------------------------------------------------------------

# 'simple' (no stemming, no stop words) matches what SQLite's unicode61 tokenizer does, so
# that a search finds the same papers on both back-ends.
_FTS_POSTGRESQL = [
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

_DROP_POSTGRESQL = [
    "DROP TRIGGER IF EXISTS papers_fts_author ON authors",
    "DROP TRIGGER IF EXISTS papers_fts_paper_authors ON paper_authors",
    "DROP TRIGGER IF EXISTS papers_fts_paper ON papers",
    "DROP FUNCTION IF EXISTS papers_fts_author()",
    "DROP FUNCTION IF EXISTS papers_fts_paper_authors()",
    "DROP FUNCTION IF EXISTS papers_fts_paper()",
    "DROP TABLE IF EXISTS papers_fts",
    "DROP FUNCTION IF EXISTS papers_fts_authors(integer)",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        statements = _views_sqlite() + _fts_sqlite()
    elif dialect == "postgresql":
        statements = _views_postgresql() + _FTS_POSTGRESQL
    else:
        raise NotImplementedError(f"revision 0003 supports SQLite and PostgreSQL, not {dialect}")
    for sql in statements:
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        statements = [f"DROP TRIGGER IF EXISTS {t}" for t in _SQLITE_TRIGGERS]
        statements.append("DROP TABLE IF EXISTS papers_fts")  # and its shadow tables
    else:
        statements = list(_DROP_POSTGRESQL)
    statements += ["DROP VIEW IF EXISTS framework_view", "DROP VIEW IF EXISTS paper_view"]
    for sql in statements:
        op.execute(sql)
