"""Writers take turns, on SQLite and PostgreSQL: two imports started together end in the
state one of the two orders gives, two migrations of an empty database both succeed, and a
writer that has to wait says so and gives up after --wait."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from lmsdb.store.db import make_engine
from lmsdb.store.locks import Wait
from lmsdb.store.migrate import SCHEMA_HEAD, stored_revision
from lmsdb.sync.importer import import_markdown

from .conftest import SEED, pg_admin, run_cli, url_of

RUNS = 10
# (title prefix, year in the list, year in the edit)
EDIT_A = ("Alpa: Automating", 2022, 2019)
EDIT_B = ("ZeRO-Offload:", 2021, 2018)


def _edited(tmp: Path, name: str, edit: tuple[str, int, int]) -> Path:
    prefix, old, new = edit
    lines = SEED.read_text(encoding="utf-8").split("\n")
    hits = [i for i, line in enumerate(lines) if f"[{prefix}" in line]
    assert len(hits) == 1 and lines[hits[0]].startswith(f"| {old} |")
    lines[hits[0]] = f"| {new} |" + lines[hits[0]][len(f"| {old} |"):]
    path = tmp / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _years(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(text("select year from papers where title like :t"),
                                  {"t": p + "%"}).scalar_one() for p in (EDIT_A[0], EDIT_B[0]))


def _reset(engine) -> None:
    import_markdown(engine, SEED)
    assert _years(engine) == (EDIT_A[1], EDIT_B[1])


# What two imports run at once may print besides their own lines: never a raw driver error.
RAW_ERRORS = ("Traceback", "violates", "duplicate key", "constraint", "IntegrityError",
              "database is locked", "psycopg", "sqlite3")
ORDERS = {(EDIT_A[1], EDIT_B[2]): "a then b", (EDIT_A[2], EDIT_B[1]): "b then a"}


def _check_run(years: tuple[int, int], exits: list[int], stderrs: list[str]) -> str:
    """The order the two imports took, if the run ended in a state one of the two orders
    gives (a then b: b's list, Alpa as in the list; b then a: a's list), both exited 0 and
    no raw error showed; else an AssertionError."""
    assert exits == [0, 0], (exits, stderrs)
    for err in stderrs:
        assert not any(raw in err for raw in RAW_ERRORS), err
        assert all("waiting for it to finish" in line
                   for line in err.splitlines() if line.startswith("lmsdb:")), err
    assert years in ORDERS, years
    return ORDERS[years]


def _import_process(url: str, path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lmsdb", "--db", url, "import", "--wait",
                             "60", str(path)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    """An empty database on each engine (PostgreSQL: schema ``race`` of the team database,
    as its owner)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'race.sqlite'}"
        return
    team = request.getfixturevalue("pg_team")
    yield url_of(team, "owner", schema="race")
    with pg_admin(url_of(team, "superuser")) as admin:
        admin.execute("DROP SCHEMA IF EXISTS race CASCADE")


def test_two_import_processes_at_once_end_as_one_order(url, tmp_path):
    """``lmsdb import edit_a.md & lmsdb import edit_b.md``, ten times from the same state."""
    a, b = _edited(tmp_path, "edit_a.md", EDIT_A), _edited(tmp_path, "edit_b.md", EDIT_B)
    base = make_engine(url)
    for _ in range(RUNS):
        _reset(base)
        procs = [_import_process(url, p) for p in (a, b)]
        stderrs = [p.communicate(timeout=120)[1] for p in procs]
        _check_run(_years(base), [p.returncode for p in procs], stderrs)
    base.dispose()


def _import_thread(url: str, path: Path, start: threading.Barrier, said: list[str],
                   errors: list[BaseException]) -> None:
    engine = make_engine(url)  # one engine per writer, as two processes would have
    try:
        start.wait()
        import_markdown(engine, path, wait=Wait(30, said.append))
    except BaseException as e:  # reported by the test
        errors.append(e)
    finally:
        engine.dispose()


