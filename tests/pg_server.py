"""A throwaway PostgreSQL server for the tests, started from the machine's binaries.

Used when $LMSDB_TEST_POSTGRESQL_URL does not name a server already. PostgreSQL refuses to
run as root, so as root the server runs as the ``postgres`` user (``runuser``). The cluster
lives in a temporary directory, listens on 127.0.0.1 on a free port with trust
authentication, and is removed when the tests end.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class NoServer(RuntimeError):
    """No PostgreSQL could be started here (the message says why)."""


def _binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise NoServer(f"no {name} on this machine (install PostgreSQL, e.g. Debian's "
                       "postgresql package)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def temporary_server() -> Iterator[str]:
    """Yield a SQLAlchemy URL of an empty database on a fresh local server."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="lmsdb-pg-"))
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            raise NoServer("running as root and no runuser to start PostgreSQL as postgres")
        as_user = [runuser, "-u", "postgres", "--"]
        shutil.chown(base, "postgres")
    data, port = base / "data", _free_port()
    try:
        subprocess.run([*as_user, initdb, "-D", str(data), "-U", "postgres", "--auth=trust",
                        "-E", "UTF8", "--no-locale"], check=True, capture_output=True)
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w",
                        "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1 "
                        "-c fsync=off -c full_page_writes=off", "start"],
                       check=True, capture_output=True)
    except subprocess.CalledProcessError as e:
        shutil.rmtree(base, ignore_errors=True)
        raise NoServer(f"could not start PostgreSQL: {e.stderr.decode(errors='replace')}") from e
    try:
        from sqlalchemy import create_engine, text

        admin = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE lmsdb_test"))
        admin.dispose()
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/lmsdb_test"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
