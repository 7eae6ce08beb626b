"""Identifier extraction and URL normalisation for paper links.

These are pure, network-free functions.  The importer calls them once per
row on lists of ~100,000 rows, so every pattern is compiled once at import
time and each function starts with a cheap substring test before any regex
work.

>>> arxiv_id("https://arxiv.org/pdf/2301.07969v2.pdf")
'2301.07969'
>>> doi("https://dl.acm.org/doi/abs/10.1145/3458817.3476205")
'10.1145/3458817.3476205'
>>> openreview_id("https://openreview.net/forum?id%253DJpZ5du_Kdh")
'JpZ5du_Kdh'
>>> normalise_url("http://www.Example.org/a/#top")
'example.org/a'
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = [
    "arxiv_id",
    "bare_arxiv_id",
    "clean_url",
    "corr_volume",
    "doi",
    "is_preprint_url",
    "normalise_doi",
    "normalise_url",
    "openreview_id",
]

# --------------------------------------------------------------------------
# clean_url
# --------------------------------------------------------------------------

# "%25XX" is "%XX" encoded a second time.  Only reserved characters are
# decoded all the way: they are the ones whose double encoding hides the URL
# structure (id%253D... is really id=...).  Other double-encoded bytes
# (e.g. "%2520") are left alone, as the brief says not to alter the URL
# otherwise.
_DOUBLE_ENCODED = {
    "3D": "=",
    "26": "&",
    "3F": "?",
    "2F": "/",
    "3A": ":",
    "3B": ";",
    "2C": ",",
    "2B": "+",
    "40": "@",
}
_DOUBLE_ENCODED_RE = re.compile(r"%25(3[DdFfAaBb]|2[6CcBbFf]|40)")
_DOUBLE_ENCODED_QMARK_RE = re.compile(r"%253[Ff]")
_OPENREVIEW_HOST_RE = re.compile(r"(?:https?://)?(?:www\.)?openreview\.net[/?]", re.I)
# OpenReview links are also seen with a single-encoded "=" after the id
# parameter ("forum?id%3DXYZ"); the site does not accept that form.
_OPENREVIEW_SINGLE_EQ_RE = re.compile(r"(?<=[?&]id)%3[Dd]")


def _decode_double(match: re.Match[str]) -> str:
    return _DOUBLE_ENCODED[match.group(1).upper()]


def clean_url(url: str) -> str:
    """Strip whitespace and undo double percent-encoding in the query.

    Only ``%25XX`` sequences where ``XX`` is a reserved character
    (``= & ? / : ; , + @``) are decoded, and only in the query part; for
    OpenReview, a single-encoded ``id%3D`` is also turned into ``id=``.
    Nothing else in the URL is changed.

    >>> clean_url("https://openreview.net/forum?id%253DPgtn4l6eKjv")
    'https://openreview.net/forum?id=Pgtn4l6eKjv'
    >>> clean_url("  https://x.org/a  ")
    'https://x.org/a'
    >>> clean_url("https://openreview.net/forum%253Fid%253DX")
    'https://openreview.net/forum?id=X'
    """
    s = url.strip()
    if "%" not in s:  # fast path: nearly every URL
        return s
    q = s.find("?")
    if q < 0:
        # The "?" itself may be double-encoded; then it starts the query.
        m = _DOUBLE_ENCODED_QMARK_RE.search(s)
        if m is None:
            return s
        q = m.start()
        s = s[:q] + "?" + s[m.end() :]
    head, query = s[: q + 1], s[q + 1 :]
    frag = ""
    h = query.find("#")
    if h >= 0:
        query, frag = query[:h], query[h:]
    if "%25" in query:
        query = _DOUBLE_ENCODED_RE.sub(_decode_double, query)
    if "%3" in query and _OPENREVIEW_HOST_RE.match(head):
        query = _OPENREVIEW_SINGLE_EQ_RE.sub("=", "?" + query)[1:]
    return head + query + frag


# --------------------------------------------------------------------------
# arXiv
# --------------------------------------------------------------------------

# New-style ids (YYMM.NNNN, YYMM.NNNNN since 2015) and old-style ids
# (archive[.SC]/YYMMNNN).  Any arxiv.org subdomain is accepted: www.,
# export., ar5iv.labs. all serve the same papers.
_ARXIV_RE = re.compile(
    r"(?:https?://)?(?:[a-z0-9-]+\.)*arxiv\.org/(?:abs|pdf|html|ps|format)/"
    r"(?:(?P<new>\d{4}\.\d{4,5})|(?P<arch>[a-z]+(?:-[a-z]+)*)(?:\.[a-z]{2})?/(?P<num>\d{7}))"
    r"(?:v\d+)?(?:\.pdf)?/?(?:[?#]|$)",
    re.I,
)


def arxiv_id(url: str) -> str | None:
    """Return the version-less arXiv id of an arXiv URL, else ``None``.

    Old-style ids keep their archive but lose the subject class, which
    arXiv documents as not being part of the identifier
    (``math.GT/0309136`` is ``math/0309136``).

    >>> arxiv_id("https://arxiv.org/abs/2301.07969v2")
    '2301.07969'
    >>> arxiv_id("http://export.arxiv.org/abs/hep-th/9901001v1")
    'hep-th/9901001'
    >>> arxiv_id("https://example.org/abs/2301.07969") is None
    True
    """
    s = url.strip()
    if "arxiv.org" not in s and "arXiv.org" not in s and "ARXIV.ORG" not in s:
        return None
    m = _ARXIV_RE.match(s)
    if m is None:
        return None
    new = m.group("new")
    if new is not None:
        return new
    return f"{m.group('arch').lower()}/{m.group('num')}"


# An arXiv id as people write it: "2104.04473v2", "arXiv:2104.04473", "cs.DC/0101001".
_ARXIV_BARE_RE = re.compile(
    r"^(?:arxiv:)?(\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?$", re.I)
# DBLP files an arXiv preprint as CoRR with volume "abs/<id>".
_CORR_VOLUME_RE = re.compile(r"^abs/(.+)$")


def bare_arxiv_id(text: str) -> str | None:
    """The version-less id of an arXiv id written without URL, else ``None``.

    >>> bare_arxiv_id("arXiv:2104.04473v2"), bare_arxiv_id("cs.DC/0101001")
    ('2104.04473', 'cs.DC/0101001')
    >>> bare_arxiv_id("https://arxiv.org/abs/2104.04473") is None
    True
    """
    m = _ARXIV_BARE_RE.match(text)
    return None if m is None else m.group(1)


def corr_volume(volume: str) -> str | None:
    """What follows ``abs/`` in DBLP's volume of a CoRR (arXiv) record, else ``None``.

    >>> corr_volume("abs/2104.04473"), corr_volume("12")
    ('2104.04473', None)
    """
    m = _CORR_VOLUME_RE.match(volume)
    return None if m is None else m.group(1)


# --------------------------------------------------------------------------
# DOI
# --------------------------------------------------------------------------

# URL shapes that carry a literal DOI:
#  - doi.org / dx.doi.org resolvers;
#  - the "/doi/[kind/]10.x/..." scheme shared by ACM, Wiley, T&F, SAGE,
#    science.org, PNAS, ... (kind = abs, pdf, fullHtml, epdf, ...);
#  - Springer's /article/, /chapter/, /book/, /content/pdf/ paths.
# IEEE Xplore /document/NNN and similar URLs carry no DOI and do not match.
_DOI_URL_RE = re.compile(
    r"(?:https?://)?(?:"
    r"(?:dx\.|www\.)?doi\.org/(?:doi:)?"
    r"|link\.springer\.com/(?:article|chapter|book|referenceworkentry|protocol|content/pdf)/"
    r"|[^/?#\s]+/(?:[^?#\s]*/)?doi/"
    r"(?:(?:abs|full|pdf|epdf|pdfdirect|pdfplus|fullHtml|book|proceedings|reader|suppl|ftr)/)?"
    r")"
    r"(?P<doi>10\.\d{4,9}/[^?#\s]+)",
    re.I,
)
# ACM assigns 10.5555/... to records that have no DOI; doi.org does not
# resolve them, so they must not be stored as DOIs.
_PLACEHOLDER_DOI_PREFIXES = ("10.5555/",)


# A DOI written with a resolver or a "doi:" label before it.
_DOI_RESOLVER_RE = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)


def strip_doi_resolver(value: str) -> str:
    """``value`` without a leading ``https://doi.org/`` (or dx.doi.org, or ``doi:``)."""
    return _DOI_RESOLVER_RE.sub("", value)


