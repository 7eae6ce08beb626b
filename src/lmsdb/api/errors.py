"""How the API reports trouble: lmsdb's own exceptions for a database that refuses, and a
warning category for what does not stop the work."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from lmsdb.diagnostics import LmsdbError

F = TypeVar("F", bound=Callable[..., Any])


class LmsdbWarning(UserWarning):
    """Something about the database worth knowing that does not stop the work (it was
    written by a newer lmsdb and is read as it is, or is an older schema that ``sql``
    reads as it is)."""


class DatabaseError(LmsdbError):
    """The database refused (not a database file, locked, unreachable, ...): nothing was
    committed. The message names the database (without its password) and its reason."""


def database_error(url: str, e: BaseException) -> DatabaseError | None:
    """The :class:`DatabaseError` for an exception SQLAlchemy raised, else None."""
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    if not isinstance(e, SQLAlchemyError):
        return None
    reason = str(e.orig) if isinstance(e, DBAPIError) else str(e).split("\n")[0]
    if "@" in url:  # never show a password
        scheme, _, rest = url.partition("://")
        url = f"{scheme}://***@{rest.rpartition('@')[2]}"
    return DatabaseError(f"database {url}: {reason}")


def refusals(method: F) -> F:
    """A method whose SQLAlchemy errors become :class:`DatabaseError`."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except LmsdbError:
            raise
        except Exception as e:
            error = database_error(self.url, e)
            if error is None:
                raise
            raise error from e

    return wrapper  # type: ignore[return-value]
