"""PostgreSQL for a team, through the roles of docs/postgresql.md: read-only `sql` that no
role escapes, reading that never creates anything, lmsdb's own schema, the same output as
SQLite, and a list history and a .bib merge that end as on SQLite."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from lmsdb.store.migrate import SCHEMA_HEAD
from lmsdb.store.schema import Paper

from .conftest import DATA, SEED, docs_sql_blocks, pg_admin, run_cli, url_of


def _reset_schema(team) -> None:
    """An empty schema ``lmsdb`` again, with the docs' grants (step 2 run again)."""
    with pg_admin(url_of(team, "superuser")) as admin:
        admin.execute("DROP SCHEMA IF EXISTS lmsdb CASCADE")
        for database, statements in docs_sql_blocks():
            if database == "papers":
                for stmt in statements:
                    admin.execute(stmt)


@pytest.fixture(scope="module")
def team(pg_team):
    """The reference list imported by the owner, through the command line."""
    from click.testing import CliRunner

    _reset_schema(pg_team)
    res = run_cli(CliRunner(), url_of(pg_team, "owner"), "import", str(SEED))
    assert res.exit_code == 0, res.stderr
    yield pg_team
    _reset_schema(pg_team)


# -- fault 1: read-only `sql` that no role escapes ---------------------------------------

ESCAPES = {
    "copy to program": "copy (select 1) to program 'touch {path}'",
    "copy to file": "copy (select 1) to '{path}'",
    "replication slot": "select pg_create_physical_replication_slot('lmsdb_escape')",
    "terminate": "select pg_terminate_backend(:pid::int)",
    "read file": "select pg_read_file('postmaster.pid')",
    "notify": "select pg_notify('lmsdb_escape', 'hello')",
    "become superuser": "select set_config('role', 'postgres', false), pg_read_file('PG_VERSION')",
}


@pytest.fixture
def bystanders(team):
    """Another session (an import at work, as the owner) and a listener."""
    victim = pg_admin(url_of(team, "owner"))
    listener = pg_admin(url_of(team, "owner"))
    listener.execute("LISTEN lmsdb_escape")
    yield victim, listener
    victim.close()
    listener.close()


@pytest.mark.parametrize("role", ["superuser", "owner", "reader"])
@pytest.mark.parametrize("call", list(ESCAPES))
def test_read_only_sql_escapes_with_no_role(team, bystanders, runner, role, call):
    victim, listener = bystanders
    path = Path(f"/tmp/lmsdb-escape-{uuid.uuid4().hex}")
    pid = victim.execute("select pg_backend_pid()").fetchone()[0]
    res = run_cli(runner, url_of(team, role), "sql", ESCAPES[call].format(path=path),
                  "-p", "pid", str(pid))
    try:
        assert res.exit_code == 2, res.output
        assert not path.exists()  # no program ran, no server file was written
        assert res.stdout == ""  # no server file was read
        assert victim.execute("select 1").fetchone() == (1,)  # the other session lives
        assert list(listener.notifies(timeout=0.2, stop_after=1)) == []
        with pg_admin(url_of(team, "superuser")) as admin:
            assert admin.execute("select count(*) from pg_replication_slots").fetchone() == (0,)
    finally:
        path.unlink(missing_ok=True)
    first = res.stderr.splitlines()[0]
    if role == "superuser":
        assert "refused: a read-only query does not run as PostgreSQL role 'postgres': it is " \
               "a superuser" in first
        assert "docs/postgresql.md" in res.stderr
    else:
        assert "permission denied" in first or "must be superuser" in first, first


def test_a_role_that_can_become_a_superuser_is_refused(team, runner):
    with pg_admin(url_of(team, "superuser")) as admin:
        admin.execute("DROP ROLE IF EXISTS climber")
        admin.execute("CREATE ROLE climber LOGIN IN ROLE lmsdb_reader")
        admin.execute("GRANT postgres TO climber")
    try:
        res = run_cli(runner, url_of(team, "reader").replace("lmsdb_reader", "climber"),
                      "sql", "select set_config('role', 'postgres', false)")
        assert res.exit_code == 2
        assert "through role 'postgres', which it can become" in res.stderr
        assert res.stdout == ""
    finally:
        with pg_admin(url_of(team, "superuser")) as admin:
            admin.execute("DROP ROLE climber")


