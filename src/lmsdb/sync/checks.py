"""What ``lmsdb add`` and ``edit`` check first: which paper a key names, whether a value
passes the import's checks, what an identifier links to, and whether a paper is a duplicate.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select

from lmsdb.diagnostics import Diagnostics, LmsdbError
from lmsdb.domain import identifiers
from lmsdb.domain.checks import validation_message
from lmsdb.domain.identifiers import normalise_doi
from lmsdb.domain.records import PaperRecord
from lmsdb.store.rows import venue_id as store_venue_id
from lmsdb.store.state import load_alt_urls
from lmsdb.store.tables import aliases_t, papers_t
from lmsdb.store.user_venues import load_book
from lmsdb.sync.identity import identity_keys, paper_keys
from lmsdb.sync.plan import unknown_venue_message

ARXIV_ID = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?$", re.I)


def resolve_key(conn: Connection, key: str, diags: Diagnostics | None = None) -> Any:
    """The paper row whose citation key, or old key (an alias from ``rekey``), is ``key``."""
    row = conn.execute(select(papers_t).where(papers_t.c.citation_key == key)).first()
    if row is not None:
        return row
    row = conn.execute(select(papers_t).join(aliases_t, aliases_t.c.paper_id == papers_t.c.id)
                       .where(aliases_t.c.alias == key)).first()
    if row is None:
        raise LmsdbError(f"no paper has the citation key {key!r} (`lmsdb search` finds papers)")
    if diags is not None:
        diags.note("lmsdb", None, f"{key!r} is an old key of {row.citation_key}: "
                   f"using {row.citation_key}")
    return row


def venue_id(conn: Connection, raw: str | None,
             diags: Diagnostics) -> tuple[int | None, str | None]:
    """The id (created on first use) and name of the venue a spelling names."""
    if raw is None:
        return None, None
    v = load_book(conn).lookup(raw)
    if v is None:
        return None, None
    vid = store_venue_id(conn, v.name, v.full_name, v.kind, v.known)
    if not v.known:
        diags.warn("lmsdb", None, unknown_venue_message(v.name))
    return vid, v.name


def check_paper(title: str, year: Any, url: str | None, venue: str | None) -> PaperRecord:
    """The import's checks, with the import's wording."""
    try:
        return PaperRecord(line=0, category="", position=0, year=year, venue=venue,
                           title=" ".join(title.split()), url=url)
    except ValidationError as e:
        raise LmsdbError(validation_message(e.errors(include_url=False)[0])) from None


def year_value(text: str) -> int | str:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else text


def identifier_url(identifier: str) -> str:
    """An arXiv id, a DOI or a URL, as the URL the list would link.

    >>> identifier_url("arXiv:2205.14135v2"), identifier_url("10.1145/3458817.3476205")
    ('https://arxiv.org/abs/2205.14135', 'https://doi.org/10.1145/3458817.3476205')
    """
    text = identifier.strip()
    m = ARXIV_ID.match(text)
    if m:
        return f"https://arxiv.org/abs/{m.group(1)}"
    doi = normalise_doi(text)
    if doi:
        return f"https://doi.org/{doi}"
    if re.match(r"^https?://\S+$", text):
        return identifiers.clean_url(text)
    raise LmsdbError(f"{identifier!r} is not an arXiv id (2205.14135), a DOI (10.1145/...) "
                     "or an http(s) URL")


def find_duplicate(conn: Connection, title: str, url: str | None, arxiv: str | None,
                   doi: str | None, exclude: int | None = None) -> tuple[Any, str] | None:
    """An existing paper that is the same paper (same arXiv id, DOI, URL or title)."""
    wanted = identity_keys(title, url)
    if arxiv:
        wanted.append("arxiv:" + arxiv)
    if doi:
        wanted.append("doi:" + doi.lower())
    alt = load_alt_urls(conn)
    want = set(wanted)
    for row in conn.execute(select(papers_t)):
        if row.id == exclude:
            continue
        hit = want.intersection(paper_keys(row._mapping, alt.get(row.id, ())))
        if hit:
            how = min(hit).split(":", 1)[0]
            return row, {"arxiv": "arXiv id", "doi": "DOI", "url": "URL"}.get(how, how)
    return None
