"""The hostile-input corpus: every file of tests/data/bad/ imported into a database that
already holds the reference list, with the outcome EXPECTED.tsv gives it.

An error names FILE:LINE[:COLUMN], exits 1 and leaves the database dump unchanged; a
refused prune does the same; a warning names FILE:LINE and the import succeeds; a success
succeeds. The large and byte-level inputs (``gen:``) are built by make_bad.generate.
"""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path

import pytest

from .conftest import DATA, SEED, run_cli
from .helpers import sql_dump

BAD = DATA / "bad"


def _make_bad():
    spec = importlib.util.spec_from_file_location("make_bad", BAD / "make_bad.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cases() -> list[dict[str, str]]:
    with open(BAD / "EXPECTED.tsv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


CASES = _cases()


@pytest.fixture(scope="module")
def reference_db(tmp_path_factory) -> tuple[Path, str]:
    """A database holding the reference list, and its dump."""
    from click.testing import CliRunner

    path = tmp_path_factory.mktemp("ref") / "ref.sqlite"
    res = run_cli(CliRunner(), f"sqlite:///{path}", "import", str(SEED))
    assert res.exit_code == 0, res.stderr
    return path, sql_dump(path)


def test_the_corpus_is_large_and_complete():
    files = {c["file"] for c in CASES}
    assert len(CASES) >= 60
    assert {p.name for p in BAD.iterdir()} - {"EXPECTED.tsv", "make_bad.py", "__pycache__"} == {
        f for f in files if not f.startswith("gen:")}
    assert {c["outcome"] for c in CASES} == {"error", "refused", "warning", "success"}
    assert any(f.endswith(".bib") for f in files) and any(f.endswith(".md") for f in files)


def _find(stderr: str, prefix: str, level: str, message: str) -> bool:
    return any(line.startswith(prefix) and f"{level}:" in line and message in line
               for line in stderr.splitlines())


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_hostile_input(case, reference_db, tmp_path, runner):
    ref, ref_dump = reference_db
    db = tmp_path / "db.sqlite"
    shutil.copyfile(ref, db)
    name = case["file"]
    if name.startswith("gen:"):
        path = tmp_path / name[4:]
        _make_bad().generate(name[4:], path)
    else:
        path = BAD / name
    args = case["args"].split()
    res = run_cli(runner, f"sqlite:///{db}", "import", *args, str(path))
    outcome, where, message = case["outcome"], case["where"], case["message"]
    stderr = res.stderr
    assert "Traceback" not in stderr
    prefix = f"{path}:{where.rstrip(':')}:" if where else f"{path}:"
    if outcome in ("error", "refused"):
        assert res.exit_code == 1, stderr
        if outcome == "error":
            assert _find(stderr, prefix, "error", message), stderr[-2000:]
        else:
            refusal = [line for line in stderr.splitlines() if "--prune would delete" in line]
            assert refusal and prefix in refusal[0] and message in refusal[0], stderr[-2000:]
        assert sql_dump(db) == ref_dump
    elif outcome == "warning":
        assert res.exit_code == 0, stderr[-2000:]
        assert _find(stderr, prefix, "warning", message), stderr[-2000:]
    else:
        assert outcome == "success"
        assert res.exit_code == 0, stderr[-2000:]
        assert "error" not in stderr