def _two_threads(url: str, a: Path, b: Path) -> tuple[list[int], list[str]]:
    """Two imports in two threads with their own engines: (exit codes, what each said)."""
    said: list[list[str]] = [[], []]
    errors: list[list[BaseException]] = [[], []]
    start = threading.Barrier(2)
    threads = [threading.Thread(target=_import_thread, args=(url, p, start, said[i], errors[i]))
               for i, p in enumerate((a, b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ([1 if e else 0 for e in errors],
            ["\n".join(s + [repr(x) for x in e]) for s, e in zip(said, errors, strict=True)])


def test_the_check_catches_a_lost_update_without_the_lock(url, tmp_path, monkeypatch):
    """The check of the test above is not blind: with the writer lock patched out and both
    imports made to read before either writes (which the lock forbids, so this cannot run
    against the real lock), both exit 0 in a state neither order gives, and the check says so."""
    from contextlib import contextmanager

    from lmsdb.sync import importer, listsync

    a, b = _edited(tmp_path, "edit_a.md", EDIT_A), _edited(tmp_path, "edit_b.md", EDIT_B)
    base = make_engine(url)
    _reset(base)

    @contextmanager
    def no_lock(engine, wait=None):
        with engine.begin() as conn:
            yield conn

    both_read = threading.Barrier(2, timeout=30)
    real_load = listsync.load_state

    def load_then_meet(conn):
        state = real_load(conn)
        both_read.wait()
        return state

    monkeypatch.setattr(importer, "writing", no_lock)
    monkeypatch.setattr(listsync, "load_state", load_then_meet)
    exits, said = _two_threads(url, a, b)
    # Each wrote its own edit over what it read: both edits, which neither order gives.
    assert (_years(base), exits) == ((EDIT_A[2], EDIT_B[2]), [0, 0])
    with pytest.raises(AssertionError):
        _check_run(_years(base), exits, said)
    base.dispose()


def test_two_migrations_of_an_empty_database(url, tmp_path):
    """Two `lmsdb migrate` processes at once (Alembic keeps its state in module globals, so
    two migrations in one process's threads would not be what users run)."""
    procs = [subprocess.Popen([sys.executable, "-m", "lmsdb", "--db", url, "migrate"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert [r[2] for r in results] == [0, 0], results
    assert [r[0].split("\n")[1] for r in results] == [f"after:  {SCHEMA_HEAD}"] * 2, results
    assert all("Traceback" not in r[1] for r in results), results
    engine = make_engine(url)
    assert stored_revision(engine) == SCHEMA_HEAD
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink()
    else:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA race CASCADE"))
    engine.dispose()


def _hold_lock(url: str):
    """Another writer at work: a connection that holds the writer lock until released."""
    from lmsdb.store.locks import writing

    engine = make_engine(url)
    cm = writing(engine, Wait(5))
    cm.__enter__()

    def release() -> None:
        cm.__exit__(None, None, None)
        engine.dispose()

    return release


def test_a_waiting_writer_says_so_and_gives_up_after_wait(url, runner, tmp_path):
    a = _edited(tmp_path, "edit_a.md", EDIT_A)
    assert run_cli(runner, url, "import", str(SEED)).exit_code == 0
    release = _hold_lock(url)
    try:
        res = run_cli(runner, url, "import", "--wait", "0.3", str(a))
    finally:
        release()
    assert res.exit_code == 1
    lines = [line for line in res.stderr.splitlines() if line.startswith("lmsdb:")]
    assert lines[0] == ("lmsdb: another lmsdb command is writing to this database; waiting for "
                        "it to finish (up to 0.3 s, --wait SECONDS)")
    assert lines[1].startswith("lmsdb: error: another lmsdb command kept writing to this "
                               "database for more than 0.3 s (--wait): nothing was changed")
    engine = make_engine(url)
    assert _years(engine) == (EDIT_A[1], EDIT_B[1])
    # Released while the second writer waits: it goes on and plans from what is there.
    release = _hold_lock(url)
    timer = threading.Timer(0.5, release)
    timer.start()
    res = run_cli(runner, url, "import", "--wait", "30", str(a))
    timer.join()
    assert res.exit_code == 0, res.stderr
    assert "lmsdb: another lmsdb command is writing to this database; waiting" in res.stderr
    assert _years(engine) == (EDIT_A[2], EDIT_B[1])
    engine.dispose()


def test_sql_write_and_rekey_wait_too(url, runner):
    assert run_cli(runner, url, "import", str(SEED)).exit_code == 0
    release = _hold_lock(url)
    try:
        for args in (["sql", "--write", "delete from paper_urls"], ["rekey"]):
            res = run_cli(runner, url, *args, "--wait", "0.2")
            assert res.exit_code == 1, (args, res.output)
            assert "waiting for it to finish (up to 0.2 s" in res.stderr
            assert "nothing was changed" in res.stderr
    finally:
        release()
    res = run_cli(runner, url, "sql", "--write", "delete from list_meta where key = 'x'",
                  "--wait", "0")
    assert res.exit_code == 0 and "waiting" not in res.stderr, res.stderr


def test_curation_commands_wait_too(url, runner):
    """add, edit, rm and venue add take the writer lock (issue 14), their dry runs too (they
    write, then roll back)."""
    assert run_cli(runner, url, "import", str(SEED)).exit_code == 0
    release = _hold_lock(url)
    try:
        for args in (["add", "https://example.org/x", "--offline", "--title", "X", "--year",
                      "2020"], ["edit", "alpa2022", "--set", "year=2021"], ["rm", "alpa2022"],
                     ["venue", "add", "XC", "--name", "X Conf", "--kind", "conference"],
                     ["edit", "alpa2022", "--set", "year=2021", "--dry-run"]):
            res = run_cli(runner, url, *args, "--wait", "0.2")
            assert res.exit_code == 1, (args, res.output)
            assert "nothing was changed" in res.stderr
    finally:
        release()
    res = run_cli(runner, url, "rm", "alpa2022", "--wait", "0")
    assert res.exit_code == 0 and "waiting" not in res.stderr, res.stderr
