"""Tests for lmsdb.domain.identifiers: URL cleaning, id extraction, dedup keys."""

from __future__ import annotations

import doctest

import pytest

from lmsdb.domain import identifiers
from lmsdb.domain.identifiers import (
    arxiv_id,
    clean_url,
    doi,
    is_preprint_url,
    normalise_url,
    openreview_id,
)


def test_doctests() -> None:
    result = doctest.testmod(identifiers)
    assert result.attempted > 0
    assert result.failed == 0


# --------------------------------------------------------------------------
# clean_url
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        # real, from seeds/awesome-lm-system.md
        (
            "https://openreview.net/forum?id%253DPgtn4l6eKjv",
            "https://openreview.net/forum?id=Pgtn4l6eKjv",
        ),
        (
            "https://openreview.net/forum?id%253DJpZ5du_Kdh",
            "https://openreview.net/forum?id=JpZ5du_Kdh",
        ),
        (
            "https://openreview.net/forum?id%253Df-fVCElZ-G1",
            "https://openreview.net/forum?id=f-fVCElZ-G1",
        ),
        ("  https://x.org/a  ", "https://x.org/a"),
        ("\thttps://x.org/a\n", "https://x.org/a"),
        # other double-encoded reserved characters in the query
        ("https://x.org/p?a%253D1%2526b%253D2", "https://x.org/p?a=1&b=2"),
        ("https://x.org/p?u%253Dhttps%253A%252F%252Fy.org", "https://x.org/p?u=https://y.org"),
        ("https://x.org/p?a%253d1", "https://x.org/p?a=1"),  # lower-case hex
        # a double-encoded "?" starts the query
        ("https://openreview.net/forum%253Fid%253DXYZ", "https://openreview.net/forum?id=XYZ"),
        # single-encoded "=" after id, OpenReview only
        ("https://openreview.net/forum?id%3DXYZ", "https://openreview.net/forum?id=XYZ"),
        ("https://openreview.net/pdf?id%3DXYZ", "https://openreview.net/pdf?id=XYZ"),
        ("https://x.org/forum?id%3DXYZ", "https://x.org/forum?id%3DXYZ"),
    ],
)
def test_clean_url(raw: str, clean: str) -> None:
    assert clean_url(raw) == clean


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/abs/2301.12017",
        "https://x.org/a%20b",  # ordinary encoding
        "https://x.org/a%252Fb",  # double encoding in the path: not touched
        "https://x.org/p?q=a%2520b",  # double-encoded space: not a reserved char
        "https://x.org/p?q=1#frag%253D",  # fragment untouched
        "https://dl.acm.org/doi/10.1145/3394486.3406703",
    ],
)
def test_clean_url_leaves_other_urls_alone(url: str) -> None:
    assert clean_url(url) == url


# --------------------------------------------------------------------------
# arxiv_id
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2301.12017", "2301.12017"),
        ("https://arxiv.org/abs/2301.07969", "2301.07969"),
        ("https://arxiv.org/abs/2301.07969v2", "2301.07969"),
        ("https://arxiv.org/abs/2301.07969v12", "2301.07969"),
        ("https://arxiv.org/pdf/2301.07969", "2301.07969"),
        ("https://arxiv.org/pdf/2301.07969v1.pdf", "2301.07969"),
        ("https://arxiv.org/pdf/2301.07969.pdf", "2301.07969"),
        ("http://arxiv.org/abs/2301.07969", "2301.07969"),
        ("https://export.arxiv.org/abs/2301.07969", "2301.07969"),
        ("https://www.arxiv.org/abs/2301.07969", "2301.07969"),
        ("https://arxiv.org/abs/2301.07969/", "2301.07969"),
        ("https://arxiv.org/abs/2301.07969?context=cs", "2301.07969"),
        ("https://arxiv.org/abs/2301.07969#section", "2301.07969"),
        ("https://arxiv.org/html/2301.07969v3", "2301.07969"),
        ("arxiv.org/abs/2301.07969", "2301.07969"),
        ("  https://arxiv.org/abs/2301.07969  ", "2301.07969"),
        ("https://arxiv.org/abs/0704.0001", "0704.0001"),  # 4-digit pre-2015 id
        ("https://arxiv.org/abs/1909.08053", "1909.08053"),
        # old-style ids
        ("https://arxiv.org/abs/cs/0112017", "cs/0112017"),
        ("https://arxiv.org/abs/cs/0112017v2", "cs/0112017"),
        ("http://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/pdf/hep-th/9901001v1.pdf", "hep-th/9901001"),
        ("https://arxiv.org/abs/math.GT/0309136", "math/0309136"),  # subject class dropped
    ],
)
def test_arxiv_id(url: str, expected: str) -> None:
    assert arxiv_id(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://openreview.net/forum?id=Pgtn4l6eKjv",
        "https://dl.acm.org/doi/10.1145/3394486.3406703",
        "https://example.org/abs/2301.07969",
        "https://notarxiv.org/abs/2301.07969",
        "https://arxiv.org/list/cs.LG/recent",
        "https://arxiv.org/abs/2301.079691",  # too many digits
        "https://arxiv.org/a/someone_1",
    ],
)
def test_arxiv_id_none(url: str) -> None:
    assert arxiv_id(url) is None


