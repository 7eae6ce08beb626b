"""A fresh import on PostgreSQL checks the foreign keys once, after the rows
(lmsdb.store.pgload), and stays atomic: a failure anywhere, a broken key included, leaves
the rows and the keys as they were; a reader in the way, a small import or a re-import
keep the row-by-row checks."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from lmsdb.store import pgload
from lmsdb.store.db import make_engine
from lmsdb.store.migrate import alembic_config, ensure_schema
from lmsdb.store.writes import Writes
from lmsdb.sync.importer import import_markdown

from .conftest import ROOT, SEED, pg_admin, url_of

SCHEMA = "bulkload"
LOADED = ("papers", "paper_frameworks", "paper_categories", "paper_urls", "paper_base")


@pytest.fixture
def fresh(pg_team):
    """An empty, migrated lmsdb schema of the team database, as its owner; the statements
    the engine sends are in ``engine.sent``."""
    eng = make_engine(url_of(pg_team, "owner", schema=SCHEMA))
    ensure_schema(eng)
    eng.sent = []
    event.listen(eng, "before_cursor_execute",
                 lambda conn, cur, statement, *a: eng.sent.append(statement))
    yield eng
    eng.dispose()
    with pg_admin(url_of(pg_team, "superuser")) as admin:
        admin.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def keys(engine) -> list[tuple[str, str, str]]:
    """Every foreign key of lmsdb's schema: (table, name, definition)."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND connamespace = CAST(:s AS regnamespace) "
            "ORDER BY 1, 2"), {"s": SCHEMA})]


def dump(engine) -> dict[str, list]:
    with engine.connect() as conn:
        tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :s "
                                   "ORDER BY 1"), {"s": SCHEMA}).scalars().all()
        return {t: sorted(map(repr, conn.execute(text(f"SELECT * FROM {t}")))) for t in tables}


def dropped(engine) -> list[str]:
    return [s for s in engine.sent if "DROP CONSTRAINT" in s]


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in LOADED}


def test_fresh_import_drops_and_readds_the_same_keys(fresh, seeded, monkeypatch):
    engine = fresh
    monkeypatch.setattr(pgload, "MIN_ROWS", 1)
    before = keys(engine)
    assert {t for t, _, _ in before} >= set(LOADED)
    import_markdown(engine, SEED)
    # Every key of the loaded tables went and came back, validated, under its own name.
    loaded_keys = [k for k in before if k[0] in LOADED]
    assert len(dropped(engine)) == len(loaded_keys)
    for table, name, definition in loaded_keys:
        assert any(f"ALTER TABLE {SCHEMA}.{table} ADD CONSTRAINT {name} {definition}" in s
                   for s in engine.sent), name
    assert keys(engine) == before
    from alembic import command

    command.check(alembic_config(engine))  # the schema is still the models'
    assert counts(engine) == counts(seeded)  # the rows of the same import on SQLite


def _a_bad_link(conn) -> None:
    """A link row to no category, written while the keys are away."""
    conn.execute(text("INSERT INTO paper_categories (paper_id, category_id, position) "
                      "SELECT min(id), 999999, 0 FROM papers"))


def _disk_full(conn) -> None:
    raise RuntimeError("disk full")


@pytest.mark.parametrize("after_the_writes", [_a_bad_link, _disk_full])
def test_a_failure_while_the_keys_are_away_changes_nothing(fresh, monkeypatch,
                                                           after_the_writes):
    """A row that breaks a key fails the import when the keys come back (as the row check
    would have); any failure rolls back the rows and restores every key."""
    from sqlalchemy.exc import IntegrityError

    engine = fresh
    monkeypatch.setattr(pgload, "MIN_ROWS", 1)
    before, rows = keys(engine), dump(engine)
    real = Writes.apply

    def apply_then(self, conn):
        real(self, conn)
        after_the_writes(conn)

    monkeypatch.setattr(Writes, "apply", apply_then)
    with pytest.raises((IntegrityError, RuntimeError)) as e:
        import_markdown(engine, SEED)
    if after_the_writes is _a_bad_link:
        assert isinstance(e.value, IntegrityError) and e.value.orig.sqlstate == "23503"
        assert "fk_paper_categories_category_id_categories" in str(e.value)
    else:
        assert str(e.value) == "disk full"
    assert dropped(engine)
    assert keys(engine) == before
    assert dump(engine) == rows


def test_a_reader_in_the_way_keeps_the_row_checks(fresh, pg_team, monkeypatch):
    """A session reading one of the tables: the import neither waits for it nor drops a key."""
    engine = fresh
    monkeypatch.setattr(pgload, "MIN_ROWS", 1)
    before = keys(engine)
    with pg_admin(url_of(pg_team, "superuser")) as reader:
        reader.autocommit = False
        reader.execute(f"SELECT count(*) FROM {SCHEMA}.categories")  # holds its lock
        import_markdown(engine, SEED)
        reader.rollback()
    assert dropped(engine) == []
    assert any("NOWAIT" in s for s in engine.sent)
    assert keys(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM papers")).scalar() > 0


def test_small_imports_and_reimports_keep_the_row_checks(fresh, monkeypatch, tmp_path):
    engine = fresh
    import_markdown(engine, SEED)  # fewer papers than MIN_ROWS
    assert pgload.MIN_ROWS > 100 and dropped(engine) == []
    docs = (ROOT / "docs" / "postgresql.md").read_text(encoding="utf-8")
    assert f"writes {pgload.MIN_ROWS:,} papers or more into empty tables" in " ".join(
        docs.split())
    # One new paper into tables that already hold rows: however few MIN_ROWS asks for.
    monkeypatch.setattr(pgload, "MIN_ROWS", 1)
    row = next(line for line in SEED.read_text(encoding="utf-8").splitlines()
               if "[Megatron-LM:" in line)
    grown = tmp_path / "grown.md"
    grown.write_text(SEED.read_text(encoding="utf-8").replace(
        row, row + "\n" + row.replace("Megatron-LM:", "Megatron-LM again:")
        .replace("1909.08053", "1909.08054"), 1), encoding="utf-8")
    before = keys(engine)
    import_markdown(engine, grown)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM papers WHERE title LIKE "
                                 "'Megatron-LM again%'")).scalar() == 1
    assert dropped(engine) == []
    assert keys(engine) == before
