"""What a metadata service says about a paper, and how a candidate is checked before use."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from lmsdb.domain.citekeys import fold
from lmsdb.domain.html import html_to_plain


@dataclass(frozen=True)
class Author:
    """An author as a service gives it, split into family and given names."""

    family: str
    given: str | None = None
    orcid: str | None = None  # the bare id, 0000-0002-1825-0097


@dataclass(frozen=True)
class Found:
    """One record of one service, in the service's words (parsers fill only what it says)."""

    source: str  # "dblp", "crossref", "arxiv", "s2"
    source_id: str  # the service's id of the record: DBLP key, DOI, arXiv id, S2 paperId
    title: str
    year: int | None = None
    authors: tuple[Author, ...] = ()
    doi: str | None = None
    arxiv_id: str | None = None
    pages: str | None = None
    volume: str | None = None
    number: str | None = None
    publisher: str | None = None
    venue: str | None = None  # booktitle, journal or container title, as written
    url: str | None = None  # the landing page of the version described
    preprint: bool = False  # the record is the arXiv/CoRR version
    dblp_key: str | None = None
    s2_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False)


_WORDS = re.compile(r"[a-z0-9]+")
#: Accepted similarity of normalised titles: close for a title search (any hit may be another
#: paper), looser when the service was asked by an identifier (a preprint's title often
#: changes a little on publication, but a DOI or arXiv id cannot name another paper by chance).
TITLE_SEARCH_SIMILARITY = 0.9
IDENTIFIER_SIMILARITY = 0.6


def normalised_title(title: str) -> str:
    """Lower-case ASCII words: no HTML, accents, punctuation or spacing differences.

    >>> normalised_title("ZeRO-Infinity: Breaking the GPU Memory Wall.")
    'zero infinity breaking the gpu memory wall'
    """
    return " ".join(_WORDS.findall(fold(html_to_plain(title)).lower()))


def title_similarity(a: str, b: str) -> float:
    """1.0 for the same normalised title; difflib's ratio otherwise.

    >>> title_similarity("Attention Is All You Need", "Attention is all you need.")
    1.0
    >>> title_similarity("Attention Is All You Need",
    ...                  "Self-Attention with Relative Position Representations") < 0.6
    True
    """
    na, nb = normalised_title(a), normalised_title(b)
    if na == nb:
        return 1.0
    return SequenceMatcher(None, na, nb, autojunk=False).ratio()


def rejection(found: Found, title: str, year: int | None, *, by_title: bool) -> str | None:
    """Why ``found`` is not the paper ``title`` (``year``), or None when it is.

    A candidate from a title search must have a closely matching title and a year within one
    of the list's; one fetched by identifier must at least be recognisably the same title.
    """
    sim = title_similarity(found.title, title)
    need = TITLE_SEARCH_SIMILARITY if by_title else IDENTIFIER_SIMILARITY
    if sim < need:
        return f"title {found.title!r} is not {title!r} (similarity {sim:.2f} < {need})"
    if by_title and found.year is not None and year is not None and abs(found.year - year) > 1:
        return f"year {found.year} is not within one of {year}"
    return None
