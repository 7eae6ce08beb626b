"""Shared fixtures: a fresh SQLite database per test, the reference list, a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from lmsdb.db import ensure_schema, make_engine

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
    from lmsdb.importer import import_markdown

    import_markdown(migrated, SEED)
    return migrated


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run_cli(runner: CliRunner, db_url: str, *args: str, input: str | None = None):
    """Invoke ``lmsdb --db URL ARGS``; returns the click Result (stdout, stderr, exit_code)."""
    from lmsdb.cli import cli

    return runner.invoke(cli, ["--db", db_url, *args], input=input, catch_exceptions=False)
