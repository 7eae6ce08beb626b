"""Property-based round trips (hypothesis): titles of any characters a list may hold survive
``export md`` -> ``import`` unchanged and ``export bib`` -> bibtexparser as the same text;
citation keys are unique and do not depend on the order of the list's rows.

Each example imports into a copy of one migrated database (migrating per example would cost
more than the rest). The example counts are fixed and the search derandomised, so the suite
runs the same examples every time.
"""

from __future__ import annotations

import io
import itertools
import shutil
import tempfile
from pathlib import Path

import bibtexparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from lmsdb.diagnostics import Diagnostics
from lmsdb.domain.html import html_to_plain
from lmsdb.domain.latex_plain import latex_to_plain
from lmsdb.exporters import bibtex, markdown
from lmsdb.store.db import make_engine
from lmsdb.store.migrate import ensure_schema
from lmsdb.sync.identity import normalise_title
from lmsdb.sync.importer import import_markdown

SETTINGS = {"deadline": None, "derandomize": True, "database": None,
            "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much]}

# Pieces that are special somewhere on the way: markdown (| ` [ ] ( ) \ * _), HTML (tags,
# entities, comments), BibTeX and LaTeX ({ } % & $ # _ ~ ^ \ -- `` ''), and the NBSP.
SPECIAL = ["{", "}", "%", "&", "\\", "|", "\\|", "`", "``", "''", "--", "<sub>2</sub>", "<i>",
           "</i>", "<b>x</b>", "&amp;", "&lt;", "<!-- c -->", "\u00a0", "$", "#", "_", "~",
           "^", "[", "]", "(", ")", "](x)", "*", " ", "é", "Ü", "ß", "ø", "Ł", "中文", "🙂",
           "\u200d", "\u3000"]
CHARS = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))


def canonical(title: str) -> bool:
    """A title as an import stores it: no surrounding or doubled spaces, visible text."""
    return (title == title.strip() and "  " not in title and bool(html_to_plain(title).strip()))


TITLES = st.lists(st.one_of(st.text(CHARS, min_size=1, max_size=6), st.sampled_from(SPECIAL)),
                  min_size=1, max_size=10).map("".join).filter(canonical)
LISTS = st.lists(TITLES, min_size=1, max_size=5, unique_by=normalise_title).filter(
    lambda ts: len({normalise_title(t) for t in ts}) == len(ts))


def list_text(rows: list[tuple[str, int, int]]) -> str:
    """A list of (title, year, url number) rows: titles escaped as a cell needs (only '|')."""
    body = "".join(f"| {year} | ICML | [{title.replace('|', chr(92) + '|')}]"
                   f"(https://example.org/p{n}) | |\n" for title, year, n in rows)
    return ("# Property list\n\n## Papers\n\n### Section\n\n"
            "| Year | Publisher | Title | Framework |\n|---|---|---|---|\n" + body)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "empty.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    engine.dispose()
    return path


class Databases:
    """Fresh copies of the template, one per use, in a directory of their own."""

    def __init__(self, template: Path):
        self.template = template
        # In memory where the system has it: each import commits (an fsync on disk).
        shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
        self.dir = Path(tempfile.mkdtemp(prefix="lmsdb-prop-", dir=shm))
        self.count = itertools.count()

    def fresh(self):  # type: ignore[no-untyped-def]
        path = self.dir / f"db{next(self.count)}.sqlite"
        shutil.copyfile(self.template, path)
        return make_engine(f"sqlite:///{path}")

    def file(self, content: str) -> Path:
        path = self.dir / f"list{next(self.count)}.md"
        path.write_text(content, encoding="utf-8", newline="\n")
        return path

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def dbs(template):
    d = Databases(template)
    yield d
    d.close()


def titles_of(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with engine.connect() as c:
        return dict(c.execute(text("select url, title from papers")).all())


def import_list(dbs: Databases, engine, rows: list[tuple[str, int, int]]) -> None:  # type: ignore[no-untyped-def]
    import_markdown(engine, dbs.file(list_text(rows)), diags=Diagnostics())


# 200 + 150 + 150 = 500 examples.
@settings(max_examples=200, **SETTINGS)
@given(titles=LISTS)
def test_titles_survive_export_md_and_import(dbs, titles):
    one = dbs.fresh()
    import_list(dbs, one, [(t, 2021, n) for n, t in enumerate(titles)])
    stored = titles_of(one)
    assert stored == {f"https://example.org/p{n}": t for n, t in enumerate(titles)}
    out = io.StringIO()
    with one.connect() as c:
        markdown.write(c, out)
    two = dbs.fresh()
    import_markdown(two, dbs.file(out.getvalue()), diags=Diagnostics())
    assert titles_of(two) == stored
    one.dispose()
    two.dispose()


@settings(max_examples=150, **SETTINGS)
@given(titles=LISTS, unicode=st.booleans())
def test_titles_survive_export_bib(dbs, titles, unicode):
    engine = dbs.fresh()
    import_list(dbs, engine, [(t, 2021, n) for n, t in enumerate(titles)])
    out = io.StringIO()
    with engine.connect() as c:
        bibtex.write(c, out, unicode=unicode)
        keys = dict(c.execute(text("select citation_key, title from papers")).all())
    engine.dispose()
    lib = bibtexparser.parse_string(out.getvalue())
    assert not lib.failed_blocks
    back = {e.key: latex_to_plain(e.fields_dict["title"].value) for e in lib.entries}
    assert back == {k: html_to_plain(t) for k, t in keys.items()}


# Titles whose first significant word and year clash often: "Deep Learning" and "Deep
# Nets" both give deep2021.
WORDS = st.sampled_from(["Deep", "deep", "DEEP", "Zero", "The Zero", "A Deep", "Über", "Uber"])
CLASHING = st.lists(st.tuples(WORDS, st.sampled_from(["Learning", "Nets", "Models", "x"]),
                              st.sampled_from([2020, 2021])),
                    min_size=2, max_size=7,
                    unique_by=lambda r: normalise_title(f"{r[0]} {r[1]}"))


@settings(max_examples=150, **SETTINGS)
@given(rows=CLASHING, data=st.data())
def test_citation_keys_unique_and_independent_of_row_order(dbs, rows, data):
    listed = [(f"{w} {rest}", year, n) for n, (w, rest, year) in enumerate(rows)]
    shuffled = data.draw(st.permutations(listed))
    keys = []
    for order in (listed, shuffled):
        engine = dbs.fresh()
        import_list(dbs, engine, order)
        with engine.connect() as c:
            keys.append(dict(c.execute(text("select url, citation_key from papers")).all()))
        engine.dispose()
    assert len(set(keys[0].values())) == len(listed)
    assert keys[0] == keys[1]
