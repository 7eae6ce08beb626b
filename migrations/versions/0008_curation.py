"""curation in the database: user venues, citation-key aliases, the sync base, validity

Revision ID: 0008
Revises: 0004
Create Date: 2026-11-28 05:00:00.000000

- ``venues.user_defined`` and ``venue_aliases``: venues defined with ``lmsdb venue add``;
- ``paper_aliases``: old citation keys kept by ``lmsdb rekey``;
- ``paper_base``: what the list last said about each paper (the base of the three-way sync),
  seeded here from the papers that are in a section of the list today (until now the
  database was always what the list last said);
- ``removed_papers``: listed papers removed with ``lmsdb rm``, so that an import does not
  bring them back;
- validity triggers on ``papers`` and ``frameworks``: the checks of ``lmsdb.domain.records`` (year
  in 1900..next year, non-empty title and name, an http(s) URL without whitespace), so that a
  raw ``lmsdb sql --write`` cannot store a row that ``export md`` would write and ``import``
  would then reject. Triggers rather than CHECK constraints because the upper year bound
  moves with the date (a CHECK must be deterministic), because they name the broken rule in
  their error, and because adding them needs no batch rebuild of ``papers`` on SQLite (which
  would have to drop and recreate the full-text triggers of revision 0003).

The new tables are read by a list import, so, like the tables of revision 0004, any change
to them empties ``list_sync`` (a repeat import is then run in full, not replayed).

A later revision that batch-alters ``papers`` or ``frameworks`` on SQLite must recreate
these triggers (the table copy drops them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# -- validity triggers -----------------------------------------------------------------------

_WS = "' ' || char(9) || char(10) || char(13)"
_SQLITE_NEXT_YEAR = "CAST(strftime('%Y', 'now') AS INTEGER) + 1"


def _sqlite_url_bad(col: str) -> str:
    return (f"({col} IS NOT NULL AND ((NOT {col} GLOB 'http://?*' AND NOT {col} GLOB "
            f"'https://?*') OR {col} GLOB '*[' || {_WS} || ']*'))")


def _sqlite_year_bad(col: str) -> str:
    return f"(typeof({col}) <> 'integer' OR {col} < 1900 OR {col} > {_SQLITE_NEXT_YEAR})"


def _sqlite_checks(table: str, checks: list[tuple[str, str]], when: str) -> str:
    body = "\n".join(f"    SELECT RAISE(ABORT, '{msg}') WHERE {cond};" for cond, msg in checks)
    return f"CREATE TRIGGER {table}_valid_{when.split()[0].lower()} BEFORE {when} ON {table}\n" \
           f"BEGIN\n{body}\nEND"


_PAPER_CHECKS = [
    (_sqlite_year_bad("NEW.year"), "papers.year must be a whole number in 1900..next year"),
    (f"length(trim(NEW.title, {_WS})) = 0", "papers.title must not be empty"),
    (_sqlite_url_bad("NEW.url"), "papers.url must be an http(s) URL without whitespace"),
]
_FRAMEWORK_CHECKS = [
    (f"NEW.year IS NOT NULL AND {_sqlite_year_bad('NEW.year')}",
     "frameworks.year must be empty or a whole number in 1900..next year"),
    (f"length(trim(NEW.name, {_WS})) = 0", "frameworks.name must not be empty"),
    (f"length(trim(NEW.slug, {_WS})) = 0", "frameworks.slug must not be empty"),
    (_sqlite_url_bad("NEW.url"), "frameworks.url must be an http(s) URL without whitespace"),
]


def _sqlite_triggers() -> list[str]:
    return [
        _sqlite_checks("papers", _PAPER_CHECKS, "INSERT"),
        _sqlite_checks("papers", _PAPER_CHECKS, "UPDATE OF year, title, url"),
        _sqlite_checks("frameworks", _FRAMEWORK_CHECKS, "INSERT"),
        _sqlite_checks("frameworks", _FRAMEWORK_CHECKS, "UPDATE OF year, name, slug, url"),
    ]


_SQLITE_TRIGGER_NAMES = ("papers_valid_insert", "papers_valid_update",
                         "frameworks_valid_insert", "frameworks_valid_update")

_PG_NEXT_YEAR = "extract(year FROM current_date)::integer + 1"
_PG_URL_BAD = "(NEW.url IS NOT NULL AND NEW.url !~ '^https?://\\S+$')"
_PG_TRIGGERS = [
    f"""CREATE FUNCTION papers_valid() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.year < 1900 OR NEW.year > {_PG_NEXT_YEAR} THEN
            RAISE EXCEPTION 'papers.year must be a whole number in 1900..next year (got %)',
                NEW.year USING ERRCODE = 'check_violation';
        END IF;
        IF btrim(NEW.title, E' \\t\\n\\r') = '' THEN
            RAISE EXCEPTION 'papers.title must not be empty' USING ERRCODE = 'check_violation';
        END IF;
        IF {_PG_URL_BAD} THEN
            RAISE EXCEPTION 'papers.url must be an http(s) URL without whitespace (got %)',
                NEW.url USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER papers_valid BEFORE INSERT OR UPDATE OF year, title, url ON papers
        FOR EACH ROW EXECUTE FUNCTION papers_valid()""",
    f"""CREATE FUNCTION frameworks_valid() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.year IS NOT NULL AND (NEW.year < 1900 OR NEW.year > {_PG_NEXT_YEAR}) THEN
            RAISE EXCEPTION 'frameworks.year must be empty or a whole number in 1900..next '
                'year (got %)', NEW.year USING ERRCODE = 'check_violation';
        END IF;
        IF btrim(NEW.name, E' \\t\\n\\r') = '' OR btrim(NEW.slug, E' \\t\\n\\r') = '' THEN
            RAISE EXCEPTION 'frameworks.name and frameworks.slug must not be empty'
                USING ERRCODE = 'check_violation';
        END IF;
        IF {_PG_URL_BAD} THEN
            RAISE EXCEPTION 'frameworks.url must be an http(s) URL without whitespace (got %)',
                NEW.url USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER frameworks_valid BEFORE INSERT OR UPDATE OF year, name, slug, url
        ON frameworks FOR EACH ROW EXECUTE FUNCTION frameworks_valid()""",
]
_PG_DROP = [
    "DROP TRIGGER IF EXISTS frameworks_valid ON frameworks",
    "DROP FUNCTION IF EXISTS frameworks_valid()",
    "DROP TRIGGER IF EXISTS papers_valid ON papers",
    "DROP FUNCTION IF EXISTS papers_valid()",
]


# -- tables ----------------------------------------------------------------------------------


def _create_tables() -> None:
    op.create_table(
        "paper_aliases",
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"],
                                name=op.f("fk_paper_aliases_paper_id_papers"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alias", name=op.f("pk_paper_aliases")),
    )
    op.create_index(op.f("ix_paper_aliases_paper_id"), "paper_aliases", ["paper_id"])
    op.create_table(
        "paper_base",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=True),
        sa.Column("frameworks", sa.Text(), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"],
                                name=op.f("fk_paper_base_paper_id_papers"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("paper_id", name=op.f("pk_paper_base")),
    )
    op.create_table(
        "removed_papers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citation_key", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("keys", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_removed_papers")),
    )
    op.add_column("venues", sa.Column("user_defined", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        "venue_aliases",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"],
                                name=op.f("fk_venue_aliases_venue_id_venues"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_venue_aliases")),
    )
    op.create_index(op.f("ix_venue_aliases_venue_id"), "venue_aliases", ["venue_id"])


def _seed_base() -> None:
    """Until now every import made the database what the list said: that is the base."""
    conn = op.get_bind()
    cats: dict[int, list[str]] = {}
    for pid, name in conn.execute(sa.text(
            "SELECT pc.paper_id, c.name FROM paper_categories pc "
            "JOIN categories c ON c.id = pc.category_id ORDER BY pc.paper_id, c.position")):
        cats.setdefault(pid, []).append(name)
    fws: dict[int, list[str]] = {}
    for pid, slug in conn.execute(sa.text(
            "SELECT pf.paper_id, f.slug FROM paper_frameworks pf "
            "JOIN frameworks f ON f.id = pf.framework_id ORDER BY pf.paper_id, pf.position")):
        fws.setdefault(pid, []).append(slug)
    rows = [
        {"paper_id": pid, "title": title, "url": url, "year": year, "venue": venue,
         "frameworks": "\n".join(fws.get(pid, ())), "categories": "\n".join(cats[pid])}
        for pid, title, url, year, venue in conn.execute(sa.text(
            "SELECT p.id, p.title, p.url, p.year, v.name FROM papers p "
            "LEFT JOIN venues v ON v.id = p.venue_id"))
        if pid in cats
    ]
    if rows:
        base = sa.table("paper_base", *(sa.column(c) for c in rows[0]))
        conn.execute(sa.insert(base), rows)


# Read by a list import: a change to any of them makes the next import run in full.
WATCHED = ("paper_base", "removed_papers", "paper_aliases", "venue_aliases")


def _watch(dialect: str) -> list[str]:
    if dialect == "postgresql":  # list_sync_forget() is revision 0004's
        return [f"CREATE TRIGGER list_sync_{t} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {t} FOR EACH STATEMENT EXECUTE FUNCTION list_sync_forget()"
                for t in WATCHED]
    return [f"CREATE TRIGGER list_sync_{t}_{e} AFTER {e.upper()} ON {t} WHEN EXISTS "
            f"(SELECT 1 FROM list_sync) BEGIN DELETE FROM list_sync; END"
            for t in WATCHED for e in ("insert", "update", "delete")]


def _unwatch(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS list_sync_{t} ON {t}" for t in WATCHED]
    return [f"DROP TRIGGER IF EXISTS list_sync_{t}_{e}" for t in WATCHED
            for e in ("insert", "update", "delete")]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"revision 0008 supports SQLite and PostgreSQL, not {dialect}")
    _create_tables()
    _seed_base()
    for sql in (_sqlite_triggers() if dialect == "sqlite" else _PG_TRIGGERS) + _watch(dialect):
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        drops = [f"DROP TRIGGER IF EXISTS {t}" for t in _SQLITE_TRIGGER_NAMES]
    else:
        drops = list(_PG_DROP)
    drops += _unwatch(dialect)
    for sql in drops:
        op.execute(sql)
    op.drop_index(op.f("ix_venue_aliases_venue_id"), table_name="venue_aliases")
    op.drop_table("venue_aliases")
    # Not a batch (copy and rename) on SQLite: paper_view refers to venues, and SQLite
    # refuses the rename while the view points at a missing table. SQLite 3.35+ drops a
    # column in place.
    op.execute("ALTER TABLE venues DROP COLUMN user_defined")
    op.drop_table("removed_papers")
    op.drop_table("paper_base")
    op.drop_index(op.f("ix_paper_aliases_paper_id"), table_name="paper_aliases")
    op.drop_table("paper_aliases")
