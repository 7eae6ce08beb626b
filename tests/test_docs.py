"""The docs cannot drift: every console example of the README and of docs/ is replayed.

Each ```` ```console ```` block runs, in the session its ``<!-- replay: ... -->`` directive
sets up, through the small shell of ``tests/console.py``, and what it prints must be what
the document shows (trailing whitespace and dates aside: ``console.NORMALISE``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import console
from .conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SESSIONS = [s for doc in DOCS for s in console.sessions(doc, ROOT)]


def _hooks(request, monkeypatch) -> dict:
    def services() -> None:
        request.getfixturevalue("services")
        request.getfixturevalue("clock")

    def servers() -> None:
        import uvicorn

        def run(app, host, port, log_level):  # what `lmsdb serve` hands to uvicorn
            assert callable(app) and (host, port) == ("127.0.0.1", 8001)

        monkeypatch.setattr(uvicorn, "run", run)

    return {"services": services, "servers return at once": servers}


@pytest.mark.parametrize("session", SESSIONS, ids=[s.id for s in SESSIONS])
def test_console_examples_print_what_the_docs_show(session, tmp_path: Path, request,
                                                   monkeypatch):
    shell = console.set_up(session, tmp_path, ROOT, _hooks(request, monkeypatch))
    wrong = console.replay(session, shell)
    assert not wrong, console.report(session, wrong)


def test_the_readme_and_the_tour_are_replayed():
    docs = {s.doc for s in SESSIONS}
    assert {"README.md", "docs/tour.md", "docs/curation.md"} <= docs
    assert sum(len(s.steps) for s in SESSIONS) > 60


def _schema_page_columns() -> dict[str, set[str]]:
    """relation -> the columns that docs/schema.md's table describes."""
    import re

    out: dict[str, set[str]] = {}
    relation = ""
    for line in (ROOT / "docs" / "schema.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| table |"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if cells[0]:
            relation = re.findall(r"`(\w+)`", cells[0])[-1]
        out.setdefault(relation, set()).update(re.findall(r"`(\w+)`", cells[1]))
    return out


def test_the_schema_page_describes_every_table_view_and_column(runner, db_url):
    import json

    from .conftest import run_cli

    assert run_cli(runner, db_url, "migrate").exit_code == 0
    res = run_cli(runner, db_url, "schema", "--format", "json")
    live = {r["name"]: {c["name"] for c in r["columns"]} for r in json.loads(res.stdout)}
    page = _schema_page_columns()
    assert page == live
    # The descriptions Datasette shows (lmsdb.store.schemadoc) are of the same columns.
    from lmsdb.store import schemadoc

    for relation, (_what, columns) in schemadoc.TABLES.items():
        assert set(columns) <= page[relation], relation


def _cli_reference(*args: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, str(ROOT / "scripts" / "cli_reference.py"), *args],
                          capture_output=True, text=True, timeout=120)


def test_the_cli_reference_is_what_help_prints(tmp_path: Path, runner):
    """docs/cli.md is the --help of every command (regenerate it with
    scripts/cli_reference.py); a stale copy fails the check."""
    from lmsdb.cli.app import cli

    res = _cli_reference("--check")
    assert res.returncode == 0, res.stderr
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for name, cmd in cli.commands.items():
        assert f"\n## lmsdb {name}\n" in page
        for sub in getattr(cmd, "commands", {}):
            assert f"\n## lmsdb {name} {sub}\n" in page
    help_text = runner.invoke(cli, ["sql", "--help"], prog_name="lmsdb").stdout
    assert "Usage: lmsdb sql [OPTIONS] [QUERY]" in page and "Usage: lmsdb sql" in help_text
    stale = tmp_path / "cli.md"
    stale.write_text(page.replace("Run one SQL statement", "Run SQL"), encoding="utf-8")
    res = _cli_reference("--check", "--page", str(stale))
    assert res.returncode == 1 and "is stale" in res.stderr


# ---------------------------------------------------------------- the replay itself can fail

def _replay(tmp_path: Path, block: str, setup: str = "") -> list:
    doc = tmp_path / "doc.md"
    doc.write_text(f"# T\n\n<!-- replay:{setup} -->\n```console\n{block}```\n", encoding="utf-8")
    [session] = console.sessions(doc, tmp_path)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return console.replay(session, console.set_up(session, work, tmp_path))


def test_the_replay_reports_drifted_output_and_only_dates_are_normalised(tmp_path: Path):
    assert _replay(tmp_path, "$ echo made on 2026-11-28   \nmade on 1999-01-01\n") == []
    [(step, got)] = _replay(tmp_path, "$ echo 25 papers\n26 papers\n")
    assert step.command == "echo 25 papers" and got == ["25 papers"]


def test_the_replay_shell(tmp_path: Path):
    (tmp_path / "a.txt").write_text("one\ntwo\nthree\n", encoding="utf-8")
    block = ("$ cat a.txt | grep -v two | tail -1\nthree\n"
             "$ echo \"x | y\" > b.txt; cat b.txt\nx | y\n"
             "$ lmsdb search x > /dev/null 2>&1; echo $?\n2\n"
             "$ lmsdb search x 2>&1 | head -1\n"
             "lmsdb: error: no database at lmsdb.sqlite: run `lmsdb import LIST.md` first\n"
             "$ lmsdb sql \"select 1 as n\n    from nothing\" 2>/dev/null   # a comment\n")
    assert _replay(tmp_path, block, "\ncopy a.txt\n") == []


def test_the_replay_refuses_what_a_terminal_would_garble_or_it_cannot_run(tmp_path: Path):
    with pytest.raises(AssertionError, match="inside a pipe"):
        _replay(tmp_path, "$ lmsdb search x | head -1\n")
    with pytest.raises(AssertionError, match="not 'ls'"):
        _replay(tmp_path, "$ ls -l\n")
    doc = tmp_path / "bad.md"
    doc.write_text("```console\n$ lmsdb stats\n```\n", encoding="utf-8")
    with pytest.raises(console.DocError, match="before any"):
        console.sessions(doc, tmp_path)


# ------------------------------------------------------------------ links between the docs

def _outside_code(text: str, spans: str = "") -> list[str]:
    """The lines of a markdown text outside fenced blocks, each inline code span replaced
    by ``spans`` (``"\\1"``: by its text)."""
    import re

    out, fence = [], None
    for line in text.splitlines():
        m = re.match(r"\s*(```+|~~~+)", line)
        if fence is None and m:
            fence = m.group(1)
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is None:
            out.append(re.sub(r"`([^`]*)`", spans, line))
    return out


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a page (lower case, punctuation dropped,
    spaces to hyphens, -1, -2, ... for repeats)."""
    import re

    seen: dict[str, int] = {}
    out = set()
    for line in _outside_code(path.read_text(encoding="utf-8"), r"\1"):
        m = re.match(r"#{1,6} (.*)", line)
        if m:
            slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            out.add(slug if n == 0 else f"{slug}-{n}")
    return out


@pytest.mark.parametrize("doc", DOCS, ids=[d.relative_to(ROOT).as_posix() for d in DOCS])
def test_links_between_the_docs_lead_somewhere(doc: Path):
    import re

    broken = []
    for line in _outside_code(doc.read_text(encoding="utf-8")):
        for target in re.findall(r"\]\(([^)\s]+)\)", line):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            file, _, anchor = target.partition("#")
            path = (doc.parent / file).resolve() if file else doc
            if not path.exists():
                broken.append(target)
            elif anchor and anchor not in _anchors(path):
                broken.append(target)
    assert not broken, f"{doc.name}: links that lead nowhere: {broken}"
