"""The command line as a user meets it: help, the main job, exit codes, stdout vs stderr."""

from __future__ import annotations

import os
import subprocess
import sys

import bibtexparser
import pytest

from .conftest import ROOT, SEED, run_cli


def test_help_everywhere_with_examples(runner):
    from lmsdb.cli.app import cli

    res = runner.invoke(cli, ["--help"])
    assert res.exit_code == 0 and "lmsdb import seeds/awesome-lm-system.md" in res.stdout
    for command in cli.commands:
        groups = getattr(cli.commands[command], "commands", {})
        for args in [[command], *[[command, sub] for sub in groups]]:
            res = runner.invoke(cli, [*args, "--help"])
            assert res.exit_code == 0, args
            assert "Usage:" in res.stdout
            assert "Examples:" in res.stdout, args


def test_main_job_through_python_dash_m(tmp_path):
    """The README's main job, as whole processes: import, then .bib and .md written."""
    env = {**os.environ, "LMSDB_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    lmsdb = [sys.executable, "-m", "lmsdb"]
    imp = subprocess.run([*lmsdb, "import", str(SEED)], env=env, capture_output=True, text=True,
                         cwd=tmp_path)
    assert imp.returncode == 0, imp.stderr
    assert imp.stdout == ""  # chatter goes to stderr
    assert "added 25" in imp.stderr
    bib = subprocess.run([*lmsdb, "export", "bib"], env=env, capture_output=True, text=True)
    assert bib.returncode == 0
    assert len(bibtexparser.parse_string(bib.stdout).entries) == 25
    md = subprocess.run([*lmsdb, "export", "md", "-o", str(tmp_path / "list.md")], env=env,
                        capture_output=True, text=True)
    assert md.returncode == 0 and md.stdout == ""
    assert (tmp_path / "list.md").read_text(encoding="utf-8").startswith("# Awesome")


def test_default_database_in_working_directory(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "LMSDB_DATABASE_URL"}
    res = subprocess.run([sys.executable, "-m", "lmsdb", "import", str(SEED)], env=env,
                         cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "lmsdb.sqlite").exists()


def test_reimport_says_nothing_changed(runner, db_url):
    run_cli(runner, db_url, "import", str(SEED))
    res = run_cli(runner, db_url, "import", str(SEED))
    assert res.exit_code == 0
    assert "added 0, updated 0, unchanged 25" in res.stderr
    assert "nothing changed" in res.stderr


def test_missing_file(runner, db_url, tmp_path):
    res = run_cli(runner, db_url, "import", str(tmp_path / "nope.md"))
    assert res.exit_code == 1
    assert "nope.md: error: no such file" in res.stderr


def test_migrate_prints_before_and_after(runner, db_url):
    res = run_cli(runner, db_url, "migrate", "--status")
    assert "current: none" in res.stdout
    res = run_cli(runner, db_url, "migrate")
    assert res.exit_code == 0
    assert res.stdout.splitlines()[0] == "before: none (empty database)"
    head = res.stdout.splitlines()[1].split()[-1]
    res = run_cli(runner, db_url, "migrate")
    assert res.stdout.splitlines() == [f"before: {head}", f"after:  {head}"]


def test_alembic_ini_at_root():
    assert (ROOT / "alembic.ini").is_file()
    assert (ROOT / "migrations" / "env.py").is_file()


@pytest.mark.parametrize("url", ["mysql://x/y", "foo", "sqlite+nodriver:///x"])
def test_bad_database_url_is_a_clear_usage_error(runner, url):
    from lmsdb.cli.app import cli

    res = runner.invoke(cli, ["--db", url, "export", "bib"])
    assert res.exit_code == 2
    assert res.stderr.startswith(f"lmsdb: error: --db {url!r}")
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("args", [["export", "bib"], ["export", "md"], ["rekey", "--dry-run"],
                                  ["stats"], ["search", "zero"], ["schema"]])
def test_reading_commands_do_not_create_a_missing_database(runner, tmp_path, args):
    url = f"sqlite:///{tmp_path / 'typo.sqlite'}"
    res = run_cli(runner, url, *args)
    assert res.exit_code == 2
    assert "no database at" in res.stderr
    assert not (tmp_path / "typo.sqlite").exists()


def test_output_file_that_cannot_be_written(runner, db_url, tmp_path):
    run_cli(runner, db_url, "import", str(SEED))
    res = run_cli(runner, db_url, "export", "bib", "-o", str(tmp_path / "no" / "such.bib"))
    assert res.exit_code == 1
    assert "No such file or directory" in res.stderr and "Traceback" not in res.stderr


def test_not_a_database_file(runner, tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("not a database\n" * 100, encoding="utf-8")
    before = f.read_bytes()
    res = run_cli(runner, f"sqlite:///{f}", "import", str(SEED))
    assert res.exit_code == 1
    assert "file is not a database" in res.stderr and "Traceback" not in res.stderr
    assert f.read_bytes() == before


def test_failed_export_leaves_the_output_file_alone(runner, tmp_path, monkeypatch):
    from lmsdb.exporters import markdown

    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    run_cli(runner, db, "import", str(SEED))
    readme = tmp_path / "README.md"
    readme.write_text("precious\n", encoding="utf-8")

    def broken(conn, out, progress=None):
        out.write("half a list")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(markdown, "write", broken)
    res = run_cli(runner, db, "export", "md", "-o", str(readme))
    assert res.exit_code == 1 and "No space left on device" in res.stderr
    assert readme.read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md", "db.sqlite"]
