"""HTTP for the metadata services: one cached session, each source paced, retried, skipped.

- **Cache**: requests-cache on SQLite. Answers are kept whatever caching headers the service
  sends (``cache_control=False``, no expiry), "not found" (404) and "bad id" (400) answers and
  POSTed batch answers included, so a second run over the same papers sends nothing.
  ``refresh`` re-asks and stores the new answer; ``offline`` answers from the cache alone.
- **Politeness**: each source has its own transport adapter (one connection) that waits until
  the source's interval has passed since its previous request, learns a faster or slower
  pace from Crossref's ``X-Rate-Limit-*`` headers, and on 429/5xx waits ``Retry-After`` (or
  an exponential backoff) before retrying. Answers served from the cache never reach the
  adapter, so they cost no waiting.
- **Failing sources**: a source whose requests keep failing after their retries is marked
  down for the rest of the run (:class:`SourceDown`); the caller reports it and goes on with
  the others.

Time is read and spent through a :class:`Clock`, so tests replace it and never sleep.
"""

from __future__ import annotations

import email.utils
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

#: Status codes cached like successes: "not found" and "malformed id" are answers too.
CACHED_CODES = (200, 400, 404)
#: Status codes worth a retry: too many requests, and the server's own failures.
RETRY_CODES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "lmsdb/0.1 (https://pypi.org/project/lmsdb/)"