# --------------------------------------------------------------------------
# doi
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # real, from seeds/awesome-lm-system.md
        ("https://dl.acm.org/doi/abs/10.1145/3458817.3476205", "10.1145/3458817.3476205"),
        ("https://dl.acm.org/doi/10.1145/3394486.3406703", "10.1145/3394486.3406703"),
        # resolvers
        ("https://doi.org/10.1145/3394486.3406703", "10.1145/3394486.3406703"),
        ("http://dx.doi.org/10.1145/3394486.3406703", "10.1145/3394486.3406703"),
        ("https://www.doi.org/10.1145/3394486.3406703", "10.1145/3394486.3406703"),
        ("https://doi.org/10.1109/SC41405.2020.00024", "10.1109/SC41405.2020.00024"),  # case kept
        # ACM variants
        ("https://dl.acm.org/doi/pdf/10.1145/3458817.3476205", "10.1145/3458817.3476205"),
        ("https://dl.acm.org/doi/fullHtml/10.1145/3458817.3476205", "10.1145/3458817.3476205"),
        (
            "https://dl.acm.org/doi/pdf/10.1145/3458817.3476205?download=true",
            "10.1145/3458817.3476205",
        ),
        ("https://dl.acm.org/doi/10.1145/3458817.3476205#sec-1", "10.1145/3458817.3476205"),
        ("https://dl.acm.org/doi/proceedings/10.1145/3458817", "10.1145/3458817"),
        # Springer
        (
            "https://link.springer.com/article/10.1007/s11263-015-0816-y",
            "10.1007/s11263-015-0816-y",
        ),
        (
            "https://link.springer.com/chapter/10.1007/978-3-030-58452-8_13",
            "10.1007/978-3-030-58452-8_13",
        ),
        (
            "https://link.springer.com/content/pdf/10.1007/978-3-030-58452-8_13.pdf",
            "10.1007/978-3-030-58452-8_13",
        ),
        # Wiley, percent-encoded DOI
        ("https://onlinelibrary.wiley.com/doi/10.1002/cpe.5574", "10.1002/cpe.5574"),
        ("https://onlinelibrary.wiley.com/doi/abs/10.1002/cpe.5574", "10.1002/cpe.5574"),
        ("https://onlinelibrary.wiley.com/doi/pdf/10.1002/cpe.5574", "10.1002/cpe.5574"),
        (
            "https://onlinelibrary.wiley.com/doi/abs/10.1002/%28SICI%291097-4571%28199806%2949%3A8%3C693",
            "10.1002/(SICI)1097-4571(199806)49:8<693",
        ),
        # other publishers using /doi/
        ("https://www.science.org/doi/10.1126/science.aar6404", "10.1126/science.aar6404"),
        ("https://www.pnas.org/doi/full/10.1073/pnas.1611835114", "10.1073/pnas.1611835114"),
        ("  https://doi.org/10.1145/3394486.3406703  ", "10.1145/3394486.3406703"),
    ],
)
def test_doi(url: str, expected: str) -> None:
    assert doi(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        # ACM placeholder prefix 10.5555: not a registered DOI
        "https://dl.acm.org/doi/10.5555/3433701.3433727",
        "https://dl.acm.org/doi/abs/10.5555/3571885.3571946",
        "https://doi.org/10.5555/3433701.3433727",
        # no DOI in the URL
        "https://ieeexplore.ieee.org/document/10106313",
        "https://ieeexplore.ieee.org/abstract/document/10106313/",
        "https://proceedings.mlr.press/v162/rajbhandari22a.html",
        "https://www.usenix.org/conference/osdi22/presentation/zheng-lianmin",
        "https://arxiv.org/abs/2301.12017",
        "https://dl.acm.org/doi/",
        "https://x.org/search?q=/doi/10.1145/1",  # "/doi/" only in the query
    ],
)
def test_doi_none(url: str) -> None:
    assert doi(url) is None


