"""Revision 0007 (enrichment provenance) on a database that holds data: upgrade and
downgrade keep the papers, the views and the full-text index working."""

from __future__ import annotations

from sqlalchemy import inspect, text

from lmsdb.query.search import search
from lmsdb.store.migrate import downgrade, upgrade
from lmsdb.store.searchtext import refresh
from lmsdb.sync.importer import import_markdown

from .conftest import SEED


def test_0007_up_and_down_with_enriched_data(engine):
    upgrade(engine, "0009")
    import_markdown(engine, SEED)
    upgrade(engine)
    cols = {c["name"] for c in inspect(engine).get_columns("papers")}
    assert {"dblp_key", "s2_id"} <= cols
    assert "orcid" in {c["name"] for c in inspect(engine).get_columns("paper_authors")}
    with engine.begin() as c:
        c.execute(text("update papers set dblp_key = 'conf/osdi/X22', s2_id = 'abc' "
                       "where citation_key = 'alpa2022'"))
        c.execute(text("insert into authors (id, family, given, key) values "
                       "(1, 'Zheng', 'Lianmin', 'zheng|lianmin')"))
        c.execute(text("insert into paper_authors (paper_id, position, author_id, orcid) "
                       "select id, 0, 1, '0000-0001-2345-6789' from papers "
                       "where citation_key = 'alpa2022'"))
        c.execute(text("insert into field_provenance select id, 'authors', 'dblp', "
                       "'conf/osdi/X22', 'Zheng, Lianmin', '2026-11-28T05:00:00+00:00' "
                       "from papers where citation_key = 'alpa2022'"))
        c.execute(text("insert into enrich_lookups select id, 'dblp', 'title:alpa', "
                       "'found', 'conf/osdi/X22', '2026-11-28T05:00:00+00:00' "
                       "from papers where citation_key = 'alpa2022'"))
        refresh(c)  # raw statements: the stored search text is recomputed on request
    assert [r[0] for r in search(engine, "zheng").rows] == ["alpa2022"]
    downgrade(engine, "0009")
    names = set(inspect(engine).get_table_names())
    assert "field_provenance" not in names and "enrich_lookups" not in names
    assert "dblp_key" not in {c["name"] for c in inspect(engine).get_columns("papers")}
    with engine.connect() as c:
        assert c.execute(text("select count(*) from papers")).scalar() == 25
        assert c.execute(text("select count(*) from paper_view")).scalar() == 25
    # The index and its triggers survived the dropped columns: a new author is still found.
    assert [r[0] for r in search(engine, "zheng").rows] == ["alpa2022"]
    with engine.begin() as c:
        c.execute(text("update authors set family = 'Zhengg' where id = 1"))
        refresh(c)
    assert [r[0] for r in search(engine, "zhengg").rows] == ["alpa2022"]
    upgrade(engine)
    assert "field_provenance" in set(inspect(engine).get_table_names())
