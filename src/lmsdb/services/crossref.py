"""Crossref's REST API: ``/works/{doi}`` and the title query ``/works?query.title=``.

Crossref registers most publishers' DOIs but not arXiv's (``10.48550/...``, DataCite's: it
answers 404) nor ACM's unregistered ``10.5555/...``; neither is ever sent. Requests carry a
contact address (``mailto``) to be served from the "polite pool", whose pace the
``X-Rate-Limit-*`` headers announce.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from lmsdb.domain.checks import normalise_pages
from lmsdb.services.http import Http, Policy
from lmsdb.services.names import bare_orcid
from lmsdb.services.record import Author, Found

NAME = "crossref"
DEFAULT_URL = "https://api.crossref.org"
ENV = "LMSDB_CROSSREF_URL"
#: DOI prefixes Crossref does not resolve: arXiv's (DataCite) and ACM's placeholders.
NOT_CROSSREF = ("10.48550/", "10.5555/")


def policy(base_url: str, mailto: str | None) -> Policy:
    # One request a second until the first answer announces the pool's pace (10/s polite,
    # 5/s public in 2026); never faster than 20 a second whatever it says.
    return Policy(NAME, base_url, min_interval=1.0, floor=0.05,
                  params={"mailto": mailto} if mailto else {})


def sendable(doi: str) -> bool:
    """Whether Crossref can know ``doi``.

    >>> sendable("10.1145/3458817.3476205"), sendable("10.48550/arXiv.2312.07559")
    (True, False)
    """
    return not doi.lower().startswith(NOT_CROSSREF)


def work_path(doi: str) -> str:
    """The path of a DOI's work, the DOI as one path segment.

    >>> work_path("10.1038/s42256-024-00832-8")
    '/works/10.1038%2Fs42256-024-00832-8'
    """
    return "/works/" + quote(doi, safe="")


def _first(values: Any) -> str | None:
    if isinstance(values, list) and values:
        return " ".join(str(values[0]).split()) or None
    return None


def _year(work: dict[str, Any]) -> int | None:
    for key in ("issued", "published", "published-print", "published-online"):
        parts = (work.get(key) or {}).get("date-parts") or []
        if parts and parts[0] and parts[0][0]:
            return int(parts[0][0])
    return None


def _author(a: dict[str, Any]) -> Author | None:
    family = " ".join(str(a.get("family") or a.get("name") or "").split())
    if not family:
        return None
    given = " ".join(str(a.get("given") or "").split()) or None
    return Author(family=family, given=given, orcid=bare_orcid(a.get("ORCID")))


def parse_item(work: dict[str, Any]) -> Found:
    """One work (the ``message`` of ``/works/{doi}``, or an item of a query)."""
    doi = work.get("DOI")
    page = work.get("page")
    return Found(
        source=NAME, source_id=doi or "", title=_first(work.get("title")) or "",
        year=_year(work),
        authors=tuple(a for a in map(_author, work.get("author") or []) if a),
        doi=doi, pages=normalise_pages(page) if page else None,
        volume=work.get("volume"), number=work.get("issue"), publisher=work.get("publisher"),
        venue=_first(work.get("container-title")) or (work.get("event") or {}).get("name"),
        url=((work.get("resource") or {}).get("primary") or {}).get("URL"),
        preprint=work.get("type") == "posted-content",
        extra={"type": str(work.get("type") or "")})


def parse_work(body: bytes) -> Found:
    """The answer of ``/works/{doi}``."""
    return parse_item(json.loads(body)["message"])


def parse_works(body: bytes) -> list[Found]:
    """The items of a ``/works?query...`` answer, best first."""
    return [parse_item(w) for w in json.loads(body)["message"].get("items") or []]


def fetch(http: Http, doi: str) -> Found | None:
    """The work with this DOI, or None when Crossref does not know it (404)."""
    if not sendable(doi):
        raise ValueError(f"{doi}: not a Crossref DOI")
    resp = http.request(NAME, "GET", work_path(doi))
    if resp.status_code == 404:
        return None
    resp.raise_for_status()
    return parse_work(resp.content)


def search(http: Http, title: str, rows: int = 3) -> list[Found]:
    """Works whose title resembles ``title``: candidates only, never trusted unchecked."""
    resp = http.request(NAME, "GET", "/works", params={"query.title": title, "rows": str(rows)})
    resp.raise_for_status()
    return parse_works(resp.content)