def normalise_doi(value: str) -> str | None:
    """A DOI without resolver prefix; ``None`` for an empty value or ACM's placeholders.

    >>> normalise_doi("https://doi.org/10.1145/3458817.3476205")
    '10.1145/3458817.3476205'
    >>> normalise_doi("doi: 10.5555/3433701.3433727") is None
    True
    """
    d = strip_doi_resolver(value.strip())
    if not d.startswith("10.") or d.startswith(_PLACEHOLDER_DOI_PREFIXES):
        return None
    return d


def _doi_like(url: str) -> str | None:
    """The DOI-shaped string in a DOI-bearing URL, placeholders included."""
    if "10." not in url:  # every DOI starts with "10."
        return None
    m = _DOI_URL_RE.match(url)
    if m is None:
        return None
    d = m.group("doi")
    if d[-4:].lower() == ".pdf":
        d = d[:-4]
    d = d.rstrip("/")
    if "%" in d:
        # A DOI may be percent-encoded in a URL ("10.1002/%28SICI%29...").
        d = unquote(d)
    return d


def doi(url: str) -> str | None:
    """Return the DOI in a DOI-bearing URL, else ``None``.

    Recognises doi.org/dx.doi.org, ACM ``dl.acm.org/doi/[abs|pdf|fullHtml/]``,
    Wiley ``onlinelibrary.wiley.com/doi/...``, any other ``/doi/10.x/...``
    publisher path and Springer ``/article/``, ``/chapter/`` links.  The
    query string, fragment and a trailing ``.pdf`` are removed; the case of
    the DOI is kept.

    ACM's placeholder prefix ``10.5555`` gives ``None``: ACM uses it for
    records without a DOI, it is not a registered DOI and doi.org does not
    resolve it.  IEEE Xplore ``/document/NNN`` URLs contain no DOI (``None``).

    >>> doi("https://dl.acm.org/doi/10.1145/3394486.3406703")
    '10.1145/3394486.3406703'
    >>> doi("https://link.springer.com/chapter/10.1007/978-3-030-58452-8_13")
    '10.1007/978-3-030-58452-8_13'
    >>> doi("https://dl.acm.org/doi/10.5555/3433701.3433727") is None
    True
    >>> doi("https://ieeexplore.ieee.org/document/10106313") is None
    True
    """
    d = _doi_like(url.strip())
    if d is None or d.startswith(_PLACEHOLDER_DOI_PREFIXES):
        return None
    return d


