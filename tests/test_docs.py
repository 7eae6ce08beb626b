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
    assert _schema_page_columns() == live
