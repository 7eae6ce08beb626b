"""enrichment: provenance, lookups, source ids, ORCIDs

Revision ID: 0007
Revises: 0009
Create Date: 2026-11-28 05:10:00.000000

``lmsdb enrich`` fills fields from DBLP, Crossref, arXiv and Semantic Scholar. This revision
adds what it records: ``field_provenance`` (for every field enrichment wrote: source, the
source's id, the value, when), ``enrich_lookups`` (which source was asked what about which
paper, so an interrupted run resumes), the services' own ids on ``papers`` (``dblp_key``,
``s2_id``) and an ORCID per author of a paper (``paper_authors.orcid``).

Columns are added with plain ``ALTER TABLE ... ADD COLUMN`` (batch mode does not copy a
table for added columns), so the views and full-text triggers of revision 0003 are left
alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "field_provenance",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=50), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=300), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("retrieved_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"],
            name=op.f("fk_field_provenance_paper_id_papers"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("paper_id", "field", name=op.f("pk_field_provenance")),
    )
    op.create_table(
        "enrich_lookups",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=300), nullable=True),
        sa.Column("looked_up_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"],
            name=op.f("fk_enrich_lookups_paper_id_papers"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("paper_id", "source", name=op.f("pk_enrich_lookups")),
    )
    with op.batch_alter_table("papers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dblp_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("s2_id", sa.String(length=100), nullable=True))
    with op.batch_alter_table("paper_authors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("orcid", sa.String(length=40), nullable=True))


def downgrade() -> None:
    # Dropping a column needs a table copy on SQLite before 3.35; ALTER TABLE DROP COLUMN
    # (3.35+, and PostgreSQL) keeps the views and triggers of revision 0003 in place.
    for table, column in (("paper_authors", "orcid"), ("papers", "s2_id"),
                          ("papers", "dblp_key")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.drop_table("enrich_lookups")
    op.drop_table("field_provenance")
