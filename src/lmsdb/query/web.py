"""``lmsdb serve``: Datasette on the database, read-only, with metadata from the schema docs.

Datasette is an optional extra (``pip install 'lmsdb[web]'``). The metadata gives each
table, view and column its description (:mod:`lmsdb.store.schemadoc`), turns the README's example
questions into canned queries, puts facets on venue, year, category and framework, and the
search box on ``papers`` (the FTS5 index that revision 0009 makes external-content, which
Datasette detects by itself). Read-only: Datasette reads the file through read-only
connections (``mode=ro``), runs only SELECT statements, and this version has no write API;
an ``lmsdb import`` while it serves is seen at the next page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lmsdb.diagnostics import LmsdbError
from lmsdb.store import schemadoc

INSTALL_HINT = "lmsdb serve needs Datasette: pip install 'lmsdb[web]' (or '.[web]')"


class WebError(LmsdbError):
    exit_code = 2


def database_name(path: str | Path) -> str:
    """Datasette names a database after its file's stem."""
    return Path(path).stem


def metadata(path: str | Path) -> dict[str, Any]:
    """Datasette metadata for the lmsdb database at ``path``."""
    tables: dict[str, Any] = {}
    for name, (description, columns) in schemadoc.TABLES.items():
        tables[name] = {"description": description, "columns": dict(columns)}
    tables["paper_view"]["facets"] = list(schemadoc.FACETS)
    tables["papers"]["facets"] = ["year", "venue_id"]
    tables["papers"]["fts_table"] = "papers_fts"
    tables["papers"]["fts_pk"] = "id"
    tables["papers"]["searchmode"] = "escaped"
    queries = {name: {"title": title, "sql": sql}
               for name, (title, sql) in schemadoc.QUERIES.items()}
    return {
        "title": "lmsdb",
        "description": "A curated awesome-list of research papers as a database "
                       "(read-only; search box on papers, facets on paper_view).",
        "databases": {database_name(path): {"tables": tables, "queries": queries}},
    }


def app(path: str | Path) -> Any:
    """A Datasette instance serving ``path`` read-only with lmsdb's metadata."""
    try:
        from datasette.app import Datasette
    except ImportError:
        raise WebError(INSTALL_HINT) from None
    return Datasette([str(path)], metadata=metadata(path),
                     settings={"allow_download": False})


def serve(path: str | Path, host: str, port: int) -> None:
    """Run the site until interrupted."""
    ds = app(path)
    import uvicorn

    uvicorn.run(ds.app(), host=host, port=port, log_level="warning")
