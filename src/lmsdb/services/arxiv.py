"""arXiv's API: Atom feeds for ``/api/query?id_list=...`` (many ids in one request).

An unknown but well-formed id gives an empty feed (HTTP 200, no ``<entry>``); a malformed id
gives HTTP 400 with a feed holding one ``<entry>`` titled "Error". arXiv asks for at most one
request every three seconds, on one connection.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from lmsdb.domain.identifiers import normalise_doi
from lmsdb.services.http import Http, Policy
from lmsdb.services.names import person
from lmsdb.services.record import Found

NAME = "arxiv"
DEFAULT_URL = "https://export.arxiv.org"
ENV = "LMSDB_ARXIV_URL"
PATH = "/api/query"
BATCH = 100  # ids per request (the API pages at max_results)

_NS = {"a": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom",
       "os": "http://a9.com/-/spec/opensearch/1.1/"}
_ABS_ID = re.compile(r"arxiv\.org/abs/(.+?)(?:v\d+)?$")
_ERROR_ID = "arxiv.org/api/errors"


class ArxivError(ValueError):
    """The API refused the query (a malformed id); the message is arXiv's."""


def policy(base_url: str) -> Policy:
    return Policy(NAME, base_url, min_interval=3.0)


def params(ids: list[str]) -> dict[str, str]:
    """The query for a batch of ids (no version suffix)."""
    return {"id_list": ",".join(ids), "start": "0", "max_results": str(len(ids))}


def _text(el: ET.Element, path: str) -> str | None:
    found = el.find(path, _NS)
    if found is None or found.text is None:
        return None
    return " ".join(found.text.split()) or None


def parse_feed(body: bytes) -> dict[str, Found]:
    """The entries of a feed by arXiv id (without version); raises :class:`ArxivError` for
    an error feed."""
    root = ET.fromstring(body)
    out: dict[str, Found] = {}
    for entry in root.findall("a:entry", _NS):
        eid = _text(entry, "a:id") or ""
        if _ERROR_ID in eid:
            raise ArxivError(_text(entry, "a:summary") or eid)
        m = _ABS_ID.search(eid)
        if m is None:
            continue
        aid = m.group(1)
        published = _text(entry, "a:published") or ""
        authors = tuple(p for p in (person(_text(a, "a:name") or "")
                                    for a in entry.findall("a:author", _NS)) if p)
        doi = _text(entry, "arxiv:doi")
        journal = _text(entry, "arxiv:journal_ref")
        out[aid] = Found(
            source=NAME, source_id=aid, title=_text(entry, "a:title") or "",
            year=int(published[:4]) if published[:4].isdigit() else None,
            authors=authors, doi=normalise_doi(doi) if doi else None, arxiv_id=aid,
            venue=journal, url=f"https://arxiv.org/abs/{aid}", preprint=True,
            extra={k: v for k, v in (("primary_class", _primary(entry)),) if v})
    return out


def _primary(entry: ET.Element) -> str | None:
    el = entry.find("arxiv:primary_category", _NS)
    return el.get("term") if el is not None else None


def fetch(http: Http, ids: list[str]) -> tuple[dict[str, Found], dict[str, str]]:
    """Look ``ids`` up, :data:`BATCH` per request: the records found, and the ids arXiv
    refused with its reason. A refused batch is retried id by id, so one bad id costs only
    itself."""
    found: dict[str, Found] = {}
    refused: dict[str, str] = {}
    for i in range(0, len(ids), BATCH):
        _batch(http, ids[i:i + BATCH], found, refused)
    return found, refused


def _batch(http: Http, ids: list[str], found: dict[str, Found], refused: dict[str, str]) -> None:
    resp = http.request(NAME, "GET", PATH, params=params(ids))
    if resp.status_code == 400:
        try:
            parse_feed(resp.content)
            reason = "HTTP 400"
        except (ArxivError, ET.ParseError) as e:
            reason = str(e)
        if len(ids) == 1:
            refused[ids[0]] = reason
            return
        for one in ids:
            _batch(http, [one], found, refused)
        return
    resp.raise_for_status()
    found.update(parse_feed(resp.content))
