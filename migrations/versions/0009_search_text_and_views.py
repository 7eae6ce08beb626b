"""search text stored with each paper; an external-content, stemmed search index; richer views

Revision ID: 0009
Revises: 0003
Create Date: 2026-11-28 05:30:00.000000

- ``papers`` gains ``search_title``, ``search_authors`` (the words as both engines index
  them: accents folded, HTML stripped, split on everything but letters and digits, lower
  case) and ``search_vector`` (their Porter stems with positions, as a PostgreSQL
  ``tsvector`` literal; NULL on SQLite, whose FTS5 index stems by itself). lmsdb
  computes them in Python (``lmsdb.store.searchtext``) whenever it writes a title or authors;
  this revision fills them for the papers that exist.
- The search index is replaced. SQLite: an FTS5 index with ``content="papers"`` over the two
  text columns, tokenizer ``porter``, which sqlite-utils and Datasette recognise.
  PostgreSQL: a GIN index on ``search_vector::tsvector``.
- ``paper_view`` gains ``authors``, ``venue_full_name`` and ``pages``; a new
  ``paper_author_view`` has one row per paper and author.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lmsdb.store.objects import (
    PAPER_AUTHOR_VIEW_0009,
    PAPER_VIEW_0003,
    PAPER_VIEW_0009,
    SEARCH_0003,
    SEARCH_0009,
    create,
    drop,
)
from lmsdb.store.searchtext import authors_text, search_columns

revision: str = "0009"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("search_title", "search_authors", "search_vector")


def _fill() -> None:
    """Compute the search columns of every paper that exists."""
    if op.get_context().as_sql:  # offline (--sql): nothing to read; lmsdb fills on write
        return
    conn = op.get_bind()
    names: dict[int, list[tuple[str | None, str]]] = {}
    for pid, given, family in conn.execute(sa.text(
            "SELECT pa.paper_id, a.given, a.family FROM paper_authors pa "
            "JOIN authors a ON a.id = pa.author_id ORDER BY pa.paper_id, pa.position")):
        names.setdefault(pid, []).append((given, family))
    vector = conn.dialect.name == "postgresql"
    rows = [{"_id": pid, **search_columns(title, authors_text(names.get(pid, ())),
                                          vector=vector)}
            for pid, title in conn.execute(sa.text("SELECT id, title FROM papers"))]
    if rows:
        conn.execute(sa.text("UPDATE papers SET search_title = :search_title, "
                             "search_authors = :search_authors, "
                             "search_vector = :search_vector WHERE id = :_id"), rows)


def upgrade() -> None:
    drop(op, SEARCH_0003, PAPER_VIEW_0003)
    with op.batch_alter_table("papers", schema=None) as batch_op:
        for name in _COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))
    _fill()
    create(op, PAPER_VIEW_0009, PAPER_AUTHOR_VIEW_0009, SEARCH_0009)


def downgrade() -> None:
    drop(op, SEARCH_0009, PAPER_AUTHOR_VIEW_0009, PAPER_VIEW_0009)
    with op.batch_alter_table("papers", schema=None) as batch_op:
        for name in reversed(_COLUMNS):
            batch_op.drop_column(name)
    create(op, PAPER_VIEW_0003, SEARCH_0003)
