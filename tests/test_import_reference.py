"""The import facts of issue 2, measured on the reference list (counted by hand from it)."""

from __future__ import annotations

from sqlalchemy import func, select, text

from lmsdb.diagnostics import Diagnostics
from lmsdb.store.schema import Category, Framework, Paper, PaperCategory, PaperFramework, Venue
from lmsdb.sync.importer import import_markdown

from .conftest import SEED

TRAINING_ROWS = 24
INFERENCE_ROWS = 2


def scalar(engine, sql: str):
    with engine.connect() as c:
        return c.execute(text(sql)).scalar()


def test_counts(seeded):
    with seeded.connect() as c:
        assert c.execute(select(func.count()).select_from(Paper)).scalar() == 25
        assert c.execute(select(func.count()).select_from(Framework)).scalar() == 7
        # 24 Training rows + 2 Inference rows, each its own link row.
        assert c.execute(select(func.count()).select_from(PaperCategory)).scalar() == (
            TRAINING_ROWS + INFERENCE_ROWS)
        assert c.execute(select(func.count()).select_from(PaperFramework)).scalar() == 25


def test_paper_in_two_sections_is_one_paper(seeded):
    rows = [tuple(r) for r in seeded.connect().execute(text(
        "select c.name, pc.position from papers p join paper_categories pc on pc.paper_id = p.id "
        "join categories c on c.id = pc.category_id where p.title like 'DeepSpeed-MoE:%' "
        "order by c.position"))]
    assert rows == [("Training", 10), ("Inference", 0)]
    assert scalar(seeded, "select count(*) from papers where title like 'DeepSpeed-MoE:%'") == 1


def test_categories_in_order_with_empty_template_sections(seeded):
    with seeded.connect() as c:
        cats = c.execute(select(Category.name, Category.position).order_by(Category.position))
        assert [tuple(r) for r in cats] == [
            ("Training", 0), ("Inference", 1), ("Benchmark", 2), ("Survey", 3)]
    assert scalar(seeded, "select count(*) from paper_categories pc join categories c "
                  "on c.id = pc.category_id where c.name in ('Benchmark', 'Survey')") == 0


def test_template_rows_warned_with_their_lines(migrated):
    diags = Diagnostics()
    import_markdown(migrated, SEED, diags=diags)
    template = [d for d in diags.warnings if "template row" in d.message]
    assert [d.line for d in template] == [59, 60, 66, 67]
    assert all(str(d).startswith(f"{SEED}:{d.line}: warning: ") for d in template)


def test_frameworks_deduplicated_and_in_source_order(seeded):
    with seeded.connect() as c:
        slugs = c.execute(select(Framework.slug).order_by(Framework.position)).scalars().all()
    assert slugs == ["alpa", "megatron-ds", "terapipe", "ds", "megatron", "pipedream", "gpipe"]
    with seeded.connect() as c:
        gpipe = c.execute(select(Framework.__table__).where(Framework.slug == "gpipe")).one()
        assert gpipe.name == "TorchGipe"
        assert gpipe.url == "https://github.com/kakaobrain/torchgpipe"
        assert (gpipe.training, gpipe.inference, gpipe.serving) == (True, False, False)
        alpa = c.execute(select(Framework.__table__).where(Framework.slug == "alpa")).one()
        assert (alpa.training, alpa.inference, alpa.serving, alpa.year) == (True, True, True, 2022)
        assert alpa.comments == "Compilation based mixed parallelism"


def test_framework_links_by_anchor(seeded):
    per = dict(seeded.connect().execute(text(
        "select f.slug, count(*) from paper_frameworks pf join frameworks f "
        "on f.id = pf.framework_id group by f.slug")).all())
    assert per == {"ds": 21, "alpa": 3, "megatron": 1}


def test_framework_link_resolved_by_anchor_not_text(migrated, tmp_path):
    src = SEED.read_text(encoding="utf-8").replace(
        "[Megatron-LM](#megatron) |", "[Anything At All](#gpipe) |")
    f = tmp_path / "list.md"
    f.write_text(src, encoding="utf-8")
    import_markdown(migrated, f)
    slug = scalar(migrated, "select f.slug from papers p join paper_frameworks pf on "
                  "pf.paper_id = p.id join frameworks f on f.id = pf.framework_id "
                  "where p.title like 'Megatron-LM:%'")
    assert slug == "gpipe"


def test_venues_canonical_and_preprints(seeded):
    with seeded.connect() as c:
        names = set(c.execute(select(Venue.name)).scalars())
    assert names == {"ICLR", "IPDPS", "ICS", "OSDI", "MLSys", "HiPC", "NeurIPS", "ICML", "SC",
                     "ATC", "KDD Tutorial"}
    assert scalar(seeded, "select count(*) from papers p join venues v on v.id = p.venue_id "
                  "where v.name = 'NeurIPS'") == 4
    assert scalar(seeded, "select count(*) from papers where venue_id is null") == 7
    assert scalar(seeded, "select kind from venues where name = 'KDD Tutorial'") == "tutorial"


def test_urls_cleaned(seeded):
    urls = seeded.connect().execute(text(
        "select url from papers where url like '%openreview%' order by url")).scalars().all()
    assert urls == [
        "https://openreview.net/forum?id=JpZ5du_Kdh",
        "https://openreview.net/forum?id=Pgtn4l6eKjv",
        "https://openreview.net/forum?id=f-fVCElZ-G1",
        "https://openreview.net/forum?id=xNeAhc2CNAl",
    ]
    assert scalar(seeded, "select count(*) from papers where url like '% %' or url like '%253D%'"
                  ) == 0
    assert scalar(seeded, "select openreview_id from papers where title like 'DySR%'"
                  ) == "Pgtn4l6eKjv"
    assert scalar(seeded, "select arxiv_id from papers where title like 'Megatron-LM%'"
                  ) == "1909.08053"


def test_reimport_changes_nothing_and_keeps_keys(seeded):
    before = seeded.connect().execute(text(
        "select id, citation_key, title, url, year, venue_id from papers order by id")).all()
    report = import_markdown(seeded, SEED)
    assert (len(report.added), len(report.updated), report.unchanged) == (0, 0, 25)
    assert not report.changed
    assert "nothing changed" in report.summary()
    after = seeded.connect().execute(text(
        "select id, citation_key, title, url, year, venue_id from papers order by id")).all()
    assert before == after


def test_alpa_osdi_2022_question(seeded):
    titles = seeded.connect().execute(text(
        "select p.title from papers p join venues v on v.id = p.venue_id "
        "join paper_frameworks pf on pf.paper_id = p.id join frameworks f "
        "on f.id = pf.framework_id where p.year = 2022 and v.name = 'OSDI' "
        "and f.slug = 'alpa'")).scalars().all()
    assert titles == ["Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed "
                      "Deep Learning"]
