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

The objects' SQL lives in ``lmsdb.store.objects`` (replaceable objects), where later revisions
find it too.
"""

from collections.abc import Sequence

from alembic import op

from lmsdb.store.objects import FRAMEWORK_VIEW, PAPER_VIEW_0003, SEARCH_0003, create, drop

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create(op, PAPER_VIEW_0003, FRAMEWORK_VIEW, SEARCH_0003)


def downgrade() -> None:
    drop(op, SEARCH_0003, FRAMEWORK_VIEW, PAPER_VIEW_0003)
