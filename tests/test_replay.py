"""Re-importing an unchanged list replays the last import (issue 9's speed item), and only
when the database is exactly as that import left it."""

from __future__ import annotations

from sqlalchemy import text

from lmsdb.diagnostics import Diagnostics
from lmsdb.sync.importer import import_markdown

from .conftest import DATA, SEED, run_cli


def full_noop(engine, path, **kw):
    """What a re-import says when it is not replayed: forget the digest, import again."""
    with engine.begin() as c:
        c.execute(text("delete from list_sync"))
    diags = Diagnostics()
    report = import_markdown(engine, path, diags=diags, **kw)
    assert not report.replayed
    return report, [str(d) for d in diags.items]


def test_an_unchanged_list_is_replayed_with_the_same_report(migrated):
    import_markdown(migrated, SEED)
    want, want_diags = full_noop(migrated, SEED)
    diags = Diagnostics()
    report = import_markdown(migrated, SEED, diags=diags)
    assert report.replayed and not report.changed
    assert report.summary() == want.summary()
    assert [str(d) for d in diags.items] == want_diags
    assert len(want_diags) == 12  # four template rows, PipeDream twice, seven repairs
    dry = import_markdown(migrated, SEED, dry_run=True)
    assert dry.replayed
    assert dry.summary() == full_noop(migrated, SEED, dry_run=True)[0].summary()


def test_any_change_to_the_database_is_noticed(runner, db_url, engine):
    run_cli(runner, db_url, "import", str(SEED))
    res = run_cli(runner, db_url, "sql", "--write",
                  "update papers set title = 'Tampered' where citation_key = 'alpa2022'")
    assert res.exit_code == 0
    diags = Diagnostics()
    report = import_markdown(engine, SEED, diags=diags)
    assert not report.replayed
    # Noticed, and (issue 14's three-way sync) kept: the database changed the title, the
    # list did not.
    assert report.merge.kept_fields == 1
    assert any("alpa2022: the database's title is kept ('Tampered'" in d.message
               for d in diags.items)
    with engine.connect() as c:
        assert c.execute(text("select title from papers where citation_key = 'alpa2022'")
                         ).scalar() == "Tampered"
    assert import_markdown(engine, SEED).replayed


def test_a_change_to_any_watched_table_empties_the_digest(migrated):
    import_markdown(migrated, SEED)
    for sql in ("update frameworks set comments = 'x' where slug = 'ds'",
                "delete from paper_urls",  # no rows: still a statement, no trigger fires
                "update paper_categories set position = position where paper_id = 1",
                "update list_meta set value = value where key = 'intro'",
                "insert into venues (id, name, kind, known) values (999, 'New', 'unknown', 0)"):
        import_markdown(migrated, SEED)  # put the digest back (the first is a replay)
        with migrated.begin() as c:
            c.execute(text(sql))
            left = c.execute(text("select count(*) from list_sync")).scalar()
        assert left == (2 if sql.startswith("delete from paper_urls") else 0), sql


def test_unlisted_papers_and_prune_take_the_full_path(migrated):
    v1, v2 = DATA / "md" / "sync_v1.md", DATA / "md" / "sync_v2.md"
    import_markdown(migrated, v1)
    import_markdown(migrated, v2)  # Megatron-LM leaves the list: unlisted
    again = import_markdown(migrated, v2)
    assert not again.replayed and [p.key for p in again.removed] == ["megatronlm2020"]
    pruned = import_markdown(migrated, v2, prune=True)
    assert not pruned.replayed and [p.key for p in pruned.removed] == ["megatronlm2020"]
    assert import_markdown(migrated, v2, prune=True).replayed


def test_other_bytes_or_options_are_not_replayed(migrated, tmp_path):
    import_markdown(migrated, SEED)
    copy = tmp_path / "copy.md"
    copy.write_text(SEED.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not import_markdown(migrated, copy).replayed  # one more newline
    assert import_markdown(migrated, copy).replayed
    assert not import_markdown(migrated, copy, lenient=True).replayed
