"""Semantic Scholar's Graph API: ``POST /graph/v1/paper/batch`` (up to 500 ids, ``ARXIV:``
or ``DOI:``, per request) and the title match ``/graph/v1/paper/search/match``.

The batch answer is a list in the order of the ids asked, ``null`` for an id it does not
know; the title match answers 404 when nothing matches. ``S2_API_KEY``, when set, is sent as
``x-api-key``. Without a key the API shares one pool among all anonymous clients and answers
429 readily: requests are paced at one a second and backed off.
"""

from __future__ import annotations

import json
import os
from typing import Any

from lmsdb.domain.checks import normalise_pages
from lmsdb.domain.identifiers import normalise_doi
from lmsdb.services.http import Http, Policy
from lmsdb.services.names import person
from lmsdb.services.record import Found

NAME = "s2"
DEFAULT_URL = "https://api.semanticscholar.org"
ENV = "LMSDB_S2_URL"
KEY_ENV = "S2_API_KEY"
BATCH = 500
#: Only fields that the recorded answers carry (tests/data/api/semanticscholar/).
FIELDS = "paperId,externalIds,url,title,venue,year,publicationTypes,publicationDate,journal,authors"
_PREPRINT_VENUES = {"arxiv.org", "arxiv", "corr"}


def policy(base_url: str) -> Policy:
    key = os.environ.get(KEY_ENV)
    return Policy(NAME, base_url, min_interval=1.0, backoff=5.0,
                  headers={"x-api-key": key} if key else {})


def parse_paper(p: dict[str, Any]) -> Found:
    """One paper object (an element of a batch answer, or of a match's ``data``)."""
    ext = p.get("externalIds") or {}
    journal = p.get("journal") or {}
    venue = " ".join(str(p.get("venue") or "").split()) or None
    jname = str(journal.get("name") or "")
    preprint = (venue or "").lower() in _PREPRINT_VENUES or jname.lower() in _PREPRINT_VENUES
    volume = journal.get("volume")
    doi = normalise_doi(str(ext["DOI"])) if ext.get("DOI") else None
    return Found(
        source=NAME, source_id=p.get("paperId") or "", title=" ".join(
            str(p.get("title") or "").split()),
        year=p.get("year"),
        authors=tuple(a for a in (person(x.get("name") or "") for x in p.get("authors") or [])
                      if a),
        doi=doi, arxiv_id=ext.get("ArXiv"),
        pages=normalise_pages(str(journal["pages"])) if journal.get("pages") else None,
        volume=None if preprint or not volume else str(volume).strip(),
        venue=None if preprint else (jname or venue), preprint=preprint,
        dblp_key=ext.get("DBLP"), s2_id=p.get("paperId"))


def parse_batch(body: bytes) -> list[Found | None]:
    return [parse_paper(p) if p else None for p in json.loads(body)]


def parse_match(body: bytes) -> Found | None:
    data = json.loads(body).get("data") or []
    return parse_paper(data[0]) if data else None


def batch(http: Http, ids: list[str]) -> dict[str, Found]:
    """``ids`` (``ARXIV:2104.04473``, ``DOI:10.1145/...``) looked up, :data:`BATCH` per
    request; the ones S2 knows, by the id asked."""
    out: dict[str, Found] = {}
    for i in range(0, len(ids), BATCH):
        part = ids[i:i + BATCH]
        resp = http.request(NAME, "POST", "/graph/v1/paper/batch", params={"fields": FIELDS},
                            json={"ids": part})
        resp.raise_for_status()
        for asked, found in zip(part, parse_batch(resp.content), strict=False):
            if found is not None:
                out[asked] = found
    return out


def match(http: Http, title: str) -> Found | None:
    """S2's best title match (a candidate to check), or None (404: "Title match not found")."""
    resp = http.request(NAME, "GET", "/graph/v1/paper/search/match",
                        params={"query": title, "fields": FIELDS})
    if resp.status_code == 404:
        return None
    resp.raise_for_status()
    return parse_match(resp.content)
