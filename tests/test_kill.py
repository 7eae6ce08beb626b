"""kill -9 during an import: the database keeps its old state, passes SQLite's integrity
check, and the next import completes.

The import of a generated list runs as a separate process; it is killed at a random point
(fixed seed) of its write transaction, found by watching for SQLite's rollback journal,
which exists exactly while a write transaction is open.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import SEED, run_cli
from .generate import generate
from .helpers import sql_dump

N = 5_000  # papers: the write transaction lasts a few tenths of a second


def _integrity(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("pragma integrity_check").fetchone()[0]
    finally:
        con.close()


def _kill_during_the_write(url: str, big: Path, journal: Path, delay: float) -> bool:
    """Start an import, kill -9 it ``delay`` seconds after its write transaction began;
    whether the transaction was still open when the process died."""
    proc = subprocess.Popen([sys.executable, "-m", "lmsdb", "--db", url, "import", str(big)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not journal.exists():  # the write transaction has begun
        assert proc.poll() is None, "the import ended before it wrote anything"
        assert time.monotonic() < deadline
        time.sleep(0.001)
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)  # an exited but unreaped process is still there
    code = proc.wait()
    # A commit deletes the journal: one left behind by the dead process means it died
    # inside its transaction (checked after its death, so no race with the commit).
    open_transaction = journal.exists()
    if open_transaction:
        assert code == -signal.SIGKILL
    return open_transaction


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_9_during_an_import_keeps_the_old_state(runner, tmp_path):
    db = tmp_path / "db.sqlite"
    url = f"sqlite:///{db}"
    assert run_cli(runner, url, "import", str(SEED)).exit_code == 0
    before = sql_dump(db)
    big = tmp_path / "big.md"
    big.write_text(generate(N, seed=10), encoding="utf-8")
    journal = Path(f"{db}-journal")
    rnd = random.Random(10)

    saved = tmp_path / "saved.sqlite"
    shutil.copyfile(db, saved)
    # The transaction lasts a few tenths of a second; on a loaded machine the commit may win
    # the race: the state is then put back and the next attempt kills sooner (the last at
    # once).
    delays = [rnd.uniform(0.0, 0.15 / (k + 1)) for k in range(4)] + [0.0]
    for delay in delays:
        if _kill_during_the_write(url, big, journal, delay):
            break
        shutil.copyfile(saved, db)
    else:
        pytest.fail(f"{len(delays)} imports committed before they could be killed")

    assert _integrity(db) == "ok"  # opening the database rolls the hot journal back
    assert sql_dump(db) == before

    res = run_cli(runner, url, "import", str(big))
    assert res.exit_code == 0, res.stderr[-2000:]
    assert _integrity(db) == "ok"
    res = run_cli(runner, url, "sql", "select count(*) from papers", "--format", "csv",
                  "--no-headers")
    assert int(res.stdout) >= N