def test_a_role_that_may_end_sessions_is_refused(team, runner):
    """Without the docs' REVOKE, any role may end its own role's other sessions."""
    with pg_admin(url_of(team, "superuser")) as admin:
        admin.execute("GRANT EXECUTE ON FUNCTION pg_terminate_backend(integer, bigint) "
                      "TO lmsdb_reader")
    try:
        res = run_cli(runner, url_of(team, "reader"), "sql", "select 1")
        assert res.exit_code == 2
        assert "it may call pg_terminate_backend, which reach other sessions" in res.stderr
    finally:
        with pg_admin(url_of(team, "superuser")) as admin:
            admin.execute("REVOKE EXECUTE ON FUNCTION pg_terminate_backend(integer, bigint) "
                          "FROM lmsdb_reader")


def test_nothing_a_read_only_query_takes_outlives_it(team, runner):
    """A session-level advisory lock (here: the writers' own) and a setting end with the
    query: the connection is closed, not handed back to a pool."""
    from lmsdb.query.adhoc import run
    from lmsdb.store.db import make_engine

    engine = make_engine(url_of(team, "reader"))
    res = run(engine, "select set_config('statement_timeout', '1', false) as s, "
                      "pg_advisory_lock(hashtextextended('lmsdb writer lmsdb', 0))::text as l")
    assert res.rows == [("1ms", "")]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("show statement_timeout").scalar() == "0"
    engine.dispose()
    res = run_cli(runner, url_of(team, "owner"), "import", "--wait", "0", str(SEED))
    assert res.exit_code == 0 and "waiting" not in res.stderr, res.stderr


def test_each_role_does_what_the_docs_say(team, runner, tmp_path):
    reader, owner = url_of(team, "reader"), url_of(team, "owner")
    for args in (["sql", "select count(*) as n from papers", "--format", "json"],
                 ["search", "zero", "--format", "json"], ["stats", "--format", "json"],
                 ["schema"], ["export", "bib", "-o", str(tmp_path / "r.bib")]):
        for url in (reader, owner):
            res = run_cli(runner, url, *args)
            assert res.exit_code == 0, (args, res.stderr)
    assert json.loads(run_cli(runner, reader, "sql", "select count(*) as n from papers",
                              "--format", "json").stdout) == [{"n": 25}]
    for args in (["import", str(DATA / "md" / "html_title.md")],
                 ["import", str(DATA / "dblp-sample.bib")],
                 ["sql", "--write", "delete from paper_urls"]):
        res = run_cli(runner, reader, *args)
        assert res.exit_code != 0 and "permission denied" in res.stderr, (args, res.stderr)
        assert "Traceback" not in res.output
    assert json.loads(run_cli(runner, reader, "sql", "select count(*) as n from papers",
                              "--format", "json").stdout) == [{"n": 25}]
    res = run_cli(runner, owner, "sql", "--write", "update papers set year = year")
    assert res.exit_code == 0 and "25 row(s) changed" in res.stderr


# -- fault 3: reading never creates; lmsdb's own schema ------------------------------------

READING = [["stats"], ["export", "bib"], ["export", "md"], ["search", "zero"], ["schema"],
           ["sql", "select 1"]]


@pytest.mark.parametrize("args", READING, ids=lambda a: a[0] + (a[1] if a[0] == "export" else ""))
def test_reading_an_empty_database_creates_nothing(team, runner, args):
    for role in ("superuser", "owner"):
        res = run_cli(runner, url_of(team, role, schema="nothing_here"), *args)
        assert res.exit_code == 2, res.output
        assert "lmsdb's tables are missing: schema 'nothing_here'" in res.stderr
    with pg_admin(url_of(team, "superuser")) as admin:
        assert admin.execute("select count(*) from pg_namespace "
                             "where nspname = 'nothing_here'").fetchone() == (0,)
        assert admin.execute("select count(*) from pg_class c join pg_namespace n "
                             "on n.oid = c.relnamespace where n.nspname = 'public'"
                             ).fetchone() == (0,)