# --------------------------------------------------------------------------
# openreview_id
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://openreview.net/forum?id%253DJpZ5du_Kdh", "JpZ5du_Kdh"),
        ("https://openreview.net/forum?id%253DPgtn4l6eKjv", "Pgtn4l6eKjv"),
        ("https://openreview.net/forum?id%253Df-fVCElZ-G1", "f-fVCElZ-G1"),
        ("https://openreview.net/forum?id=Pgtn4l6eKjv", "Pgtn4l6eKjv"),
        ("https://openreview.net/pdf?id=Pgtn4l6eKjv", "Pgtn4l6eKjv"),
        ("http://openreview.net/forum?id=Pgtn4l6eKjv", "Pgtn4l6eKjv"),
        ("https://www.openreview.net/forum?id=Pgtn4l6eKjv", "Pgtn4l6eKjv"),
        ("https://openreview.net/forum?id=Pgtn4l6eKjv&noteId=abc", "Pgtn4l6eKjv"),
        ("https://openreview.net/forum?noteId=abc&id=Pgtn4l6eKjv", "Pgtn4l6eKjv"),
        ("https://openreview.net/forum?id=Pgtn4l6eKjv#discussion", "Pgtn4l6eKjv"),
        ("https://openreview.net/forum?id%3DPgtn4l6eKjv", "Pgtn4l6eKjv"),
    ],
)
def test_openreview_id(url: str, expected: str) -> None:
    assert openreview_id(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://openreview.net/group?id=ICLR.cc/2023/Conference",
        "https://openreview.net/profile?id=~Someone1",
        "https://arxiv.org/abs/2301.12017",
        "https://x.org/forum?id=abc",
    ],
)
def test_openreview_id_none(url: str) -> None:
    assert openreview_id(url) is None


def test_openreview_cleaned_url_from_seed() -> None:
    raw = "https://openreview.net/forum?id%253DJpZ5du_Kdh"
    assert clean_url(raw) == "https://openreview.net/forum?id=JpZ5du_Kdh"
    assert openreview_id(clean_url(raw)) == "JpZ5du_Kdh"


# --------------------------------------------------------------------------
# normalise_url
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variants",
    [
        [
            "https://arxiv.org/abs/2301.12017",
            "http://arxiv.org/abs/2301.12017v2",
            "https://arxiv.org/pdf/2301.12017",
            "https://arxiv.org/pdf/2301.12017v1.pdf",
            "https://export.arxiv.org/abs/2301.12017",
            "https://www.arxiv.org/abs/2301.12017#x",
        ],
        [
            "https://dl.acm.org/doi/10.1145/3458817.3476205",
            "https://dl.acm.org/doi/abs/10.1145/3458817.3476205",
            "https://dl.acm.org/doi/pdf/10.1145/3458817.3476205",
            "https://doi.org/10.1145/3458817.3476205",
            "http://dx.doi.org/10.1145/3458817.3476205",
        ],
        [
            "https://openreview.net/forum?id%253DJpZ5du_Kdh",
            "https://openreview.net/forum?id=JpZ5du_Kdh",
            "https://openreview.net/pdf?id=JpZ5du_Kdh",
        ],
        [
            "https://www.usenix.org/conference/atc21/presentation/ren-jie",
            "http://usenix.org/conference/atc21/presentation/ren-jie/",
            "https://WWW.USENIX.ORG/conference/atc21/presentation/ren-jie#abstract",
            "https://www.usenix.org:443/conference/atc21/presentation/ren-jie",
        ],
        [
            # ACM placeholder ids are not DOIs but their variants still collapse
            "https://dl.acm.org/doi/10.5555/3433701.3433727",
            "https://dl.acm.org/doi/abs/10.5555/3433701.3433727",
        ],
    ],
)
def test_normalise_url_variants_collapse(variants: list[str]) -> None:
    keys = {normalise_url(v) for v in variants}
    assert len(keys) == 1, keys


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://arxiv.org/abs/2301.12017v3", "arxiv:2301.12017"),
        ("https://arxiv.org/abs/cs/0112017", "arxiv:cs/0112017"),
        ("https://doi.org/10.1109/SC41405.2020.00024", "doi:10.1109/sc41405.2020.00024"),
        ("https://openreview.net/forum?id%253DJpZ5du_Kdh", "openreview:JpZ5du_Kdh"),
        (
            "https://dl.acm.org/doi/10.5555/3433701.3433727",
            "dl.acm.org/doi/10.5555/3433701.3433727",
        ),
        ("https://ieeexplore.ieee.org/document/10106313", "ieeexplore.ieee.org/document/10106313"),
        (
            "https://proceedings.mlr.press/v162/rajbhandari22a.html",
            "proceedings.mlr.press/v162/rajbhandari22a.html",
        ),
        ("https://Example.org/Path/Case", "example.org/Path/Case"),  # path case kept
        ("https://example.org/", "example.org"),
        ("https://example.org/p?b=2&a=1#f", "example.org/p?b=2&a=1"),
        ("https://example.org/p/?q=1", "example.org/p?q=1"),
        ("https://example.org:8080/p", "example.org:8080/p"),
        ("www.example.org/p/", "example.org/p"),
        ("ftp://Files.example.org/p/", "ftp://files.example.org/p"),
        ("  https://x.org/a  ", "x.org/a"),
    ],
)
def test_normalise_url(url: str, key: str) -> None:
    assert normalise_url(url) == key


