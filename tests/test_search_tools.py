"""The search index is one that sqlite-utils and Datasette find by themselves (issue 15)."""

from __future__ import annotations

import asyncio

import pytest

from .conftest import run_cli


@pytest.fixture
def db_path(seeded):
    return seeded.url.database


def test_sqlite_utils_detects_and_uses_the_index(db_path):
    sqlite_utils = pytest.importorskip("sqlite_utils")
    db = sqlite_utils.Database(db_path)
    assert db["papers"].detect_fts() == "papers_fts"
    # Stemmed: "quantize" finds the titles that say "quantization" (plain text columns).
    hits = [r["citation_key"] for r in db["papers"].search("quantize")]
    assert hits and all("quantiz" in db["papers"].get(
        db.execute("select id from papers where citation_key = ?", [k]).fetchone()[0]
    )["search_title"] for k in hits)


def test_datasette_sees_the_search_box(db_path):
    datasette_app = pytest.importorskip("datasette.app")
    ds = datasette_app.Datasette([db_path])

    async def fetch():
        name = next(iter(ds.databases.keys() - {"_internal"}))
        page = await ds.client.get(f"/{name}/papers")
        table = await ds.client.get(f"/{name}/papers.json?_search=quantize&_shape=objects")
        return page.text, table.json()

    html, data = asyncio.run(fetch())
    assert 'name="_search"' in html  # the search box, shown only for a detected FTS table
    assert 'search matches "quantize"' in data["human_description_en"]
    assert data["rows"] and all("quantiz" in r["search_title"] for r in data["rows"])


def test_search_quantize_finds_quantization(runner, seeded, db_url):
    """On the reference list: the stem of "quantize" is the stem of "quantization"."""
    res = run_cli(runner, db_url, "search", "quantize", "--format", "csv", "--no-headers")
    assert res.exit_code == 0
    # The reference list's two titles that say "Quantization" (grep -i quantiz seeds/...).
    assert [line.split(",")[0] for line in res.stdout.splitlines()] == [
        "zeroquant2022", "understanding2023"]
    assert res.stdout.count("[Quantization]") == 2