# --------------------------------------------------------------------------
# OpenReview
# --------------------------------------------------------------------------

_OPENREVIEW_RE = re.compile(
    r"(?:https?://)?(?:www\.)?openreview\.net/(?:forum|pdf|attachment|revisions)/?"
    r"\?(?:[^#]*?&)?id=(?P<id>[^&#\s]+)",
    re.I,
)


def openreview_id(url: str) -> str | None:
    """Return the note id of an OpenReview forum/pdf URL, else ``None``.

    The URL is passed through :func:`clean_url` first, so the
    double-encoded links found in real lists work.

    >>> openreview_id("https://openreview.net/pdf?id=Pgtn4l6eKjv")
    'Pgtn4l6eKjv'
    >>> openreview_id("https://openreview.net/forum?id%253DJpZ5du_Kdh")
    'JpZ5du_Kdh'
    """
    if "openreview" not in url and "OpenReview" not in url:
        return None
    m = _OPENREVIEW_RE.match(clean_url(url))
    return None if m is None else m.group("id")


# --------------------------------------------------------------------------
# Generic URL handling
# --------------------------------------------------------------------------

_URL_RE = re.compile(
    r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):)?"
    r"(?://(?P<auth>[^/?#]*))?"
    r"(?P<path>[^?#]*)"
    r"(?:\?(?P<query>[^#]*))?",
    re.S,
)
_DEFAULT_PORTS = {":80", ":443"}


def _split(url: str) -> tuple[str | None, str, str, str]:
    """(scheme, host[:port], path, query) of a URL; scheme-less URLs such as
    ``www.x.org/a`` are read as host + path."""
    m = _URL_RE.match(url)
    assert m is not None  # every group is optional: always matches
    scheme, auth, path, query = m.group("scheme", "auth", "path", "query")
    if scheme is not None and auth is None and "." in scheme:
        # "www.x.org:8080/a" parsed as scheme "www.x.org"; not a scheme.
        scheme, auth, path, query = None, None, url.split("?", 1)[0].split("#", 1)[0], query
    if auth is None and scheme is None:
        host, sep, rest = path.partition("/")
        if "." in host:
            auth, path = host, sep + rest
    host = (auth or "").rpartition("@")[2].lower()
    return scheme, host, path, query or ""


