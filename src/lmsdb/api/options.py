"""The API's options as plain values (seconds, a year or ``"2021-2023"``, one name or
several), turned into what lmsdb's modules take."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from lmsdb.diagnostics import UsageError

if TYPE_CHECKING:
    from lmsdb.store.locks import Wait

Years = int | str | tuple[int, int] | None


def log_wait(message: str) -> None:
    """Where a writer says that it waits for another one: the ``lmsdb`` logger."""
    import logging

    logging.getLogger("lmsdb").info(message)


def as_wait(wait: float | Wait | None) -> Wait:
    """``wait`` seconds for another writer (said through the ``lmsdb`` logger)."""
    from lmsdb.store.locks import DEFAULT_WAIT, Wait

    if isinstance(wait, Wait):
        return wait
    seconds = DEFAULT_WAIT if wait is None else float(wait)
    if not seconds >= 0:  # NaN too
        raise UsageError(f"wait: {wait!r} is not a number of seconds (0 or more)")
    return Wait(seconds, log_wait)


def years_range(years: Years) -> tuple[int, int] | None:
    """A year, a pair, or text such as ``"2021-2023"``, as an inclusive range.

    >>> years_range(2022), years_range("2021-2023"), years_range((2020, 2021))
    ((2022, 2022), (2021, 2023), (2020, 2021))
    """
    if years is None or isinstance(years, tuple):
        return years
    if isinstance(years, int):
        return years, years
    from lmsdb.exporters.bibtex import parse_years

    try:
        return parse_years(years)
    except ValueError as e:
        raise UsageError(f"years: {e}") from None


def names(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """One name or several, as a tuple.

    >>> names("OSDI"), names(["OSDI", "SOSP"]), names(None)
    (('OSDI',), ('OSDI', 'SOSP'), ())
    """
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)
