"""list layout: which frameworks the list shows, link texts and unknown columns as written

Revision ID: 0004
Revises: 0007
Create Date: 2026-11-28 05:00:00

The regenerated list keeps what the source wrote where lmsdb has no field of its own:
``paper_frameworks.label`` is a framework link's text (``[TorchGpipe](#gpipe)``),
``paper_categories.cells`` and ``frameworks.cells`` hold the cells of columns lmsdb does not
know (a ``Stars`` column), as a JSON list. ``frameworks.listed`` is false for a framework
the list no longer has (kept until ``--prune``, never written by ``export md``). The
document's own layout (text lines, table headers and alignment rows) is kept in
``list_meta`` under the key ``layout``.

``list_sync`` holds the digest of the last list import and what it reported, so that
re-importing an unchanged list can replay it instead of redoing it; triggers on every table
the sync reads empty ``list_sync`` whenever anything changes them (lmsdb, ``sql --write``,
any other client), so a replay never describes a database that has changed since.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Added with plain ALTER TABLE ... ADD/DROP COLUMN (SQLite >= 3.35 drops columns natively):
# a batch migration would copy and rename these tables under the views of revision 0003.
COLUMNS = (
    ("frameworks", sa.Column("listed", sa.Boolean(), nullable=False, server_default=sa.true())),
    ("frameworks", sa.Column("cells", sa.Text(), nullable=True)),
    ("paper_frameworks", sa.Column("label", sa.Text(), nullable=True)),
    ("paper_categories", sa.Column("cells", sa.Text(), nullable=True)),
)


# The tables whose contents a list import reads and writes.
WATCHED = ("papers", "venues", "paper_urls", "frameworks", "paper_frameworks", "categories",
           "paper_categories", "list_meta")

PG_FUNCTION = """
CREATE FUNCTION list_sync_forget() RETURNS trigger AS $$
BEGIN
    DELETE FROM list_sync;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    for table, column in COLUMNS:
        op.add_column(table, column)
    op.create_table(
        "list_sync",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_list_sync")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in WATCHED:
            # One statement-level trigger per table: a bulk write clears it once.
            op.execute(f"CREATE TRIGGER list_sync_{table} AFTER INSERT OR UPDATE OR DELETE "
                       f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                       "EXECUTE FUNCTION list_sync_forget()")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                # The WHEN clause keeps the per-row cost of a bulk write to one lookup.
                op.execute(f"CREATE TRIGGER list_sync_{table}_{event} AFTER {event.upper()} "
                           f"ON {table} WHEN EXISTS (SELECT 1 FROM list_sync) "
                           "BEGIN DELETE FROM list_sync; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS list_sync_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS list_sync_forget()")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS list_sync_{table}_{event}")
    op.drop_table("list_sync")
    for table, column in reversed(COLUMNS):
        op.drop_column(table, column.name)
    op.execute("DELETE FROM list_meta WHERE key = 'layout'")
