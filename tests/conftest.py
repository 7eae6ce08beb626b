"""Shared fixtures: a fresh SQLite database per test, the reference list, a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from lmsdb.store.db import make_engine
from lmsdb.store.migrate import ensure_schema

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "awesome-lm-system.md"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def migrated(engine):
    ensure_schema(engine)
    return engine


@pytest.fixture
def seeded(migrated):
    from lmsdb.sync.importer import import_markdown

    import_markdown(migrated, SEED)
    return migrated


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run_cli(runner: CliRunner, db_url: str, *args: str, input: str | None = None):
    """Invoke ``lmsdb --db URL ARGS``; returns the click Result (stdout, stderr, exit_code)."""
    from lmsdb.cli.app import cli

    return runner.invoke(cli, ["--db", db_url, *args], input=input, catch_exceptions=False)


# ----------------------------------------------------------------------------- network

_LOOPBACK_NAMES = {"localhost", "ip6-localhost", "ip6-loopback"}


def _is_loopback(host: object) -> bool:
    import ipaddress

    if not isinstance(host, str):
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path_factory):
    """Any connection (or name lookup) beyond loopback fails the test; the HTTP cache of
    `lmsdb enrich` lives in a fresh directory, and no real contact address or key is sent."""
    import socket

    attempts: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(address: object) -> None:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            attempts.append(repr(address))
            raise OSError(f"tests may not use the network (tried {address!r})")

    def connect(self, address):  # type: ignore[no-untyped-def]
        if self.family in (socket.AF_INET, socket.AF_INET6):
            check(address)
        return real_connect(self, address)

    def connect_ex(self, address):  # type: ignore[no-untyped-def]
        if self.family in (socket.AF_INET, socket.AF_INET6):
            check(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host is not None and not _is_loopback(host if isinstance(host, str)
                                                 else host.decode()):
            attempts.append(f"name lookup of {host!r}")
            raise socket.gaierror(f"tests may not use the network (looked up {host!r})")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setenv("LMSDB_CACHE_DIR", str(tmp_path_factory.mktemp("http-cache")))
    for var in ("LMSDB_MAILTO", "S2_API_KEY", "LMSDB_DBLP_URL", "LMSDB_ARXIV_URL",
                "LMSDB_S2_URL", "LMSDB_CROSSREF_URL"):
        monkeypatch.delenv(var, raising=False)
    yield attempts
    if attempts:
        pytest.fail("the test tried to reach the network: " + "; ".join(attempts))


@pytest.fixture
def services(httpserver, monkeypatch):
    """DBLP, arXiv, S2 and Crossref replayed on loopback (tests/fake_services.py); their
    base URLs are in the environment, as a user would set them."""
    import re

    from .fake_services import FakeServices

    fake = FakeServices(httpserver.url_for("/").rstrip("/"))
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    for k, v in fake.env().items():
        monkeypatch.setenv(k, v)
    return fake


class FakeClock:
    """Time that passes only when slept: rate-limit tests never wait."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleeps.append(round(seconds, 6))
            self.t += seconds


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    """A fake clock, also used by every `lmsdb enrich` the test runs through the CLI."""
    from lmsdb.services import http

    c = FakeClock()
    monkeypatch.setattr(http.Clock, "now", lambda self: c.now())
    monkeypatch.setattr(http.Clock, "sleep", lambda self, s: c.sleep(s))
    return c


@pytest.fixture(scope="session")
def enriched_template(make_httpserver, tmp_path_factory):
    """The reference list imported and enriched ONCE per session against the replayed
    services: (directory with db.sqlite and the HTTP cache, the requests made, the summary).
    Tests take a copy through the `enriched` fixture instead of enriching again."""
    import re

    from lmsdb.services import http

    from .fake_services import FakeServices

    fake = FakeServices(make_httpserver.url_for("/").rstrip("/"))
    # pytest-httpserver's `httpserver` clears the shared server when a test starts, not when
    # it ends: the handler of an earlier test's `services` would otherwise answer first.
    make_httpserver.clear()
    make_httpserver.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    d = tmp_path_factory.mktemp("enriched")
    mp = pytest.MonkeyPatch()
    try:
        for k, v in fake.env().items():
            mp.setenv(k, v)
        mp.setenv("LMSDB_CACHE_DIR", str(d / "cache"))
        mp.setattr(http.Clock, "sleep", lambda self, s: None)
        url = f"sqlite:///{d / 'db.sqlite'}"
        run_cli(CliRunner(), url, "import", str(SEED))
        result = run_cli(CliRunner(), url, "enrich")
        assert result.exit_code == 0, result.output
    finally:
        mp.undo()
        make_httpserver.clear()
    return d, list(fake.log), result.stderr


