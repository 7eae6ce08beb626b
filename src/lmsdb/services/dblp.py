"""DBLP: the publication search (``/search/publ/api?format=json``) and records
(``/rec/{key}.bib``).

DBLP knows the published versions of computer-science papers, their CoRR (arXiv) versions as
separate records, and the OpenReview URLs of ICLR and NeurIPS papers (OpenReview's own API
refuses anonymous clients). The search finds the candidates; the ``.bib`` record of the one
accepted gives publisher, volume and the full booktitle. DBLP asks for at most one request a
second and sends ``Retry-After`` with a 429.
"""

from __future__ import annotations

import html
import json
from typing import Any

from lmsdb.domain import identifiers
from lmsdb.domain.checks import normalise_pages
from lmsdb.services.http import Http, Policy
from lmsdb.services.names import person
from lmsdb.services.record import Author, Found

NAME = "dblp"
DEFAULT_URL = "https://dblp.org"
ENV = "LMSDB_DBLP_URL"
SEARCH_PATH = "/search/publ/api"
HITS = 10


def policy(base_url: str) -> Policy:
    return Policy(NAME, base_url, min_interval=1.0)


def search_params(title: str) -> dict[str, str]:
    return {"q": title, "format": "json", "h": str(HITS)}


def rec_path(key: str) -> str:
    """The path of a record's BibTeX.

    >>> rec_path("conf/osdi/ZhengLZZCHWXZXG22")
    '/rec/conf/osdi/ZhengLZZCHWXZXG22.bib'
    """
    return f"/rec/{key}.bib"


def _as_list(value: Any) -> list[Any]:
    """DBLP's JSON gives a single element as an object, several as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _plain(value: Any) -> str | None:
    if value is None:
        return None
    return " ".join(html.unescape(str(value)).split()) or None


def _hit(info: dict[str, Any]) -> Found:
    key = info.get("key", "")
    authors = tuple(a for a in (person(_plain(x.get("text") if isinstance(x, dict) else x) or "")
                                for x in _as_list((info.get("authors") or {}).get("author")))
                    if a)
    ee = [e for e in _as_list(info.get("ee")) if isinstance(e, str)]
    preprint = key.startswith("journals/corr/")
    arxiv = next((a for a in map(identifiers.arxiv_id, ee) if a), None)
    corr = identifiers.corr_volume(str(info.get("volume") or ""))
    if preprint and arxiv is None and corr:
        arxiv = corr
    year = str(info.get("year") or "")
    return Found(
        source=NAME, source_id=key, title=(_plain(info.get("title")) or "").rstrip("."),
        year=int(year) if year.isdigit() else None, authors=authors,
        doi=_plain(info.get("doi")), arxiv_id=arxiv,
        pages=normalise_pages(str(info["pages"])) if info.get("pages") else None,
        volume=None if preprint else _plain(info.get("volume")),
        number=_plain(info.get("number")), venue=_plain(info.get("venue")),
        url=ee[0] if ee else None, preprint=preprint, dblp_key=key or None,
        extra={"type": str(info.get("type") or "")})


def parse_search(body: bytes) -> list[Found]:
    """The hits of a search answer, in DBLP's order (none: an empty list)."""
    result = json.loads(body)["result"]
    return [_hit(h.get("info") or {}) for h in _as_list((result.get("hits") or {}).get("hit"))]


def parse_rec(text: str, key: str) -> Found:
    """A ``/rec/{key}.bib`` record, read with lmsdb's own ``.bib`` reader."""
    from lmsdb.diagnostics import Diagnostics
    from lmsdb.domain.bibrecords import from_bibtex
    from lmsdb.sources.bibtex import parse_text

    records = from_bibtex(parse_text(text, f"dblp:{key}"), Diagnostics())
    if not records:
        raise ValueError(f"dblp: {key}: no record in the answer")
    r = records[0]
    preprint = key.startswith("journals/corr/")
    return Found(
        source=NAME, source_id=key, title=r.title, year=r.year,
        authors=tuple(Author(p.family, p.given) for p in r.authors), doi=r.doi,
        arxiv_id=r.arxiv_id, pages=r.pages, volume=None if preprint else r.volume,
        number=r.number, publisher=r.publisher, venue=r.venue,
        url=r.url.replace("\\_", "_") if r.url else None, preprint=preprint, dblp_key=key,
        extra={"entry_type": r.entry_type})


def search(http: Http, title: str) -> list[Found]:
    resp = http.request(NAME, "GET", SEARCH_PATH, params=search_params(title))
    resp.raise_for_status()
    return parse_search(resp.content)


def record(http: Http, key: str) -> Found | None:
    """The full record of ``key``; None when DBLP has no such record (404)."""
    resp = http.request(NAME, "GET", rec_path(key))
    if resp.status_code == 404:
        return None
    resp.raise_for_status()
    return parse_rec(resp.content.decode("utf-8"), key)
