"""The examples in lmsdb's docstrings run with the suite.

Every module of the installed ``lmsdb`` package is imported and its ``>>>`` examples run
with :mod:`doctest`. The installed package, not ``src/``: the suite tests lmsdb as it is
installed into ``.venv`` (non-editable), and collecting ``src/`` with ``--doctest-modules``
would import a second copy beside it.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import lmsdb

MODULES = sorted(m.name for m in pkgutil.walk_packages(lmsdb.__path__, "lmsdb.")
                 if not m.name.endswith(".__main__"))  # importing __main__ runs the CLI


@pytest.mark.parametrize("name", ["lmsdb", *MODULES])
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, report=True)  # failures are printed, pytest shows them
    assert result.failed == 0, f"{result.failed} example(s) of {name} failed (see stdout)"
    if ">>> " in Path(module.__file__).read_text(encoding="utf-8"):
        assert result.attempted > 0, f"{name} has examples that doctest does not find"


def test_every_module_is_found_and_the_examples_run():
    assert {"lmsdb.domain.identifiers", "lmsdb.sync.threeway", "lmsdb.exporters.bibtex",
            "lmsdb.query.search", "lmsdb.services.http"} <= set(MODULES)
    attempted = sum(doctest.testmod(importlib.import_module(n), report=False).attempted
                    for n in MODULES)
    assert attempted >= 100
