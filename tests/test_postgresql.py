"""The PostgreSQL side of revision 0003, `sql`, `search` and `stats`, against a real server.

The server is the session's (tests/conftest.py: $LMSDB_TEST_POSTGRESQL_URL, else a
throwaway server that tests/pg_server.py starts); the database, roles and privileges are
those of docs/postgresql.md.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import inspect, text

from lmsdb.store.db import make_engine
from lmsdb.store.migrate import alembic_config, downgrade, upgrade

from .conftest import SEED, run_cli, url_of

URL = ""  # the reader's URL, for the commands that read


@pytest.fixture(scope="module")
def pg(pg_team):
    """The reference list in database ``papers``, imported by the owner role of
    docs/postgresql.md; the CLI tests read it through the reader role."""
    from alembic import command

    from lmsdb.sync.importer import import_markdown

    global URL
    URL = url_of(pg_team, "reader")
    engine = make_engine(url_of(pg_team, "owner"))
    upgrade(engine)
    command.check(alembic_config(engine))
    import_markdown(engine, SEED)
    yield engine
    downgrade(engine, "base")
    insp = inspect(engine)
    assert set(insp.get_table_names()) <= {"alembic_version"}
    assert insp.get_view_names() == []
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from pg_proc p join pg_namespace n on "
                                 "n.oid = p.pronamespace where n.nspname = 'lmsdb'")).scalar() == 0
        conn.execute(text("drop table alembic_version"))
        conn.commit()
    engine.dispose()


def test_search_ranks_like_sqlite(pg):
    from lmsdb.query.search import search

    res = search(pg, "parallelism")
    assert [r[0] for r in res.rows] == ["optimizing2023", "alpaserve2023", "alpa2022",
                                        "megatronlm2020", "hybrid2023"]
    assert res.rows[0][3] == "On Optimizing the Communication of Model [Parallelism]"
    assert [r[0] for r in search(pg, '"model parallel*"').rows] == [
        "optimizing2023", "alpaserve2023", "megatronlm2020"]
    assert {r[0] for r in search(pg, "zero -infinity").rows} == {"zero2020", "zerooffload2021"}


def test_writes_through_sql_keep_search_in_step(pg):
    """`lmsdb sql --write` recomputes the search text of what it changed (query.run)."""
    from lmsdb.query.adhoc import run
    from lmsdb.query.search import search

    def write(sql, **params):
        run(pg, sql, params, write=True)

    with pg.connect() as conn:
        pid = conn.execute(text("select id from papers where citation_key = 'zero2020'")).scalar()
    write("insert into authors (id, family, given, key) values "
          "(1, 'Rajbhandari', 'Samyam', 'rajbhandari|samyam')")
    write("insert into paper_authors values (:p, 0, 1)", p=pid)
    assert search(pg, "rajbhandari").rows[0][4] == "Samyam [Rajbhandari]"
    write("update authors set family = 'Raj' where id = 1")
    assert search(pg, "rajbhandari").rows == [] and len(search(pg, "raj").rows) == 1
    write("delete from paper_authors")
    write("delete from authors")
    assert search(pg, "raj").rows == []


def test_views(pg):
    with pg.connect() as conn:
        moe = conn.execute(text("select categories, frameworks, venue from paper_view "
                                "where citation_key = 'deepspeedmoe2022'")).one()
        counts = dict(conn.execute(text("select slug, papers from framework_view")).all())
    assert tuple(moe) == ("Training, Inference", "DeepSpeed", "ICML")
    assert counts == {"alpa": 3, "megatron-ds": 0, "terapipe": 0, "ds": 21, "megatron": 1,
                      "pipedream": 0, "gpipe": 0}


@pytest.mark.parametrize("sql", ["delete from papers", "create table t (x int)",
                                 "create temp table t (x int)",
                                 "with d as (delete from papers returning 1) select 1"])
def test_writes_refused(pg, runner, sql):
    res = run_cli(runner, URL, "sql", sql)
    assert res.exit_code == 2 and "refused" in res.stderr


def test_commit_cannot_escape_the_read_only_transaction(pg, runner):
    res = run_cli(runner, URL, "sql", "select 1; commit; delete from paper_categories")
    assert res.exit_code == 2 and "one statement at a time" in res.stderr
    with pg.connect() as conn:
        assert conn.execute(text("select count(*) from paper_categories")).scalar() == 26


def test_params_timeout_and_stats(pg, runner):
    res = run_cli(runner, URL, "sql", "select count(*) as n from papers where year = :y",
                  "-p", "y", "2022", "--format", "json")
    assert json.loads(res.stdout) == [{"n": 11}]
    res = run_cli(runner, URL, "sql", "select pg_sleep(3)", "--timeout", "0.3")
    assert res.exit_code == 2 and "stopped after 0.3 s" in res.stderr
    data = json.loads(run_cli(runner, URL, "stats", "--format", "json").stdout)
    assert data["per_year"] == [{"year": 2020, "papers": 4}, {"year": 2021, "papers": 3},
                                {"year": 2022, "papers": 11}, {"year": 2023, "papers": 7}]
    assert data["per_venue"][0] == {"venue": "(preprint)", "papers": 7}


def _export(engine, module) -> str:
    import io

    out = io.StringIO()
    with engine.connect() as conn:
        module.write(conn, out)
    return out.getvalue()


def test_import_and_exports_match_sqlite(pg, seeded):
    """The same list gives the same .bib and markdown on PostgreSQL as on SQLite."""
    from lmsdb.exporters import bibtex, markdown

    assert _export(pg, bibtex) == _export(seeded, bibtex)
    assert _export(pg, markdown) == _export(seeded, markdown)


def test_dblp_like_entries_match_sqlite(pg, seeded):
    """PMLR series/volume, the published-link subquery and DBLP's CoRR preprints read the
    same on PostgreSQL (tests/test_export_dblp.py checks their content on SQLite)."""
    import io

    from lmsdb.exporters import bibtex

    def export(engine):
        out = io.StringIO()
        with engine.connect() as c:
            bibtex.write(c, out, preprint_style="dblp")
        return out.getvalue()

    text_pg = export(pg)
    assert text_pg == export(seeded)
    assert "series = {Proceedings of Machine Learning Research}" in text_pg
    assert "volume = {abs/1909.08053}" in text_pg


def test_reimport_and_sync_on_postgresql(pg):
    from lmsdb.sync.importer import import_markdown

    assert not import_markdown(pg, SEED).changed
    from .conftest import DATA

    # A new paper after the bulk import: ids come from Python, the sequence must follow.
    report = import_markdown(pg, DATA / "md" / "html_title.md")
    assert len(report.added) == 2
    # Papers written by COPY are found by search, as plain text.
    from lmsdb.query.search import search

    assert [r[3] for r in search(pg, "oracle").rows] == [
        "H2O: Heavy-Hitter [Oracle] for Efficient Generative Inference of Large Language Models"]
    assert [r[3] for r in search(pg, "laws").rows] == ["Scaling [Laws] & Compute-Optimal Training"]
    with pg.begin() as conn:
        conn.execute(text("insert into venues (name, kind, known) values ('X', 'unknown', false)"))
        assert conn.execute(text("select count(*) from papers")).scalar() == 27
        conn.execute(text("delete from venues where name = 'X'"))
    import_markdown(pg, SEED, prune=True)
    with pg.connect() as conn:
        assert conn.execute(text("select count(*) from papers")).scalar() == 25


def test_replay_and_its_triggers_on_postgresql(pg):
    """Statement-level triggers empty list_sync on any write; a repeat import replays."""
    from lmsdb.sync.importer import import_markdown

    import_markdown(pg, SEED, prune=True)
    assert import_markdown(pg, SEED).replayed
    with pg.begin() as conn:
        conn.execute(text("update frameworks set comments = comments where slug = 'ds'"))
        assert conn.execute(text("select count(*) from list_sync")).scalar() == 0
    assert not import_markdown(pg, SEED).replayed
    assert import_markdown(pg, SEED).replayed


def test_bib_merge_on_postgresql(pg):
    from lmsdb.sync.importer import import_bibtex

    from .conftest import DATA

    import_bibtex(pg, DATA / "dblp-sample.bib")
    with pg.connect() as conn:
        authors = conn.execute(text(
            "select a.family from paper_authors pa join authors a on a.id = pa.author_id "
            "join papers p on p.id = pa.paper_id where p.citation_key = 'zero2020' "
            "order by pa.position")).scalars().all()
    assert authors == ["Rajbhandari", "Rasley", "Ruwase", "He"]


def test_schema_constraints_on_postgresql(pg, runner):
    """`lmsdb schema` shows the same foreign keys, unique constraints and indexes as on
    SQLite (the naming convention names them alike)."""
    from .helpers import EXPECTED_CONSTRAINTS, constraints_of

    res = run_cli(runner, URL, "schema", "--format", "json")
    assert res.exit_code == 0
    assert constraints_of(res.stdout) == EXPECTED_CONSTRAINTS


def test_export_filters_on_postgresql(pg, runner):
    res = run_cli(runner, URL, "export", "bib", "--venue", "OSDI", "--venue", "SC",
                  "--year", "2022")
    assert res.exit_code == 0
    assert sorted(re.findall(r"^@\w+\{([^,]+),", res.stdout, re.M)) == [
        "alpa2022", "deepspeed2022a"]  # as on SQLite: `sql "select ... from paper_view"`
    res = run_cli(runner, URL, "export", "bib", "--category", "Nope")
    assert res.exit_code == 2 and "the database has: Training, Inference" in res.stderr


def test_paper_view_and_json_match_sqlite_after_a_merge(pg, seeded, runner, db_url):
    """paper_view's authors, venue_full_name and pages, and paper_author_view, read the same
    on PostgreSQL; `sql --format json|jsonl` prints the same bytes (SQLite's come from
    lmsdb.query.fastjson, PostgreSQL's from Python). Runs after test_bib_merge_on_postgresql."""
    from lmsdb.sync.importer import import_bibtex

    from .conftest import DATA

    import_bibtex(seeded, DATA / "dblp-sample.bib")
    for sql in ("select citation_key, authors, venue_full_name, pages from paper_view "
                "order by citation_key",
                "select author, count(*) as papers from paper_author_view "
                "group by author order by papers desc, author"):
        for fmt in ("json", "jsonl"):
            on_pg = run_cli(runner, URL, "sql", sql, "--format", fmt)
            on_lite = run_cli(runner, db_url, "sql", sql, "--format", fmt)
            assert on_pg.exit_code == on_lite.exit_code == 0
            assert on_pg.stdout == on_lite.stdout
    zero = json.loads(run_cli(runner, URL, "sql", "select authors, pages from paper_view "
                              "where citation_key = 'zero2020'", "--format", "json").stdout)
    assert zero == [{"authors": "Samyam Rajbhandari, Jeff Rasley, Olatunji Ruwase, Yuxiong He",
                     "pages": "20"}]


def test_sql_reads_piped_stdin_on_postgresql(pg, runner):
    res = run_cli(runner, URL, "sql", "--format", "csv", "--no-headers",
                  input="select count(*) from papers\n")
    assert (res.exit_code, res.stdout) == (0, "25\n")


@pytest.fixture
def pg_url(pg_team):
    """The owner's URL: enrich writes."""
    return url_of(pg_team, "owner")


@pytest.mark.parametrize(("sql", "message"), [
    ("update papers set year = 3000 where citation_key = 'alpa2022'",
     "papers.year must be a whole number in 1900..next year"),
    ("update papers set title = ' ' where citation_key = 'alpa2022'",
     "papers.title must not be empty"),
    ("update papers set url = 'ftp://example.org/a' where citation_key = 'alpa2022'",
     "papers.url must be an http(s) URL without whitespace"),
    ("update frameworks set url = 'https://x.org/a b' where slug = 'ds'",
     "frameworks.url must be an http(s) URL without whitespace"),
])
def test_validity_triggers(pg, pg_url, runner, sql, message):
    """Revision 0008: the same rules as on SQLite, nothing changed (as the owner, who may
    write)."""
    res = run_cli(runner, pg_url, "sql", "--write", sql)
    assert res.exit_code == 2 and message in res.stderr
    with pg.connect() as conn:
        assert conn.execute(text("select year, title, url from papers "
                                 "where citation_key = 'alpa2022'")).one() == (
            2022, "Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed Deep "
            "Learning", "https://www.usenix.org/conference/osdi22/presentation/zheng-lianmin")


def test_curation_on_postgresql(pg, pg_url, runner):
    """add, edit, rm, venue add and the three-way import, on PostgreSQL."""
    from lmsdb.sync.importer import import_markdown

    res = run_cli(runner, pg_url, "add", "2205.14135", "--offline", "--title", "FlashAttention",
                  "--year", "2022", "--category", "Training")
    assert res.exit_code == 0, res.stderr
    run_cli(runner, pg_url, "edit", "alpa2022", "--set", "year=2021")
    assert run_cli(runner, pg_url, "venue", "add", "MyConf", "--name", "My Conference",
                   "--kind", "conference").exit_code == 0
    report = import_markdown(pg, SEED)
    assert report.merge.kept_fields == 1 and report.merge.kept_papers == ["flashattention2022"]
    assert run_cli(runner, pg_url, "rm", "flashattention2022").exit_code == 0
    run_cli(runner, pg_url, "edit", "alpa2022", "--set", "year=2022")
    with pg.connect() as conn:
        assert conn.execute(text("select count(*) from papers")).scalar() == 25
    assert not import_markdown(pg, SEED).changed


def test_enrich_and_show_on_postgresql(pg, pg_url, services, clock, runner):
    """Last in this module: it adds authors, ids and provenance to the shared database."""
    result = run_cli(runner, pg_url, "enrich", "--apply-venues")
    assert result.exit_code == 0, result.output
    with pg.connect() as c:
        assert c.execute(text("select pages from papers where citation_key = 'alpa2022'")
                         ).scalar() == "559-578"
        assert c.execute(text("select count(*) from field_provenance")).scalar() > 60
    shown = json.loads(run_cli(runner, pg_url, "show", "maximizing2022", "--format",
                               "json").stdout)
    assert shown["venue"]["name"] == "ICLR"
    assert shown["urls"] == ["https://arxiv.org/abs/2202.06009"]
    assert shown["provenance"]["venue"]["source"] == "dblp"
    before = len(services.log)
    assert run_cli(runner, pg_url, "enrich").exit_code == 0
    assert len(services.log) == before