def test_lmsdb_lives_in_its_own_schema(team, runner):
    with pg_admin(url_of(team, "superuser")) as admin:
        admin.execute("CREATE TABLE public.papers (customer text)")  # another application's
        admin.execute("CREATE TABLE public.alembic_version (version_num text)")
        try:
            res = run_cli(runner, url_of(team, "owner", schema="team_b"), "import", str(SEED))
            assert res.exit_code == 0, res.stderr
            schemas = admin.execute(
                "select n.nspname, count(*) from pg_class c join pg_namespace n "
                "on n.oid = c.relnamespace where c.relname in ('papers', 'alembic_version') "
                "group by n.nspname order by n.nspname").fetchall()
            assert schemas == [("lmsdb", 2), ("public", 2), ("team_b", 2)]
            assert admin.execute("select count(*) from public.papers").fetchone() == (0,)
            assert admin.execute("select version_num from team_b.alembic_version"
                                 ).fetchone() == (SCHEMA_HEAD,)
        finally:
            admin.execute("DROP TABLE public.papers, public.alembic_version")
            admin.execute("DROP SCHEMA team_b CASCADE")
    res = run_cli(runner, url_of(team, "reader"), "sql", "select * from papers",
                  "--format", "jsonl")
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 25


def test_schema_name_is_checked(runner):
    res = run_cli(runner, "postgresql://u@127.0.0.1:1/db?schema=x;drop", "stats")
    assert res.exit_code == 2 and "is not a plain schema name" in res.stderr


# -- faults 5 and 6: the same text on both engines -------------------------------------------

SAME_TEXT = [
    "select slug, training, inference, serving from frameworks order by position",
    "select name, known, kind from venues order by name",
    "select avg(year) as mean, sum(year) as total, count(*) as n, min(year) as first "
    "from papers",
    "select round(avg(year), 2) as mean, avg(year) * 0 as zero from papers",
    "select * from framework_view order by position",
    "select * from paper_view order by id",
    "select year, count(*) as papers from paper_view group by year order by year",
    "select 'ratio :x' as s, :y as y, '%' as percent",
    "select 10 % 3 as r, '100%' as p, 'a:b' as c",
    *(f"select * from {t} order by 1, 2" for t in (
        "venues", "frameworks", "categories", "paper_frameworks", "paper_categories",
        "paper_urls", "list_meta", "authors", "paper_authors", "alembic_version, venues")),
    # Every column of papers but search_vector, which only PostgreSQL fills (revision 0009:
    # SQLite's FTS5 stems by itself).
    "select " + ", ".join(c.name for c in Paper.__table__.columns if c.name != "search_vector")
    + " from papers order by id",
]


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_the_same_query_prints_the_same_text(team, seeded_url, runner, fmt):
    for sql in SAME_TEXT:
        params = ["-p", "y", "3"] if ":y" in sql else []
        lite = run_cli(runner, seeded_url, "sql", sql, "--format", fmt, *params)
        pg = run_cli(runner, url_of(team, "reader"), "sql", sql, "--format", fmt, *params)
        assert lite.exit_code == 0 and pg.exit_code == 0, (sql, lite.stderr, pg.stderr)
        assert pg.stdout == lite.stdout, sql


def test_numbers_and_arrays_are_json(team, runner):
    res = run_cli(runner, url_of(team, "reader"), "sql",
                  "select avg(year) as mean, array_agg(name order by position) as names, "
                  "bool_and(training) as all_train from frameworks", "--format", "json")
    assert json.loads(res.stdout) == [{
        "mean": 14141 / 7, "all_train": 1,  # 2022 + 2 * 2021 + 2020 + 3 * 2019
        "names": ["Alpa", "Megatron-DeepSpeed", "TeraPipe", "DeepSpeed", "Megatron-LM",
                  "PipeDream", "TorchGipe"]}]
    table = run_cli(runner, url_of(team, "reader"), "sql",
                    "select array_agg(name order by position) as names from categories")
    assert table.stdout.splitlines()[2] == '["Training", "Inference", "Benchmark", "Survey"]'