class Clock:
    """Real time. Tests pass a fake one whose ``sleep`` only advances ``now``."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class ServiceError(Exception):
    """A request to a source failed (after its retries)."""


class SourceDown(ServiceError):
    """A source that kept failing; it is skipped for the rest of the run."""


class NotCached(ServiceError):
    """``--offline`` and the answer is not in the cache."""


@dataclass
class Policy:
    """How politely to talk to one source."""

    name: str
    base_url: str
    min_interval: float  # seconds between the starts of two requests, at first
    floor: float | None = None  # the fastest pace a service's rate-limit headers may allow
    retries: int = 3  # further attempts after a failed one
    backoff: float = 2.0  # the first retry waits this long, each next one twice as long
    max_wait: float = 120.0  # a Retry-After longer than this gives the source up
    timeout: tuple[float, float] = (10.0, 60.0)  # connect, read
    give_up_after: int = 3  # failed requests in a row that mark the source down
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)  # sent with every request

    def url(self, path: str) -> str:
        """``path`` appended to the base URL, which may itself carry a path (a mirror or a
        test server at ``http://host:port/arxiv``): never resolved against the host root.

        >>> Policy("arxiv", "http://127.0.0.1:8000/arxiv/", 3).url("/api/query")
        'http://127.0.0.1:8000/arxiv/api/query'
        """
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")


def retry_after(resp: requests.Response, clock_wall: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds, or an HTTP date), if any.

    >>> r = requests.Response(); r.headers["Retry-After"] = "7"; retry_after(r)
    7.0
    """
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = clock_wall if clock_wall is not None else time.time()
    return max(0.0, when.timestamp() - now)


def rate_limit_interval(resp: requests.Response) -> float | None:
    """Crossref's pace: ``X-Rate-Limit-Limit: 10`` per ``X-Rate-Limit-Interval: 1s``.

    >>> r = requests.Response()
    >>> r.headers.update({"x-rate-limit-limit": "10", "x-rate-limit-interval": "1s"})
    >>> rate_limit_interval(r)
    0.1
    """
    limit, interval = resp.headers.get("x-rate-limit-limit"), resp.headers.get(
        "x-rate-limit-interval")
    if not limit or not interval:
        return None
    try:
        n = int(limit)
        seconds = float(interval.strip().rstrip("s"))
    except ValueError:
        return None
    return seconds / n if n > 0 else None


class PoliteAdapter(HTTPAdapter):
    """The transport of one source: paced, retried, counted; one connection."""

    def __init__(self, policy: Policy, clock: Clock, offline: bool = False):
        super().__init__(pool_connections=1, pool_maxsize=1, max_retries=0)
        self.policy, self.clock, self.offline = policy, clock, offline
        self.interval = policy.min_interval
        self.last_start: float | None = None
        self.sent = 0  # requests that went on the wire
        self.waited = 0.0  # seconds spent waiting (pace, Retry-After, backoff)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.waited += seconds
            self.clock.sleep(seconds)

    def _pace(self) -> None:
        if self.last_start is not None:
            self._wait(self.last_start + self.interval - self.clock.now())
        self.last_start = self.clock.now()

    def _learn(self, resp: requests.Response) -> None:
        """Go at the pace the service announces, never faster than the policy's floor."""
        said = rate_limit_interval(resp)
        if said is not None:
            floor = self.policy.floor if self.policy.floor is not None else self.policy.min_interval
            self.interval = max(floor, said)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if self.offline:
            raise NotCached(f"{self.policy.name}: not in the cache (--offline): {request.url}")
        kwargs["timeout"] = self.policy.timeout
        last: str = ""
        for attempt in range(self.policy.retries + 1):
            self._pace()
            try:
                resp = super().send(request, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as e:
                last = f"{type(e).__name__}: {e}"
                if attempt < self.policy.retries:
                    self._wait(self.policy.backoff * 2 ** attempt)
                continue
            self.sent += 1
            self._learn(resp)
            if resp.status_code not in RETRY_CODES:
                return resp
            last = f"HTTP {resp.status_code}"
            wait = retry_after(resp)
            if wait is not None and wait > self.policy.max_wait:
                raise ServiceError(f"{self.policy.name}: HTTP {resp.status_code}, Retry-After "
                                   f"{wait:.0f} s is longer than {self.policy.max_wait:.0f} s")
            if resp.status_code == 429:
                # Asked to slow down: half the pace from now on (after waiting Retry-After).
                self.interval = min(max(self.interval, 0.1) * 2, self.policy.max_wait)
            resp.close()
            if attempt < self.policy.retries:
                self._wait(wait if wait is not None else self.policy.backoff * 2 ** attempt)
        raise ServiceError(f"{self.policy.name}: {last} after {self.policy.retries + 1} "
                           "attempts")


def cache_key(request: requests.PreparedRequest, **kwargs: Any) -> str:
    """requests-cache's key of ``request`` without any ``mailto`` parameter at all.

    requests-cache blanks an ignored parameter's value but keeps its name in the key, so a
    run with a contact address and one without would not share Crossref's answers.
    """
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    from requests_cache import create_key

    parts = urlsplit(request.url or "")
    if "mailto" in parts.query:
        request = request.copy()
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                 if k != "mailto"]
        request.url = urlunsplit(parts._replace(query=urlencode(query)))
    return create_key(request, **kwargs)


def default_cache_dir() -> Path:
    """``$LMSDB_CACHE_DIR``, else ``$XDG_CACHE_HOME/lmsdb``, else ``~/.cache/lmsdb``."""
    env = os.environ.get("LMSDB_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "lmsdb"


class Http:
    """The HTTP client of one run: a cached session with one polite adapter per source."""

    def __init__(self, policies: list[Policy], *, cache_dir: Path | None = None,
                 refresh: bool = False, offline: bool = False, clock: Clock | None = None,
                 user_agent: str = USER_AGENT):
        from requests_cache import NEVER_EXPIRE, CachedSession

        cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.cache_path = cache_dir / "http-cache.sqlite"
        self.session = CachedSession(
            str(self.cache_path), backend="sqlite", expire_after=NEVER_EXPIRE,
            cache_control=False, allowable_codes=CACHED_CODES,
            allowable_methods=("GET", "POST"),
            # Neither the contact address nor the API key belongs in a cache key (or file).
            ignored_parameters=("mailto", "x-api-key", "Authorization"), key_fn=cache_key,
            # A cache may lose its last answers on a power cut (they are asked again); an
            # fsync per answer cost a third of a run's time.
            wal=True, fast_save=True,
        )
        self.session.headers["User-Agent"] = user_agent
        self.clock = clock or Clock()
        self.refresh, self.offline = refresh, offline
        self.policies = {p.name: p for p in policies}
        self.adapters: dict[str, PoliteAdapter] = {}
        self.failures: dict[str, int] = {}
        self.down: dict[str, str] = {}  # source -> why it was given up
        self.cached = dict.fromkeys(self.policies, 0)  # answers served from the cache
        for p in policies:
            adapter = PoliteAdapter(p, self.clock, offline=offline)
            self.adapters[p.name] = adapter
            self.session.mount(p.base_url.rstrip("/") + "/", adapter)

    def sent(self, source: str) -> int:
        return self.adapters[source].sent

    def request(self, source: str, method: str, path: str, *,
                params: dict[str, str] | None = None, json: Any = None) -> requests.Response:
        """One request to ``source``; raises :class:`ServiceError` (or its subclasses)."""
        if source in self.down:
            raise SourceDown(f"{source}: skipped ({self.down[source]})")
        p = self.policies[source]
        try:
            resp = self.session.request(
                method, p.url(path), params={**p.params, **(params or {})}, json=json,
                headers=p.headers, force_refresh=self.refresh and not self.offline,
                only_if_cached=self.offline)
        except NotCached:
            raise
        except ServiceError as e:
            self._failed(source, str(e))
            raise
        except requests.RequestException as e:
            self._failed(source, f"{source}: {e}")
            raise ServiceError(f"{source}: {e}") from None
        if self.offline and (resp.status_code == 504 or not getattr(resp, "from_cache", False)):
            # requests-cache's stand-in answer for a missing entry (a 504 is never cached)
            raise NotCached(f"{source}: not in the cache (--offline): {resp.url}")
        if getattr(resp, "from_cache", False):
            self.cached[source] += 1
        self.failures[source] = 0
        return resp

    def _failed(self, source: str, why: str) -> None:
        n = self.failures[source] = self.failures.get(source, 0) + 1
        if n >= self.policies[source].give_up_after:
            self.down[source] = why

    def close(self) -> None:
        self.session.close()
