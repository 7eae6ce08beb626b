"""Tests for the venue catalogue and the Publisher-cell lookup."""

from __future__ import annotations

import time

import pytest

from lmsdb.domain import venues
from lmsdb.domain.venues import CATALOGUE, KINDS, Venue, _build_index, _key, by_name, lookup

# The venues the brief says the catalogue must have, with the kinds they must carry.
REQUIRED = {
    "NeurIPS": "conference", "ICML": "conference", "ICLR": "conference", "OSDI": "conference",
    "SOSP": "conference", "ATC": "conference", "EuroSys": "conference", "NSDI": "conference",
    "MLSys": "conference", "SC": "conference", "PPoPP": "conference", "ASPLOS": "conference",
    "ISCA": "conference", "MICRO": "conference", "HPCA": "conference", "IPDPS": "conference",
    "ICS": "conference", "ICPP": "conference", "HiPC": "conference", "TPDS": "journal",
    "KDD": "conference", "CVPR": "conference", "ICCV": "conference", "ECCV": "conference",
    "EMNLP": "conference", "ACL": "conference", "NAACL": "conference", "AAAI": "conference",
    "JMLR": "journal", "TMLR": "journal", "KDD Tutorial": "tutorial", "VLDB": "journal",
    "SIGMOD": "conference", "FAST": "conference", "SoCC": "conference",
    "MobiSys": "conference", "INFOCOM": "conference", "IJCAI": "conference",
    "COLING": "conference",
}


def test_required_venues_present_with_kind() -> None:
    for name, kind in REQUIRED.items():
        venue = by_name(name)
        assert venue is not None, name
        assert venue.kind == kind, name
        assert venue.known is True


def test_official_full_names_of_key_venues() -> None:
    assert by_name("NeurIPS").full_name == "Advances in Neural Information Processing Systems"
    assert by_name("ATC").full_name == "USENIX Annual Technical Conference"
    assert by_name("SC").full_name == (
        "International Conference for High Performance Computing, Networking, Storage and Analysis"
    )
    assert by_name("ICS").full_name == "ACM International Conference on Supercomputing"
    assert by_name("TPDS").full_name == "IEEE Transactions on Parallel and Distributed Systems"


@pytest.mark.parametrize("venue", CATALOGUE, ids=lambda v: v.name)
def test_every_canonical_name_maps_to_itself(venue: Venue) -> None:
    assert lookup(venue.name) is venue
    assert lookup(venue.full_name) is venue
    assert by_name(venue.name) is venue


@pytest.mark.parametrize("venue", CATALOGUE, ids=lambda v: v.name)
def test_catalogue_entries_are_well_formed(venue: Venue) -> None:
    assert venue.kind in KINDS
    assert venue.full_name.strip() == venue.full_name != ""
    assert venue.name.strip() == venue.name != ""
    assert venue.known is True


def test_catalogue_names_unique_and_arxiv_absent() -> None:
    names = [v.name for v in CATALOGUE]
    assert len(names) == len(set(names))
    assert by_name("arXiv") is None
    # arXiv is not a venue: a Publisher cell naming a preprint server means "no venue".
    for cell in ("arXiv", "CoRR", "arxiv preprint", "bioRxiv"):
        assert lookup(cell) is None, cell


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NeuraIPS", "NeurIPS"),
        ("NIPS", "NeurIPS"),
        ("Neurips", "NeurIPS"),
        ("NeurIPS Conference", "NeurIPS"),
        ("SIGKDD Tutorial", "KDD Tutorial"),
        ("KDD Tutorial", "KDD Tutorial"),
        ("SIGKDD tutorial", "KDD Tutorial"),
        ("SIGKDD", "KDD"),
        ("KDD", "KDD"),
        ("USENIX ATC", "ATC"),
        ("ATC", "ATC"),
        ("USENIX ATC'21", "ATC"),
        ("USENIX OSDI", "OSDI"),
        ("MLSYS", "MLSys"),
        ("SysML", "MLSys"),
        ("Supercomputing", "SC"),
        ("SC", "SC"),
        ("PVLDB", "VLDB"),
        ("VLDB", "VLDB"),
        ("Proceedings of the VLDB Endowment", "VLDB"),
        ("ACL Findings", "ACL Findings"),
        ("Findings of EMNLP", "EMNLP Findings"),
        ("NAACL-HLT", "NAACL"),
        ("International Conference on Machine Learning", "ICML"),
    ],
)
def test_aliases_and_misspellings(raw: str, expected: str) -> None:
    venue = lookup(raw)
    assert venue is not None
    assert venue.name == expected
    assert venue.known is True


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # case and whitespace
        ("neurips", "NeurIPS"),
        ("  NeurIPS  ", "NeurIPS"),
        ("USENIX   atc", "ATC"),
        ("usenix\tosdi", "OSDI"),
        ("NeurIPS\u00a0Conference", "NeurIPS"),
        # year suffixes, 4-digit and 2-digit, with and without separators
        ("OSDI 2022", "OSDI"),
        ("OSDI'22", "OSDI"),
        ("OSDI '22", "OSDI"),
        ("OSDI\u201922", "OSDI"),
        ("NeurIPS 2020", "NeurIPS"),
        ("NeurIPS2020", "NeurIPS"),
        ("AAAI-21", "AAAI"),
        ("SC22", "SC"),
        ("SC'23", "SC"),
        ("KDD Tutorial 2020", "KDD Tutorial"),
        # stand-alone years elsewhere
        ("2022 NeurIPS", "NeurIPS"),
        ("EMNLP 2023 Findings", "EMNLP Findings"),
        # surrounding punctuation, also nested with a year
        ("(NeurIPS)", "NeurIPS"),
        ("**OSDI**", "OSDI"),
        ("ICML.", "ICML"),
        ("\u201cICLR\u201d", "ICLR"),
        ("(OSDI '22).", "OSDI"),
        ("[USENIX ATC'21]", "ATC"),
    ],
)
def test_normalisation_variants(raw: str, expected: str) -> None:
    venue = lookup(raw)
    assert venue is not None
    assert venue.name == expected


