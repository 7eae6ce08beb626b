"""docs/curation.md is a real session: every command is replayed and its output checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from . import console
from .conftest import DATA, ROOT

DOC = ROOT / "docs" / "curation.md"
SECTIONS = [s for s in console.sections(DOC.read_text(encoding="utf-8")) if s.steps]


def test_the_document_has_the_three_workflows():
    titles = [s.title for s in SECTIONS]
    assert titles[:3] == ["List first", "Database first",
                          "Mixed: pull upstream, import, keep your edits"]


@pytest.mark.parametrize("section", SECTIONS, ids=[s.title for s in SECTIONS])
def test_replay(section, tmp_path: Path):
    for n in (1, 2, 3):
        shutil.copy(DATA / "md" / f"curate_v{n}.md", tmp_path / f"list-v{n}.md")
    wrong = console.replay(section, tmp_path)
    assert not wrong, "\n\n".join(
        f"$ {cmd}\n--- documented\n" + "\n".join(exp) + "\n--- printed\n" + "\n".join(got)
        for cmd, exp, got in wrong)
