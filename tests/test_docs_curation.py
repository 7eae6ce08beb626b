"""docs/curation.md is a real session: tests/test_docs.py replays every command and checks
its output; here, that the page still shows the three workflows, each from a fresh start."""

from __future__ import annotations

from . import console
from .conftest import ROOT

DOC = ROOT / "docs" / "curation.md"
SESSIONS = console.sessions(DOC, ROOT)


def test_the_document_has_the_three_workflows():
    titles = [s.title for s in SESSIONS]
    assert titles[:3] == ["List first", "Database first",
                          "Mixed: pull upstream, import, keep your edits"]
    for s in SESSIONS:
        assert s.steps and s.setup == [f"copy tests/data/md/curate_v{n}.md as list-v{n}.md"
                                       for n in (1, 2, 3)], s.id