@pytest.mark.parametrize("raw", ["", " ", "   \t  ", "\n", "-", " — "])
def test_empty_cell_is_no_venue(raw: str) -> None:
    assert lookup(raw) is None


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("Some Obscure Workshop", "Some Obscure Workshop"),
        ("  Foo   Symposium  2021 ", "Foo Symposium 2021"),
        ("NeurIPS-ish Meetup", "NeurIPS-ish Meetup"),
    ],
)
def test_unknown_venue_kept_as_written(raw: str, kept: str) -> None:
    venue = lookup(raw)
    assert venue == Venue(name=kept, full_name=kept, kind="unknown", known=False)


def test_year_stripping_does_not_eat_other_numbers() -> None:
    # Three digits are not a year: the text stays unknown rather than matching "SC".
    assert lookup("SC123").known is False
    assert _key("SC123") == "sc123"
    assert lookup("OSDI 1800").known is False


def test_venue_is_frozen() -> None:
    venue = by_name("ICML")
    with pytest.raises(AttributeError):
        venue.name = "X"  # type: ignore[misc]


def test_by_name_is_exact() -> None:
    assert by_name("NeurIPS") is lookup("NeurIPS")
    assert by_name("neurips") is None
    assert by_name("NIPS") is None
    assert by_name("") is None


def test_no_alias_names_two_venues() -> None:
    # Re-derive every alias key from the table and check each points to one venue only.
    seen: dict[str, str] = {}
    for name, _kind, full_name, aliases in venues._ROWS:
        for alias in (name, full_name, *aliases):
            key = _key(alias)
            assert seen.setdefault(key, name) == name, (alias, seen[key], name)
            assert lookup(alias).name == name


def test_build_rejects_alias_collision() -> None:
    rows = (
        ("ATC", "conference", "USENIX Annual Technical Conference", ("USENIX ATC",)),
        ("OtherATC", "conference", "Another Thing", ("usenix  atc'19",)),
    )
    with pytest.raises(ValueError, match="names both"):
        _build_index(rows)


def test_build_rejects_collision_through_full_name() -> None:
    rows = (
        ("A", "conference", "Shared Full Name", ()),
        ("B", "journal", "shared full name", ()),
    )
    with pytest.raises(ValueError, match="names both"):
        _build_index(rows)


def test_build_allows_repeated_alias_for_same_venue() -> None:
    rows = (("NeurIPS", "conference", "Advances", ("Neurips", "NEURIPS 2020")),)
    catalogue, aliases, names = _build_index(rows)
    assert len(catalogue) == 1
    assert aliases["neurips"] is names["NeurIPS"]


@pytest.mark.parametrize(
    "rows",
    [
        (("X", "podcast", "X Podcast", ()),),
        (("X", "conference", "  ", ()),),
        (("X", "conference", "X Conf", ()), ("X", "journal", "X Journal", ())),
        (("X", "conference", "X Conf", ("(2022)",)),),
    ],
)
def test_build_rejects_bad_rows(rows: tuple[tuple[str, str, str, tuple[str, ...]], ...]) -> None:
    with pytest.raises(ValueError):
        _build_index(rows)


def test_shipped_table_builds_cleanly() -> None:
    # The same check the import ran; rebuilt here (not via importlib.reload, which would swap
    # the Venue class under other test modules) so a failure names the offending row.
    catalogue, aliases, names = _build_index(venues._ROWS)
    assert catalogue == CATALOGUE
    assert len(CATALOGUE) >= 40
    assert set(names) == {v.name for v in CATALOGUE}
    assert len(aliases) > len(CATALOGUE)


def test_lookup_is_fast_for_many_rows() -> None:
    cells = ["NeurIPS 2020", "USENIX ATC'21", "SIGKDD Tutorial", "Unknown Venue X", ""] * 20_000
    start = time.perf_counter()
    for cell in cells:
        lookup(cell)
    # 100,000 cached lookups take well under a second; this only guards against a regression
    # to a linear scan or uncached regex work per row.
    assert time.perf_counter() - start < 2.0