def _norm_host(host: str) -> str:
    if host.startswith("www."):
        host = host[4:]
    for port in _DEFAULT_PORTS:
        if host.endswith(port):
            host = host[: -len(port)]
            break
    return host.rstrip(".")


def normalise_url(url: str) -> str:
    """A deduplication key for a paper URL.

    arXiv abs/pdf/version variants become ``arxiv:<id>``, DOI URLs
    ``doi:<doi lower-cased>`` (DOIs are case-insensitive) and OpenReview
    forum/pdf links ``openreview:<id>``.  Other URLs lose the http/https
    scheme, ``www.``, default ports, the fragment and a trailing ``/``, and
    get a lower-case host: ``host/path[?query]``.  URLs with another scheme
    keep it (``ftp://host/path``).

    ACM placeholder "DOIs" (10.5555, see :func:`doi`) are not DOIs, but
    their abs/pdf/fullHtml variants should still collapse to one key, so
    they normalise to ``dl.acm.org/doi/<id lower-cased>``.

    >>> normalise_url("https://arxiv.org/pdf/2301.12017v1.pdf")
    'arxiv:2301.12017'
    >>> normalise_url("https://doi.org/10.1145/ABC.123")
    'doi:10.1145/abc.123'
    >>> normalise_url("https://openreview.net/pdf?id=XYZ")
    'openreview:XYZ'
    >>> normalise_url("HTTPS://WWW.Usenix.org/conference/atc21/")
    'usenix.org/conference/atc21'
    """
    s = clean_url(url)
    a = arxiv_id(s)
    if a is not None:
        return "arxiv:" + a
    d = _doi_like(s)
    if d is not None:
        if d.startswith(_PLACEHOLDER_DOI_PREFIXES):
            return "dl.acm.org/doi/" + d.lower()
        return "doi:" + d.lower()
    o = openreview_id(s)
    if o is not None:
        return "openreview:" + o
    scheme, host, path, query = _split(s)
    key = _norm_host(host) + path.rstrip("/")
    if query:
        key += "?" + query
    if scheme is not None and scheme.lower() not in ("http", "https"):
        key = scheme.lower() + "://" + key
    return key


# Hosts that serve preprints or self-archived copies rather than the
# version of record.
_PREPRINT_HOST_RE = re.compile(
    r"(?:^|\.)(?:arxiv\.org|biorxiv\.org|medrxiv\.org|chemrxiv\.org|techrxiv\.org"
    r"|ssrn\.com|researchgate\.net|preprints\.org|hal\.science|archives-ouvertes\.fr"
    r"|[a-z0-9-]+\.github\.io)$"
)
# DOI prefixes registered by preprint servers: arXiv, SSRN, ChemRxiv,
# TechRxiv, Preprints.org, and bioRxiv/medRxiv's date-shaped 10.1101 DOIs
# (10.1101 is also Cold Spring Harbor's journals, whose DOIs are not dates).
_PREPRINT_DOI_RE = re.compile(
    r"10\.(?:48550|2139|26434|36227|20944)/|10\.1101/\d{4}\.\d{2}\.\d{2}\."
)


def is_preprint_url(url: str) -> bool:
    """True if the URL points to a preprint rather than a publication.

    arXiv, bioRxiv/medRxiv, ChemRxiv, TechRxiv, SSRN, ResearchGate,
    Preprints.org, HAL and ``*.github.io`` personal pages count as
    preprints, and so do DOIs of those servers.  Publisher and proceedings
    URLs (ACM, IEEE, PMLR, NeurIPS, OpenReview, USENIX, ...) do not.

    >>> is_preprint_url("https://arxiv.org/abs/2301.12017")
    True
    >>> is_preprint_url("https://proceedings.mlr.press/v162/rajbhandari22a.html")
    False
    """
    s = url.strip()
    _, host, _, _ = _split(s)
    if _PREPRINT_HOST_RE.search(_norm_host(host)):
        return True
    d = _doi_like(s)
    return d is not None and _PREPRINT_DOI_RE.match(d) is not None
