"""The views of revision 0003, compared with the tables they summarise."""

from __future__ import annotations

from sqlalchemy import text


def _rows(engine, sql, **params):
    with engine.connect() as conn:
        return [r._asdict() for r in conn.execute(text(sql), params)]


def test_paper_view_is_one_row_per_paper(seeded):
    view = {r["citation_key"]: r for r in _rows(seeded, "select * from paper_view")}
    papers = _rows(seeded, "select p.*, v.name as venue, v.kind as venue_kind from papers p "
                           "left join venues v on v.id = p.venue_id")
    assert len(view) == len(papers) == 25
    for p in papers:
        row = view[p["citation_key"]]
        for col in ("id", "title", "year", "venue", "venue_kind", "arxiv_id", "doi", "url"):
            assert row[col] == p[col], (p["citation_key"], col)
        fws = [r["name"] for r in _rows(
            seeded, "select f.name from paper_frameworks pf join frameworks f "
                    "on f.id = pf.framework_id where pf.paper_id = :p order by pf.position",
            p=p["id"])]
        assert row["frameworks"] == (", ".join(fws) or None)


def test_paper_view_on_the_reference_list(seeded):
    [alpa] = _rows(seeded, "select * from paper_view where citation_key = 'alpa2022'")
    assert alpa == {
        "id": alpa["id"], "citation_key": "alpa2022",
        "title": "Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed "
                 "Deep Learning",
        "year": 2022, "venue": "OSDI", "venue_kind": "conference", "arxiv_id": None,
        "doi": None, "url": "https://www.usenix.org/conference/osdi22/presentation/zheng-lianmin",
        "frameworks": "Alpa", "categories": "Training", "authors": None,
        "venue_full_name": "USENIX Symposium on Operating Systems Design and Implementation",
        "pages": None}
    # Listed under Training and Inference: one paper, both categories in section order.
    [moe] = _rows(seeded, "select * from paper_view where citation_key = 'deepspeedmoe2022'")
    assert moe["categories"] == "Training, Inference"
    # A preprint has no venue.
    [mega] = _rows(seeded, "select * from paper_view where citation_key = 'megatronlm2020'")
    assert (mega["venue"], mega["venue_kind"], mega["arxiv_id"]) == (None, None, "1909.08053")


def test_paper_view_joins_frameworks_in_link_order(seeded):
    """Order by the link's position in the Framework cell, not by id or name."""
    with seeded.begin() as conn:
        fw = dict(conn.execute(text("select slug, id from frameworks")).all())
        pid = conn.execute(text("select id from papers where citation_key = 'zero2020'")).scalar()
        conn.execute(text("insert into paper_frameworks (paper_id, framework_id, position) "
                          "values (:p, :a, 2), (:p, :m, 1)"),
                     {"p": pid, "a": fw["alpa"], "m": fw["megatron"]})
    [row] = _rows(seeded, "select frameworks from paper_view where id = :p", p=pid)
    assert row["frameworks"] == "DeepSpeed, Megatron-LM, Alpa"


def test_framework_view(seeded):
    rows = _rows(seeded, "select * from framework_view order by position")
    assert [r["slug"] for r in rows] == ["alpa", "megatron-ds", "terapipe", "ds", "megatron",
                                          "pipedream", "gpipe"]
    papers = {r["slug"]: r["papers"] for r in rows}
    assert papers == {"alpa": 3, "megatron-ds": 0, "terapipe": 0, "ds": 21, "megatron": 1,
                      "pipedream": 0, "gpipe": 0}
    ds = next(r for r in rows if r["slug"] == "ds")
    assert (ds["name"], ds["year"], bool(ds["training"]), bool(ds["inference"]),
            bool(ds["serving"])) == ("DeepSpeed", 2020, True, True, False)
    assert set(rows[0]) == {"id", "slug", "name", "url", "year", "training", "inference",
                            "serving", "comments", "position", "papers"}


def test_paper_view_has_authors_venue_full_name_and_pages(seeded):
    """After a .bib merge: authors in order, the venue's full name, pages; and the
    question "authors with the most papers" is one GROUP BY on paper_author_view."""
    from lmsdb.sync.importer import import_bibtex

    from .conftest import DATA

    import_bibtex(seeded, DATA / "dblp-sample.bib")
    [zero] = _rows(seeded, "select authors, venue_full_name, pages from paper_view "
                           "where citation_key = 'zero2020'")
    assert zero == {"authors": "Samyam Rajbhandari, Jeff Rasley, Olatunji Ruwase, Yuxiong He",
                    "venue_full_name": "International Conference for High Performance "
                                       "Computing, Networking, Storage and Analysis",
                    "pages": "20"}
    top = _rows(seeded, "select author, count(*) as papers from paper_author_view "
                        "group by author order by papers desc, author limit 2")
    # By hand from the .bib: Rajbhandari, Ruwase and He are on ZeRO, ZeRO-Infinity,
    # ZeRO-Offload and DeepSpeed (4 each); Rasley on three of them.
    assert top == [{"author": "Olatunji Ruwase", "papers": 4},
                   {"author": "Samyam Rajbhandari", "papers": 4}]


class _Op:
    """What dbobjects needs of Alembic's `op`, over a plain connection."""

    def __init__(self, conn):
        self.conn = conn

    def get_bind(self):
        return self.conn

    def execute(self, sql):
        self.conn.exec_driver_sql(sql)


def test_replaceable_objects_replace_a_view_by_version(seeded):
    """dbobjects.replace swaps paper_view between its 0009 and 0003 versions by name."""
    from lmsdb.store import objects as dbobjects

    def columns(conn):
        return [r[1] for r in conn.exec_driver_sql("pragma table_info(paper_view)")]

    with seeded.begin() as conn:
        assert columns(conn)[-3:] == ["authors", "venue_full_name", "pages"]
        dbobjects.replace(_Op(conn), [dbobjects.PAPER_VIEW_0009], [dbobjects.PAPER_VIEW_0003])
        assert columns(conn)[-2:] == ["frameworks", "categories"]
        dbobjects.replace(_Op(conn), [dbobjects.PAPER_VIEW_0003], [dbobjects.PAPER_VIEW_0009])
        assert columns(conn)[-1] == "pages"