def test_missing_parameter_and_copy_are_one_line_errors(team, seeded_url, runner):
    for url in (seeded_url, url_of(team, "reader")):
        res = run_cli(runner, url, "sql", "select :nope as x")
        assert res.exit_code == 2 and res.stderr.startswith("lmsdb: error: ")
        assert "Traceback" not in res.output
        res = run_cli(runner, url, "sql", "copy papers to stdout")
        assert res.exit_code == 2 and res.stdout == ""
        assert res.stderr.startswith("lmsdb: error: SQL error: ")
        assert len(res.stderr.splitlines()) == 2 and "Traceback" not in res.output
    res = run_cli(runner, url_of(team, "reader"), "sql", "copy papers to stdout")
    assert "use --format csv" in res.stderr
    # the connection that was left in the middle of a COPY is not reused
    res = run_cli(runner, url_of(team, "reader"), "sql", "select 1 as one")
    assert res.exit_code == 0


# -- a list history and a .bib merge end as on SQLite --------------------------------------

def _exports(url: str) -> tuple[str, str]:
    import io

    from lmsdb.exporters import bibtex, markdown
    from lmsdb.store.db import make_engine

    engine = make_engine(url)
    try:
        out = []
        for module in (bibtex, markdown):
            buf = io.StringIO()
            with engine.connect() as conn:
                module.write(conn, buf)
            out.append(buf.getvalue())
        return out[0], out[1]
    finally:
        engine.dispose()


def test_list_history_and_bib_merge_end_as_on_sqlite(team, db_url, runner):
    pg = url_of(team, "owner", schema="history")
    steps = [["import", str(DATA / "md" / "sync_v1.md")],
             ["import", "--dry-run", str(DATA / "md" / "sync_v2.md")],
             ["import", "--prune", str(DATA / "md" / "sync_v2.md")],
             ["import", "--dry-run", str(DATA / "dblp-sample.bib")],
             ["import", "--add-new", str(DATA / "dblp-sample.bib")],
             ["import", str(SEED)]]
    try:
        for step in steps:
            lite, post = run_cli(runner, db_url, *step), run_cli(runner, pg, *step)
            assert (post.exit_code, post.stdout, post.stderr) == (
                lite.exit_code, lite.stdout, lite.stderr), step
            assert _exports(pg) == _exports(db_url), step
        assert "papers: added 2, updated 4" in lite.stderr or lite.exit_code == 0
    finally:
        with pg_admin(url_of(team, "superuser")) as admin:
            admin.execute("DROP SCHEMA IF EXISTS history CASCADE")


@pytest.fixture
def seeded_url(seeded, db_url):
    return db_url


# -- the driver hint -----------------------------------------------------------------------

def test_the_driver_hint_is_the_same_in_the_code_and_the_docs():
    from lmsdb.store.db import POSTGRES_HINT

    from .conftest import ROOT

    assert "pip install 'lmsdb[postgres]'" in POSTGRES_HINT and "'.[postgres]'" in POSTGRES_HINT
    for doc in ("README.md", "docs/postgresql.md"):
        assert POSTGRES_HINT in (ROOT / doc).read_text(encoding="utf-8"), doc


@pytest.mark.parametrize("how", ["lmsdb", "alembic"])
def test_no_driver_is_a_one_line_error(how, tmp_path):
    """Without psycopg, `lmsdb stats` and `alembic current` say what to install, in one line."""
    import os
    import subprocess
    import sys

    from lmsdb.store.db import POSTGRES_HINT

    from .conftest import ROOT

    call = ("from lmsdb.cli.app import main; sys.argv = ['lmsdb', 'stats']; main()"
            if how == "lmsdb" else
            f"from alembic.config import main; main(argv=['-c', {str(ROOT / 'alembic.ini')!r}, "
            "'current'])")
    env = {**os.environ, "LMSDB_DATABASE_URL": "postgresql://u@127.0.0.1:1/db"}
    res = subprocess.run([sys.executable, "-c", f"import sys; sys.modules['psycopg'] = None; "
                          f"{call}"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert res.returncode in (1, 2), res.stderr
    assert len(res.stderr.splitlines()) == 1 and "Traceback" not in res.stderr
    assert res.stderr.startswith("lmsdb: error: ") and POSTGRES_HINT in res.stderr
