"""Reading .bib files: malformed input gives FILE:LINE errors and writes nothing; names."""

from __future__ import annotations

import doctest
import hashlib
from pathlib import Path

import pytest

from lmsdb.diagnostics import Diagnostics, SourceError
from lmsdb.domain import checks, venues
from lmsdb.domain.bibrecords import Person, from_bibtex, split_authors
from lmsdb.exporters import bibentry, selection
from lmsdb.sources import bibsteps, bibtex
from lmsdb.sources.bibtex import parse_text
from lmsdb.sync.importer import import_bibtex

from .conftest import DATA, run_cli


@pytest.mark.parametrize("module", [bibtex, bibsteps, checks, venues, selection, bibentry])
def test_doctests(module) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("fixture", "line", "needle"),
    [
        # Line 8 is `title = {An Entry whose {Title never closes,`: the '{' before "Title"
        # is the innermost brace left open (counted by hand in the fixture).
        ("bad-unbalanced.bib", 8, "unbalanced braces"),
        # The second @misc{same2020 starts on line 6; the first on line 1.
        ("bad-duplicate-key.bib", 6, "duplicate entry key 'same2020' (first used at line 1)"),
        # @inproceedings{noyear starts on line 6.
        ("bad-missing-year.bib", 6, "@inproceedings{noyear: missing field 'year'"),
    ],
)
def test_malformed_bib_names_file_and_line(seeded, fixture, line, needle):
    from .helpers import dump

    path = DATA / fixture
    before = dump(seeded)
    with pytest.raises(SourceError) as e:
        import_bibtex(seeded, path)
    msg = str(e.value)
    assert msg.startswith(f"{path}:{line}: error: "), msg
    assert needle in msg
    assert dump(seeded) == before


def test_cli_malformed_bib_exit_1_database_file_unchanged(runner, db_url):
    from .conftest import SEED

    assert run_cli(runner, db_url, "import", str(SEED)).exit_code == 0
    db_file = Path(db_url.removeprefix("sqlite:///"))
    digest = hashlib.sha256(db_file.read_bytes()).hexdigest()
    bad = DATA / "bad-unbalanced.bib"
    res = run_cli(runner, db_url, "import", str(bad))
    assert res.exit_code == 1
    assert res.stderr.startswith(f"{bad}:8: error: ")
    assert "Traceback" not in res.stderr
    assert hashlib.sha256(db_file.read_bytes()).hexdigest() == digest


def test_duplicate_field_and_bad_year(tmp_path):
    with pytest.raises(SourceError) as e:
        parse_text("@misc{a,\n title = {x},\n title = {y},\n year = {2020}\n}\n", "f.bib")
    assert str(e.value).startswith("f.bib:1: error: ") and "field title given twice" in str(
        e.value)
    parsed = parse_text("@misc{a,\n title = {x},\n year = {20x0}\n}\n", "f.bib")
    with pytest.raises(SourceError) as e:
        from_bibtex(parsed, Diagnostics())
    assert str(e.value) == "f.bib:3: error: a: year '20x0' is not a number"
    parsed = parse_text("@misc{a,\n title = {x},\n year = {1850}\n}\n", "f.bib")
    with pytest.raises(SourceError) as e:
        from_bibtex(parsed, Diagnostics())
    assert str(e.value).startswith("f.bib:3: error: a: year 1850 is outside")


def test_split_authors_forms_latex_and_dblp_numbers():
    people = split_authors(r'J{\"u}rgen M{\"{u}}ller and von Neumann, Jr., John and '
                           r'Hao Zhang 0001 and {Google Brain} and others')
    assert people == (
        Person(family="Müller", given="Jürgen"),
        Person(family="von Neumann, Jr.", given="John"),
        Person(family="Zhang", given="Hao"),  # DBLP's homonym number is not a name
        Person(family="Google Brain", given=None),
    )


def test_identifiers_from_dblp_fields():
    text = r"""
@article{corr, title = {T1}, year = {2022}, journal = {CoRR}, volume = {abs/2201.11990}}
@misc{ep, title = {T2}, year = {2022}, eprint = {2201.11990v2}, archivePrefix = {arXiv},
      primaryClass = {cs.CL}}
@misc{adoi, title = {T3}, year = {2022}, doi = {10.48550/arXiv.2201.11990}}
@misc{url, title = {T4}, year = {2022}, url = {https://arxiv.org/pdf/2201.11990v1.pdf}}
@misc{doi, title = {T5}, year = {2021}, doi = {https://doi.org/10.1145/3458817.3476205},
      pages = {12 -- 34}}
@misc{acm, title = {T6}, year = {2020}, doi = {10.5555/3433701.3433727}}
"""
    recs = {r.key: r for r in from_bibtex(parse_text(text, "x.bib"), Diagnostics())}
    assert {k: recs[k].arxiv_id for k in ("corr", "ep", "adoi", "url")} == dict.fromkeys(
        ("corr", "ep", "adoi", "url"), "2201.11990")
    assert recs["corr"].venue is None and recs["corr"].volume is None  # CoRR is a preprint
    assert recs["ep"].primary_class == "cs.CL"
    assert recs["doi"].doi == "10.1145/3458817.3476205"
    assert recs["doi"].pages == "12-34"
    assert recs["acm"].doi is None  # ACM's placeholder prefix is not a DOI


def test_crossref_gives_booktitle_and_proceedings_is_not_a_paper():
    text = """
@inproceedings{p, title = {A Paper}, year = {2022}, crossref = {conf}, pages = {1--2}}
@proceedings{conf, title = {16th USENIX Symposium on Operating Systems Design and
  Implementation, OSDI 2022}, year = {2022}, publisher = {USENIX Association}}
"""
    diags = Diagnostics()
    recs = from_bibtex(parse_text(text, "x.bib"), diags)
    assert [r.key for r in recs] == ["p"]
    assert recs[0].venue.startswith("16th USENIX Symposium")
    assert recs[0].publisher == "USENIX Association"
    assert venues.lookup_bib(recs[0].venue).name == "OSDI"
    assert [d.level for d in diags.items] == ["note"]


@pytest.mark.parametrize(
    ("booktitle", "venue"),
    [
        ("Proceedings of the International Conference for High Performance Computing, "
         "Networking, Storage and Analysis, SC 2020, Virtual Event / Atlanta, Georgia, USA, "
         "November 9-19, 2020", "SC"),
        ("Advances in Neural Information Processing Systems 32: Annual Conference on Neural "
         "Information Processing Systems 2019, NeurIPS 2019, December 8-14, 2019, Vancouver, "
         "BC, Canada", "NeurIPS"),
        ("Proceedings of the 27th ACM Symposium on Operating Systems Principles, SOSP 2019, "
         "Huntsville, ON, Canada, October 27-30, 2019", "SOSP"),
        ("2021 USENIX Annual Technical Conference, USENIX ATC 2021, July 14-16, 2021", "ATC"),
        ("J. Mach. Learn. Res.", "JMLR"),
    ],
)
def test_dblp_booktitles_map_to_catalogue(booktitle, venue):
    assert venues.lookup_bib(booktitle).name == venue


def test_unknown_booktitle_kept_as_written():
    v = venues.lookup_bib("Workshop on Something Nobody Catalogued, Springfield, USA")
    assert not v.known and v.name == "Workshop on Something Nobody Catalogued, Springfield, USA"
