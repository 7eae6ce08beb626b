"""Revision 0002 keeps the data: a database at 0001 holding the reference list, upgraded to
head, keeps every row, id and citation key; downgraded back to 0001 it is exactly as it was.

The importer targets the head schema, so the 0001 database is filled with plain SQL: the
reference list is imported into a scratch database at head, and the columns that exist at
0001 are copied over table by table. That is the database a user of the first release has.
"""

from __future__ import annotations

from sqlalchemy import MetaData, inspect, text

from lmsdb.store.db import make_engine
from lmsdb.store.migrate import current_revision, downgrade, upgrade
from lmsdb.sync.importer import import_markdown

from .conftest import SEED

NEW_PAPER_COLUMNS = {"pages", "publisher", "volume", "number", "primary_class", "note"}


def tables(engine) -> list[str]:
    return sorted(t for t in inspect(engine).get_table_names() if t != "alembic_version")


def columns(engine, table: str) -> list[str]:
    return [c["name"] for c in inspect(engine).get_columns(table)]


def snapshot(engine, only: dict[str, list[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table (or of ``only``'s tables and columns), in a stable order."""
    want = only or {t: columns(engine, t) for t in tables(engine)}
    with engine.connect() as c:
        return {t: sorted((tuple(r) for r in c.execute(text(
            f"select {', '.join(cols)} from {t}"))), key=repr) for t, cols in want.items()}


def at_0001_with_reference_list(tmp_path):
    scratch = make_engine(f"sqlite:///{tmp_path / 'head.sqlite'}")
    import_markdown(scratch, SEED)
    old = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    upgrade(old, "0001")
    schema = {t: columns(old, t) for t in tables(old)}
    meta = MetaData()
    meta.reflect(old)
    in_fk_order = [t.name for t in meta.sorted_tables if t.name in schema]
    with scratch.connect() as src, old.begin() as dst:
        for t in in_fk_order:
            cols = schema[t]
            # A database at 0001 never had the layout (revision 0004) of the list.
            where = " where key != 'layout'" if t == "list_meta" else ""
            rows = [dict(zip(cols, r, strict=True)) for r in src.execute(text(
                f"select {', '.join(cols)} from {t}{where}"))]
            if rows:
                dst.execute(text(f"insert into {t} ({', '.join(cols)}) values "
                                 f"({', '.join(':' + c for c in cols)})"), rows)
    scratch.dispose()
    return old, schema


def test_upgrade_and_downgrade_keep_the_reference_list(tmp_path):
    engine, schema = at_0001_with_reference_list(tmp_path)
    assert current_revision(engine) == "0001"
    assert "pages" not in schema["papers"] and "authors" not in schema
    before = snapshot(engine)
    assert len(before["papers"]) == 25 and len(before["paper_frameworks"]) == 25
    assert len(before["paper_categories"]) == 26 and len(before["frameworks"]) == 7
    keys = {r[schema["papers"].index("id")]: r[schema["papers"].index("citation_key")]
            for r in before["papers"]}
    assert keys[max(keys)] == "deepspeed2022a"  # DeepSpeed Inference, the last row

    upgrade(engine)  # 0001 -> head
    assert snapshot(engine, schema) == before  # every old row, id, key and link
    assert NEW_PAPER_COLUMNS <= set(columns(engine, "papers"))
    with engine.connect() as c:
        assert c.execute(text("select count(*) from papers where " + " or ".join(
            f"{col} is not null" for col in NEW_PAPER_COLUMNS))).scalar() == 0
        assert c.execute(text("select count(*) from authors")).scalar() == 0
        assert c.execute(text("select count(*) from paper_authors")).scalar() == 0
        assert c.execute(text("pragma foreign_key_check")).all() == []

    downgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    assert {t: columns(engine, t) for t in tables(engine)} == schema
    assert snapshot(engine) == before
    engine.dispose()


def test_downgrade_with_authors_drops_only_what_0002_added(tmp_path):
    """Authors cannot live at 0001; everything that could is untouched by the downgrade."""
    from lmsdb.sync.importer import import_bibtex

    from .conftest import DATA

    engine, schema = at_0001_with_reference_list(tmp_path)
    before = snapshot(engine)
    upgrade(engine)
    import_bibtex(engine, DATA / "dblp-sample.bib")
    with engine.connect() as c:
        assert c.execute(text("select count(*) from paper_authors")).scalar() > 0
    downgrade(engine, "0001")
    after = snapshot(engine)
    # The merge added ZeRO's DOI from DBLP (an 0001 column): the only difference.
    changed = [r for r in after["papers"] if r not in before["papers"]]
    assert len(changed) == 1 and "10.1109/SC41405.2020.00024" in changed[0]
    assert {t: v for t, v in after.items() if t != "papers"} == {
        t: v for t, v in before.items() if t != "papers"}
    engine.dispose()
