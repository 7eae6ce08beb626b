"""`lmsdb schema`: tables, views and columns of the live database."""

from __future__ import annotations

import json
import re

from lmsdb.store.schema import Base

from .conftest import SEED, run_cli
from .helpers import EXPECTED_CONSTRAINTS, constraints_of


def test_schema_lists_tables_views_and_columns(runner, db_url):
    assert run_cli(runner, db_url, "import", str(SEED)).exit_code == 0
    res = run_cli(runner, db_url, "schema", "--format", "json")
    assert res.exit_code == 0
    rels = {r["name"]: r for r in json.loads(res.stdout)}
    tables = {n for n, r in rels.items() if r["kind"] == "table"}
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    for name, table in Base.metadata.tables.items():
        assert [c["name"] for c in rels[name]["columns"]] == [c.name for c in table.columns]
    assert rels["papers"]["columns"][0] == {"name": "id", "type": "INTEGER",
                                            "nullable": False, "primary_key": True}
    assert [c["name"] for c in rels["paper_view"]["columns"]] == [
        "id", "citation_key", "title", "year", "venue", "venue_kind", "arxiv_id", "doi", "url",
        "frameworks", "categories", "authors", "venue_full_name", "pages"]
    assert rels["framework_view"]["kind"] == "view"
    assert rels["papers_fts"]["kind"] == "search index"
    assert [c["name"] for c in rels["papers_fts"]["columns"]] == ["search_title", "search_authors"]
    assert not [n for n in rels if n.startswith("papers_fts_") or n.startswith("sqlite_")]


def test_schema_text(runner, db_url):
    assert run_cli(runner, db_url, "import", str(SEED)).exit_code == 0
    out = run_cli(runner, db_url, "schema").stdout
    assert re.search(r"^table papers\n  id +INTEGER +primary key\n  citation_key +VARCHAR\(200\)"
                     r" +not null$", out, re.M)
    assert "\nview paper_view\n" in out and "\nsearch index papers_fts\n" in out
    assert "papers_fts_data" not in out


def test_schema_needs_a_database(runner, tmp_path):
    res = run_cli(runner, f"sqlite:///{tmp_path / 'none.sqlite'}", "schema")
    assert res.exit_code == 2 and "no database at" in res.stderr
    assert not (tmp_path / "none.sqlite").exists()


def test_schema_shows_foreign_keys_unique_constraints_and_indexes(runner, db_url):
    assert run_cli(runner, db_url, "import", str(SEED)).exit_code == 0
    res = run_cli(runner, db_url, "schema", "--format", "json")
    assert constraints_of(res.stdout) == EXPECTED_CONSTRAINTS
    out = run_cli(runner, db_url, "schema").stdout
    assert re.search(r"^table paper_authors\n(  .*\n)*"
                     r"  foreign key \(paper_id\) references papers \(id\) on delete cascade\n"
                     r"  index ix_paper_authors_author_id \(author_id\)\n", out, re.M)
    assert "  unique (citation_key)\n" in out
