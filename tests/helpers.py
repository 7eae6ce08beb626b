"""Helpers that several test modules share (test modules never import each other).

Database snapshots and queries (:func:`dump`, :func:`q`, :func:`content`), a fresh migrated
SQLite database (:func:`fresh`), a reader of lmsdb's own BibTeX output (:func:`entries`),
the constraints `lmsdb schema --format json` must report (:data:`EXPECTED_CONSTRAINTS`),
and whether the suite runs under CI (:data:`IN_CI`). The generator of synthetic lists is
its own module, ``tests/generate.py`` (the benchmark uses it too).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from sqlalchemy import text

from lmsdb.store.db import make_engine
from lmsdb.store.migrate import ensure_schema

# Under CI (.ci/run sets CI=true) a test whose tool is missing fails instead of skipping.
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def dump(engine, skip: tuple[str, ...] = ()) -> list:
    """Every SQLite table's rows, sorted: equal dumps mean nothing changed."""
    with engine.connect() as c:
        tables = c.execute(text("select name from sqlite_master where type='table' "
                                "order by name")).scalars().all()
        return [(t, sorted(map(tuple, c.execute(text(f"select * from {t}"))), key=repr))
                for t in tables if t not in skip]


def sql_dump(path: Path) -> str:
    """A SQLite file's whole content as SQL text (``iterdump``): equal dumps, equal files."""
    import sqlite3

    con = sqlite3.connect(path)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


def export_md(engine) -> str:
    """What ``lmsdb export md`` writes for the database at ``engine``."""
    import io

    from lmsdb.exporters import markdown

    out = io.StringIO()
    with engine.connect() as c:
        markdown.write(c, out)
    return out.getvalue()


def q(engine, sql: str, **params) -> list[tuple]:
    """The rows of one query, as tuples."""
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(sql), params)]


def fresh(tmp_path: Path, name: str):
    """An engine on a new SQLite file ``tmp_path/name`` at the newest revision."""
    engine = make_engine(f"sqlite:///{tmp_path / name}")
    ensure_schema(engine)
    return engine


# What the list says, table by table, without ids or layout: two databases that imported
# equivalent lists have equal content.
CONTENT_QUERIES = {
    "papers": "select citation_key, title, url, year, arxiv_id, doi, openreview_id from papers",
    "venues": "select p.citation_key, v.name, v.full_name, v.kind from papers p "
              "left join venues v on v.id = p.venue_id",
    "frameworks": "select slug, name, url, year, training, inference, serving, comments, "
                  "position from frameworks",
    "links": "select p.citation_key, f.slug, pf.position from paper_frameworks pf "
             "join papers p on p.id = pf.paper_id join frameworks f on f.id = pf.framework_id",
    "categories": "select name, position from categories",
    "placements": "select p.citation_key, c.name, pc.position from paper_categories pc "
                  "join papers p on p.id = pc.paper_id join categories c on c.id = pc.category_id",
    "meta": "select key, value from list_meta where key != 'layout'",
}


def content(engine) -> dict[str, list]:
    """The list's content in the database (:data:`CONTENT_QUERIES`), each table sorted."""
    with engine.connect() as c:
        return {k: sorted(map(tuple, c.execute(text(q)))) for k, q in CONTENT_QUERIES.items()}


def entries(bib: str) -> dict[str, tuple[str, bool]]:
    """key -> (entry type, has an author), read from our own simple output format."""
    out = {}
    for block in bib.split("\n\n"):
        m = re.match(r"@(\w+)\{([^,]+),", block)
        assert m, block
        out[m.group(2)] = (m.group(1), "\n  author = {" in block)
    return out


def run_bibtex(bib: str, where: Path) -> tuple[dict[str, tuple[str, bool]], str, list[str]]:
    """Run the real ``bibtex`` (style plain) on ``bib``, citing every entry, in ``where``.

    Returns the entries (:func:`entries`), the ``.bbl`` and BibTeX's warnings. Without
    ``bibtex`` the test fails in CI (``.ci/run`` installs it) and is skipped elsewhere.
    """
    import shutil
    import subprocess

    import pytest

    exe = shutil.which("bibtex")
    if exe is None:
        if IN_CI:
            pytest.fail("bibtex is not installed; .ci/run installs texlive-binaries/texlive-base")
        pytest.skip("bibtex not installed (apt-get install texlive-binaries texlive-base)")
    (where / "refs.bib").write_text(bib, encoding="utf-8")
    info = entries(bib)
    (where / "doc.aux").write_text(
        "\\relax\n" + "".join(f"\\citation{{{k}}}\n" for k in info)
        + "\\bibstyle{plain}\n\\bibdata{refs}\n", encoding="utf-8")
    run = subprocess.run([exe, "doc"], cwd=where, capture_output=True, text=True, timeout=60)
    log = (where / "doc.blg").read_text(encoding="utf-8", errors="replace")
    assert run.returncode in (0, 1), run.stdout + run.stderr  # 1: warnings only
    assert "error message" not in log, log
    bbl = (where / "doc.bbl").read_text(encoding="utf-8")
    return info, bbl, re.findall(r"^Warning--(.*)$", log, re.M)


EXPECTED_CONSTRAINTS = {
    # By hand from lmsdb/store/schema.py: every ForeignKey, unique=True and index=True there.
    "papers": {"foreign_keys": [{"columns": ["venue_id"], "references": "venues",
                                 "referred_columns": ["id"], "on_delete": None}],
               "unique": [["citation_key"]],
               "indexes": ["ix_papers_arxiv_id", "ix_papers_doi", "ix_papers_venue_id",
                           "ix_papers_year"]},
    "paper_authors": {"foreign_keys": [
        {"columns": ["author_id"], "references": "authors", "referred_columns": ["id"],
         "on_delete": "CASCADE"},
        {"columns": ["paper_id"], "references": "papers", "referred_columns": ["id"],
         "on_delete": "CASCADE"}],
        "unique": [], "indexes": ["ix_paper_authors_author_id"]},
    "authors": {"foreign_keys": [], "unique": [["key"]], "indexes": ["ix_authors_family"]},
}


def constraints_of(schema_json: str) -> dict:
    """The foreign keys, unique constraints and index names of `lmsdb schema --format json`
    for the tables of :data:`EXPECTED_CONSTRAINTS`."""
    rels = {r["name"]: r for r in json.loads(schema_json)}
    return {name: {"foreign_keys": rels[name]["foreign_keys"], "unique": rels[name]["unique"],
                   "indexes": [i["name"] for i in rels[name]["indexes"]]}
            for name in EXPECTED_CONSTRAINTS}
