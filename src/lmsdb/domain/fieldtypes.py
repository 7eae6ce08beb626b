"""The constrained field types of the records (pydantic): years, URLs, non-empty text; and
a URL as stored (:func:`clean_url`).

The checks are constraints that pydantic-core evaluates itself (no Python validator is called
per row): a list of 100,000 papers validates in a fraction of a second. Strict: a year cell
is turned into an int only when it is plain digits (:func:`lmsdb.domain.checks.year_cell`);
pydantic's lax mode would otherwise read "2_023", "+2023" or "2023.0" as 2023.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from lmsdb.domain import identifiers
from lmsdb.domain.checks import MIN_YEAR, max_year

Year = Annotated[int, Field(ge=MIN_YEAR, le=max_year(), strict=True)]
OptionalYear = Annotated[int | None, Field(ge=MIN_YEAR, le=max_year(), strict=True)]
WebUrl = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


def clean_url(url: str | None) -> str | None:
    """A URL field as stored: :func:`lmsdb.domain.identifiers.clean_url`, ``None`` for none."""
    return (identifiers.clean_url(url) or None) if url else None
