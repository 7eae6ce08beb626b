"""The messy list (tests/data/md/messy.md, made by make_messy.py): every quirk at once.

Expected numbers were counted by hand from the rows in make_messy.py (see its comments):
34 paper rows + 1 template row in 4 sections, 30 distinct papers, 4 merges with differing
URLs, 1 paper listed twice in the same section, 6 frameworks (PipeDream twice, differently).
"""

from __future__ import annotations

import io

import bibtexparser
import pytest
from sqlalchemy import text

from lmsdb.diagnostics import Diagnostics, SourceError
from lmsdb.exporters import bibtex, markdown
from lmsdb.sync.importer import import_markdown

from .conftest import DATA

MESSY = DATA / "md" / "messy.md"


@pytest.fixture
def messy(migrated):
    diags = Diagnostics()
    report = import_markdown(migrated, MESSY, lenient=True, diags=diags)
    return migrated, report, diags


def q(engine, sql):
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(sql))]


def test_fixture_really_is_messy():
    raw = MESSY.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw and b"\t" in raw
    papers_part = raw.decode("utf-8-sig").split("## Frameworks")[0]
    rows = [ln for ln in papers_part.splitlines() if ln.startswith(("| 20", "|20", "20"))]
    assert len(rows) == 34


def test_without_lenient_the_ghost_link_fails(migrated):
    with pytest.raises(SourceError) as e:
        import_markdown(migrated, MESSY)
    assert str(e.value).startswith(f"{MESSY}:28:")
    assert q(migrated, "select count(*) from papers") == [(0,)]


def test_counts(messy):
    engine, report, _ = messy
    assert len(report.added) == 30
    assert q(engine, "select count(*) from papers") == [(30,)]
    assert q(engine, "select name from categories order by position") == [
        ("Training",), ("Inference",), ("Compression",), ("Serving",)]
    assert q(engine, "select count(*) from paper_categories") == [(33,)]
    assert q(engine, "select slug from frameworks order by position") == [
        ("alpa",), ("terapipe",), ("ds",), ("megatron",), ("pipedream",), ("gpipe",)]
    assert len(report.merged) == 4


def test_warnings(messy):
    _, _, diags = messy
    got = sorted((d.line, d.message.split(":")[0]) for d in diags.warnings)
    assert got == [
        (26, "unknown venue 'WorkshopOnThings'"),  # reported once, at its first use (row 13)
        (28, "framework link #ghost matches no framework"),
        (46, "same arXiv id, DOI or URL as line 45 but another title"),  # rows 22/23
        (46, "the paper is listed twice in section 'Compression'"),
        (47, "same arXiv id, DOI or URL as line 19 but another title"),  # rows 6/24
        (59, "template row (repeats the header), not a paper"),
        (75, "framework #pipedream was already defined at line 73, differently"),
    ]


def test_peer_reviewed_wins_and_preprint_kept(messy):
    engine, _, _ = messy
    got = q(engine, "select p.title, p.url, v.name, p.arxiv_id, p.openreview_id from papers p "
            "left join venues v on v.id = p.venue_id where p.title like 'ZeroQuant%'")
    assert got == [("ZeroQuant: efficient and affordable post-training quantization for "
                    "large-scale transformers.", "https://openreview.net/forum?id=f-fVCElZ-G1",
                    "NeurIPS", "2206.01861", "f-fVCElZ-G1")]
    assert q(engine, "select u.url from paper_urls u join papers p on p.id = u.paper_id "
             "where p.title like 'ZeroQuant%'") == [("https://arxiv.org/abs/2206.01861",)]


def test_merged_paper_links_union(messy):
    engine, _, _ = messy
    got = q(engine, "select c.name, pc.position from papers p join paper_categories pc on "
            "pc.paper_id = p.id join categories c on c.id = pc.category_id "
            "where p.title like 'Reducing Activation%' order by c.position")
    assert got == [("Training", 9), ("Inference", 2)]
    assert q(engine, "select f.slug from papers p join paper_frameworks pf on pf.paper_id = p.id "
             "join frameworks f on f.id = pf.framework_id "
             "where p.title like 'Reducing Activation%'") == [("megatron",)]


def test_cells(messy):
    engine, _, _ = messy
    titles = {t for (t,) in q(engine, "select title from papers")}
    assert "Pipes | and more pipes: a study" in titles
    assert "The `a|b` operator considered harmful" in titles
    assert ("H<sub>2</sub>O: Heavy-Hitter Oracle for Efficient Generative Inference of Large "
            "Language Models") in titles
    assert q(engine, "select f.slug from papers p join paper_frameworks pf on pf.paper_id = p.id "
             "join frameworks f on f.id = pf.framework_id where p.title like 'On Optimizing%' "
             "order by pf.position") == [("alpa",), ("ds",)]
    assert q(engine, "select count(*) from papers p join venues v on v.id = p.venue_id "
             "where v.name = 'NeurIPS'") == [(5,)]
    assert q(engine, "select url from papers where title like 'DySR%'") == [
        ("https://openreview.net/forum?id=Pgtn4l6eKjv",)]
    assert q(engine, "select inference from frameworks where slug = 'pipedream'") == [(0,)]


def test_exports_of_the_messy_list(messy, tmp_path):
    engine, _, _ = messy
    out = io.StringIO()
    with engine.connect() as c:
        bibtex.write(c, out)
    lib = bibtexparser.parse_string(out.getvalue())
    assert lib.failed_blocks == [] and len(lib.entries) == 30
    md = io.StringIO()
    with engine.connect() as c:
        markdown.write(c, md)
    f = tmp_path / "again.md"
    f.write_text(md.getvalue(), encoding="utf-8")
    report = import_markdown(engine, f)
    assert not report.changed, report.summary()