def test_normalise_url_keeps_distinct_papers_apart() -> None:
    assert normalise_url("https://arxiv.org/abs/2301.12017") != normalise_url(
        "https://arxiv.org/abs/2301.12018"
    )
    assert normalise_url("https://x.org/p?id=1") != normalise_url("https://x.org/p?id=2")


# --------------------------------------------------------------------------
# is_preprint_url
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/abs/2301.12017",
        "https://arxiv.org/pdf/2301.07969v1.pdf",
        "https://export.arxiv.org/abs/2301.12017",
        "https://www.biorxiv.org/content/10.1101/2020.01.01.123456v1",
        "https://www.medrxiv.org/content/10.1101/2020.01.01.123456v1",
        "https://papers.ssrn.com/sol3/papers.cfm?abstract_id=123",
        "https://www.researchgate.net/publication/123_Title",
        "https://someone.github.io/papers/paper.pdf",
        "https://doi.org/10.48550/arXiv.2301.12017",
        "https://doi.org/10.2139/ssrn.123",
        "https://doi.org/10.1101/2020.01.01.123456",
    ],
)
def test_is_preprint_url_true(url: str) -> None:
    assert is_preprint_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://dl.acm.org/doi/abs/10.1145/3458817.3476205",
        "https://dl.acm.org/doi/10.5555/3433701.3433727",
        "https://ieeexplore.ieee.org/document/10106313",
        "https://proceedings.mlr.press/v162/rajbhandari22a.html",
        "https://proceedings.neurips.cc/paper/2020/hash/a1140a3d0df1c81e24ae954d935e8926-Abstract.html",
        "https://openreview.net/forum?id%253DPgtn4l6eKjv",
        "https://www.usenix.org/conference/osdi22/presentation/zheng-lianmin",
        "https://link.springer.com/chapter/10.1007/978-3-030-58452-8_13",
        "https://github.com/microsoft/DeepSpeed",  # a repository, not a paper page
        "https://doi.org/10.1101/gr.123456.110",  # Cold Spring Harbor journal, not bioRxiv
        "https://notarxiv.org/abs/2301.12017",
    ],
)
def test_is_preprint_url_false(url: str) -> None:
    assert not is_preprint_url(url)


# --------------------------------------------------------------------------
# All seed URLs
# --------------------------------------------------------------------------

SEED_URLS = {
    "https://arxiv.org/abs/2301.12017": ("2301.12017", None, None),
    "https://openreview.net/forum?id%253DPgtn4l6eKjv": (None, None, "Pgtn4l6eKjv"),
    "https://ieeexplore.ieee.org/document/10106313": (None, None, None),
    "https://proceedings.mlr.press/v162/rajbhandari22a.html": (None, None, None),
    "https://www.usenix.org/conference/osdi22/presentation/zheng-lianmin": (None, None, None),
    "https://dl.acm.org/doi/abs/10.1145/3458817.3476205": (None, "10.1145/3458817.3476205", None),
    "http://proceedings.mlr.press/v139/tang21a.html": (None, None, None),
    "https://dl.acm.org/doi/10.1145/3394486.3406703": (None, "10.1145/3394486.3406703", None),
    "https://dl.acm.org/doi/10.5555/3433701.3433727": (None, None, None),
    "https://dl.acm.org/doi/abs/10.5555/3571885.3571946": (None, None, None),
    "https://arxiv.org/abs/1909.08053": ("1909.08053", None, None),
}


@pytest.mark.parametrize(("url", "ids"), SEED_URLS.items())
def test_seed_urls(url: str, ids: tuple[str | None, str | None, str | None]) -> None:
    assert (arxiv_id(url), doi(url), openreview_id(url)) == ids
