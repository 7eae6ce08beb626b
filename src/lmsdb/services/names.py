"""Personal names as the services write them ("Given Family"), split like BibTeX does."""

from __future__ import annotations

from lmsdb.services.record import Author


def person(name: str, orcid: str | None = None) -> Author | None:
    """One ``Given Family`` name (DBLP's homonym number dropped), or None for an empty one.

    >>> person("Andrés M Bran")
    Author(family='Bran', given='Andrés M', orcid=None)
    >>> person("Hao Zhang 0001").family
    'Zhang'
    """
    from lmsdb.domain.bibrecords import split_authors

    name = " ".join(name.replace(" and ", " {and} ").split())
    people = split_authors(name) if name else ()
    if not people:
        return None
    p = people[0]
    return Author(family=p.family, given=p.given, orcid=orcid)


def bare_orcid(value: str | None) -> str | None:
    """``https://orcid.org/0000-0003-0310-0851`` as ``0000-0003-0310-0851``.

    >>> bare_orcid("http://orcid.org/0000-0003-0310-0851")
    '0000-0003-0310-0851'
    """
    if not value:
        return None
    return value.strip().rstrip("/").rsplit("/", 1)[-1] or None