@pytest.fixture
def enriched(enriched_template, engine, services, clock) -> str:
    """The reference list imported and enriched at `db_url` (a copy of the session's
    template, made before `engine` first connects), its HTTP cache in place, and the
    requests of that run in `services.log`. Returns the run's summary (stderr)."""
    import os
    import shutil

    d, log, stderr = enriched_template
    shutil.copy(d / "db.sqlite", engine.url.database)
    shutil.copytree(d / "cache", os.environ["LMSDB_CACHE_DIR"], dirs_exist_ok=True)
    services.log.extend(log)
    return stderr


@pytest.fixture(scope="session")
def pg_server():
    """A superuser URL (database ``lmsdb_test``) of a PostgreSQL server, shared by every
    PostgreSQL test: $LMSDB_TEST_POSTGRESQL_URL if set (a scratch server: the tests drop
    and recreate what they use), else a throwaway server that tests/pg_server.py starts from
    the machine's binaries.

    Where no server can be started the tests are skipped with the reason, except under CI
    (CI=true, as .ci/run sets), where that is a failure: the project's own files install
    PostgreSQL there, so the PostgreSQL tests never silently skip."""
    import os

    given = os.environ.get("LMSDB_TEST_POSTGRESQL_URL")
    if given:
        yield given
        return
    from .pg_server import NoServer, temporary_server

    server = temporary_server()
    try:
        url = server.__enter__()
    except NoServer as e:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests cannot run in CI: {e}")
        pytest.skip(f"no PostgreSQL server: {e}")
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


def pg_admin(url: str, database: str | None = None):
    """A psycopg connection in autocommit mode to ``url`` (or its ``database``)."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if database:
        u = u.set(database=database)
    return psycopg.connect(u.set(drivername="postgresql").render_as_string(hide_password=False),
                           autocommit=True)


DOCS_PG = ROOT / "docs" / "postgresql.md"


def docs_sql_blocks() -> list[tuple[str, list[str]]]:
    """The ```sql blocks of docs/postgresql.md: (the database each says it runs in, its
    statements)."""
    import re

    blocks = []
    for body in re.findall(r"```sql\n(.*?)```", DOCS_PG.read_text(encoding="utf-8"), re.S):
        first, _, rest = body.partition("\n")
        m = re.fullmatch(r"-- connected to: (\w+)", first.strip())
        assert m, f"a SQL block of {DOCS_PG.name} does not say where it runs: {first!r}"
        statements = [s.strip() for s in re.split(r";\s*\n", rest) if s.strip()]
        blocks.append((m.group(1), statements))
    return blocks


@pytest.fixture(scope="session")
def pg_team(pg_server):
    """The team set-up of docs/postgresql.md, run as written (as the superuser): returns
    the URLs of database ``papers`` as its owner, its reader and the superuser."""
    from sqlalchemy.engine import make_url

    with pg_admin(pg_server, "postgres") as admin:  # a clean slate, whatever a run left
        admin.execute("DROP DATABASE IF EXISTS papers WITH (FORCE)")
        admin.execute("DROP ROLE IF EXISTS lmsdb_owner")
        admin.execute("DROP ROLE IF EXISTS lmsdb_reader")
    for database, statements in docs_sql_blocks():
        with pg_admin(pg_server, database) as admin:
            for stmt in statements:
                admin.execute(stmt)
    base = make_url(pg_server).set(database="papers")
    return {"owner": base.set(username="lmsdb_owner", password="owner-secret"),
            "reader": base.set(username="lmsdb_reader", password="reader-secret"),
            "superuser": base}


def url_of(team, role: str, schema: str | None = None) -> str:
    """``role``'s URL from :func:`pg_team`, for lmsdb's schema or another one."""
    u = team[role]
    if schema:
        u = u.update_query_dict({"schema": schema})
    return u.render_as_string(hide_password=False)
