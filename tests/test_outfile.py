"""Issue 9, defect 5: `-o` writes regular files atomically and nothing else that way."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from .conftest import SEED, run_cli


@pytest.fixture
def db(runner, tmp_path):
    url = f"sqlite:///{tmp_path / 'lmsdb.sqlite'}"
    assert run_cli(runner, url, "import", str(SEED)).exit_code == 0
    return url


def test_a_character_device_stays_a_device(runner, db, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mknod of a character device needs root")
    null = tmp_path / "mynull"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the same device as /dev/null
    res = run_cli(runner, db, "export", "bib", "-o", str(null))
    assert res.exit_code == 0, res.stderr
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lmsdb.sqlite", "mynull"]


def test_a_fifo_is_written_in_place(runner, db, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    # A daemon thread: if the FIFO were replaced instead of written, the reader would wait
    # forever, and must not keep the test run from ending.
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    res = run_cli(runner, db, "export", "md", "-o", str(fifo))
    reader.join(timeout=10)
    assert res.exit_code == 0, res.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got and got[0].startswith(b"# Awesome Large Model (LM) System")


def test_the_database_file_is_refused(runner, db, tmp_path):
    path = tmp_path / "lmsdb.sqlite"
    before = path.read_bytes()
    for fmt in ("bib", "md"):
        res = run_cli(runner, db, "export", fmt, "-o", str(path))
        assert res.exit_code == 2
        assert f"-o {path} is the database file: refusing to overwrite it" in res.stderr
    link = tmp_path / "alias.sqlite"
    link.symlink_to(path)
    assert run_cli(runner, db, "export", "bib", "-o", str(link)).exit_code == 2
    assert path.read_bytes() == before


def test_a_planted_temporary_file_is_not_followed(runner, db, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    (tmp_path / "out.bib.lmsdb-tmp").symlink_to(victim)
    res = run_cli(runner, db, "export", "bib", "-o", str(tmp_path / "out.bib"))
    assert res.exit_code == 0, res.stderr
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert (tmp_path / "out.bib").read_text(encoding="utf-8").startswith("@")


def test_writing_through_a_symlink_writes_its_target(runner, db, tmp_path):
    target = tmp_path / "real.md"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "README.md"
    link.symlink_to(target)
    res = run_cli(runner, db, "export", "md", "-o", str(link))
    assert res.exit_code == 0, res.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8").startswith("# Awesome")


def test_the_file_mode_is_kept(runner, db, tmp_path):
    out = tmp_path / "private.bib"
    out.write_text("", encoding="utf-8")
    out.chmod(0o600)
    assert run_cli(runner, db, "export", "bib", "-o", str(out)).exit_code == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert out.read_text(encoding="utf-8").startswith("@")


def test_a_new_file_gets_the_umask_mode(runner, db, tmp_path):
    old = os.umask(0o027)
    try:
        assert run_cli(runner, db, "export", "bib", "-o", str(tmp_path / "new.bib")).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.bib").st_mode) == 0o640
