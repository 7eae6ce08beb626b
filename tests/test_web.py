"""`lmsdb serve`: Datasette with lmsdb's metadata, tested with Datasette's own client."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from lmsdb.store import schemadoc
from lmsdb.store.schema import Base

from .conftest import ROOT, run_cli

pytest.importorskip("datasette")


@pytest.fixture
def site(seeded):
    from lmsdb.query import web

    path = seeded.url.database
    return web.app(path), web.database_name(path)


def _get(ds, url):
    async def go():
        return await ds.client.get(url)
    return asyncio.run(go())


def test_search_box_works(site):
    ds, db = site
    page = _get(ds, f"/{db}/papers")
    assert page.status_code == 200 and 'name="_search"' in page.text
    res = _get(ds, f"/{db}/papers.json?_search=quantize&_shape=objects").json()
    # The two titles of the reference list that say "Quantization" (grep -i quantiz).
    assert {r["citation_key"] for r in res["rows"]} == {"understanding2023", "zeroquant2022"}


def test_canned_query_returns_the_readmes_answer(site):
    """The tour prints alpa2022 for "Which 2022 OSDI papers use Alpa?"."""
    ds, db = site
    res = _get(ds, f"/{db}/osdi_2022_alpa.json?_shape=objects").json()
    assert res["rows"] == [{
        "citation_key": "alpa2022",
        "title": "Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed "
                 "Deep Learning"}]
    res = _get(ds, f"/{db}/papers_per_year.json?_shape=arrays").json()
    assert res["rows"] == [[2020, 4], [2021, 3], [2022, 11], [2023, 7]]  # the tour's table


def test_descriptions_and_facets(site):
    ds, db = site
    page = _get(ds, f"/{db}/paper_view")
    assert schemadoc.TABLES["paper_view"][0] in page.text
    facets = _get(ds, f"/{db}/paper_view.json").json()["facet_results"]
    assert set(facets) == {"venue", "year", "categories", "frameworks"}
    years = {f["value"]: f["count"] for f in facets["year"]["results"]}
    assert years == {2020: 4, 2021: 3, 2022: 11, 2023: 7}


@pytest.mark.parametrize("sql", ["delete from papers", "update papers set year = 1",
                                 "insert into categories (id, name, position) values (9, 'x', 9)",
                                 "drop table papers"])
def test_writes_are_refused(site, seeded, sql):
    from sqlalchemy import text

    ds, db = site
    res = _get(ds, f"/{db}.json?sql={sql}")
    assert res.status_code == 400
    with seeded.connect() as conn:
        assert conn.execute(text("select count(*) from papers where year > 1")).scalar() == 25
        assert conn.execute(text("select count(*) from categories")).scalar() == 4


def test_schema_docs_cover_the_schema_and_the_readme(seeded):
    """Every table and column has a description; every canned query is in the tour
    (docs/tour.md, where the README's example questions moved)."""
    for name, table in Base.metadata.tables.items():
        assert set(schemadoc.TABLES[name][1]) == {c.name for c in table.columns}, name
    readme = re.sub(r"\s+", " ", (ROOT / "docs" / "tour.md").read_text(encoding="utf-8"))
    for _title, sql in schemadoc.QUERIES.values():
        assert re.sub(r"\s+", " ", sql) in readme


def test_serve_metadata_and_postgresql_refused(runner, seeded, db_url):
    res = run_cli(runner, db_url, "serve", "--metadata")
    assert res.exit_code == 0
    meta = json.loads(res.stdout)
    [tables] = [d["tables"] for d in meta["databases"].values()]
    assert tables["papers"]["fts_table"] == "papers_fts"
    res = run_cli(runner, "postgresql+psycopg://nobody@127.0.0.1:1/none", "serve")
    assert res.exit_code == 2 and "needs a SQLite database" in res.stderr


def test_serve_runs_datasette_on_the_file(runner, seeded, db_url, monkeypatch):
    """`lmsdb serve` hands Datasette's ASGI app to uvicorn on the host and port asked."""
    uvicorn = pytest.importorskip("uvicorn")
    seen = {}

    def fake_run(app, host, port, log_level):
        seen.update(app=app, host=host, port=port)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    res = run_cli(runner, db_url, "serve", "--port", "8123")
    assert res.exit_code == 0, res.stderr
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123) and callable(seen["app"])
    assert "read-only at http://127.0.0.1:8123/" in res.stderr
