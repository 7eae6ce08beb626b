"""Ask the services about a batch of papers, strongest identifier first, and check every
candidate before it is used.

Per paper: the DOI goes to Crossref (never an arXiv ``10.48550`` or ACM ``10.5555`` one); the
arXiv id to arXiv and to Semantic Scholar (both in batches); DBLP is searched by title (its
hits carry DOIs, arXiv ids and OpenReview URLs, so a hit is matched by identifier where it
can be) and the accepted record fetched whole; Semantic Scholar's title match is asked for a
paper without identifiers; Crossref's title query is the last resort for a paper no other
source knows. A candidate found by title must match the title closely and the year within
one (:func:`lmsdb.services.record.rejection`); one found by identifier must still be
recognisably the same title.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lmsdb.domain import identifiers
from lmsdb.enrich.state import PaperState
from lmsdb.services import arxiv, crossref, dblp, s2
from lmsdb.services.http import Http, NotCached, ServiceError
from lmsdb.services.record import Found, normalised_title, rejection


@dataclass
class Rejected:
    source: str
    candidate: str  # the candidate's title
    source_id: str
    reason: str


@dataclass
class Answers:
    """What the services said about one paper in this run."""

    found: dict[str, Found] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    asked: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)  # source ->
    # (query, outcome, source id)
    by: dict[str, str] = field(default_factory=dict)  # source -> "doi", "arxiv", "title", ...


@dataclass
class Problems:
    """Requests that failed in this run, by source."""

    failed: dict[str, str] = field(default_factory=dict)  # source -> last reason
    not_cached: dict[str, int] = field(default_factory=dict)  # --offline misses
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # key, source, reason


def arxiv_of(p: PaperState) -> str | None:
    if p.arxiv_id:
        return p.arxiv_id
    return next((a for a in map(identifiers.arxiv_id, p.alt_urls) if a), None)


def doi_of(p: PaperState) -> str | None:
    d = p.values.get("doi")
    return d if d and crossref.sendable(d) else None


def queries(p: PaperState, sources: tuple[str, ...]) -> dict[str, str]:
    """What each source would be asked about ``p`` (its strongest identifier)."""
    a, d = arxiv_of(p), doi_of(p)
    title = "title:" + normalised_title(p.title)
    out: dict[str, str] = {}
    if "arxiv" in sources and a:
        out["arxiv"] = "arxiv:" + a
    if "s2" in sources:
        out["s2"] = f"ARXIV:{a}" if a else f"DOI:{d}" if d else title
    if "dblp" in sources:
        key = p.values.get("dblp_key")
        out["dblp"] = f"rec:{key}" if key else title
    if "crossref" in sources:
        out["crossref"] = f"doi:{d}" if d else title
    return out


class Consultation:
    """Asks the services about the papers of one batch."""

    def __init__(self, http: Http, sources: tuple[str, ...], problems: Problems):
        self.http, self.sources, self.problems = http, sources, problems

    def _call(self, source: str, key: str, fn: Callable[[], object]) -> object | None:
        """Run one request; a failure is recorded (and the paper left unasked for it)."""
        if source in self.http.down:
            return _FAILED
        try:
            return fn()
        except NotCached:
            self.problems.not_cached[source] = self.problems.not_cached.get(source, 0) + 1
        except ServiceError as e:
            self.problems.failed[source] = str(e)
        except Exception as e:  # a malformed answer: this paper only
            self.problems.refused.append((key, source, f"{type(e).__name__}: {e}"))
        return _FAILED

    def batch(self, papers: list[tuple[PaperState, dict[str, str]]]) -> dict[int, Answers]:
        """``papers`` with the queries still to ask; the answers by paper id.

        arXiv first (one request), then DBLP per paper; a DOI that DBLP or arXiv finds is
        used at once for Semantic Scholar's batch and for Crossref, so that the next run
        has no new question to ask.
        """
        out = {p.id: Answers() for p, _ in papers}
        self._arxiv(papers, out)
        for p, todo in papers:
            if "dblp" in todo:
                self._dblp(p, todo["dblp"], out[p.id])
        upgraded = [(p, self._upgrade(p, todo, out[p.id])) for p, todo in papers]
        self._s2_batch(upgraded, out)
        for p, todo in upgraded:
            a = out[p.id]
            if "s2" in todo and todo["s2"].startswith("title:"):
                self._s2_match(p, todo["s2"], a)
            if "crossref" in todo:
                self._crossref(p, todo["crossref"], a)
        return out

    def _upgrade(self, p: PaperState, todo: dict[str, str], a: Answers) -> dict[str, str]:
        """``todo`` with Semantic Scholar and Crossref asked by a DOI found in this run where
        the paper had none (also when an earlier run asked them by title in vain)."""
        if doi_of(p):
            return todo
        doi = next((f.doi for f in a.found.values()
                    if f.doi and crossref.sendable(f.doi) and not f.preprint), None)
        if doi is None:
            return todo
        out = dict(todo)
        for source, query in (("s2", f"DOI:{doi}"), ("crossref", f"doi:{doi}")):
            before = p.lookups.get(source, {})
            if source not in self.sources or before.get("outcome") == "found":
                continue
            asked = out.get(source) or before.get("query") or ""
            if asked.startswith("title:"):  # an arXiv id is as strong as a DOI: kept
                out[source] = query
        return out

    def _accept(self, p: PaperState, a: Answers, query: str, found: Found, by: str) -> None:
        """Keep ``found`` for ``p`` if it passes the check, else record the rejection."""
        why = rejection(found, p.title, p.year, by_title=by == "title")
        if why is None:
            a.found[found.source] = found
            a.by[found.source] = by
            a.asked[found.source] = (query, "found", found.source_id)
        else:
            a.rejected.append(Rejected(found.source, found.title, found.source_id, why))
            a.asked[found.source] = (query, "rejected", found.source_id)

    def _arxiv(self, papers: list[tuple[PaperState, dict[str, str]]],
               out: dict[int, Answers]) -> None:
        todo = {q.removeprefix("arxiv:"): p for p, t in papers if (q := t.get("arxiv"))}
        if not todo:
            return
        got = self._call("arxiv", "", lambda: arxiv.fetch(self.http, sorted(todo)))
        if got is _FAILED:
            return
        found, refused = got  # type: ignore[misc]
        for aid, p in todo.items():
            if aid in refused:
                self.problems.refused.append((p.key, "arxiv", refused[aid]))
                out[p.id].asked["arxiv"] = ("arxiv:" + aid, "refused", None)
            elif aid in found:
                self._accept(p, out[p.id], "arxiv:" + aid, found[aid], "arxiv")
            else:
                out[p.id].asked["arxiv"] = ("arxiv:" + aid, "not found", None)

    def _s2_batch(self, papers: list[tuple[PaperState, dict[str, str]]],
                  out: dict[int, Answers]) -> None:
        todo = {q: p for p, t in papers if (q := t.get("s2")) and not q.startswith("title:")}
        if not todo:
            return
        got = self._call("s2", "", lambda: s2.batch(self.http, sorted(todo)))
        if got is _FAILED:
            return
        for q, p in todo.items():
            f = got.get(q)  # type: ignore[union-attr]
            if f is None:
                out[p.id].asked["s2"] = (q, "not found", None)
            else:
                self._accept(p, out[p.id], q, f, "arxiv" if q.startswith("ARXIV:") else "doi")

    def _one(self, source: str, p: PaperState, q: str, a: Answers,
             fetch: Callable[[], object], by: str) -> None:
        """Ask ``source`` for one record: accepted if it is this paper, recorded as not
        found, or (the source failed) left unrecorded so the next run asks again."""
        got = self._call(source, p.key, fetch)
        if got is _FAILED:
            return
        if got is None:
            a.asked[source] = (q, "not found", None)
        else:
            self._accept(p, a, q, got, by)  # type: ignore[arg-type]

    def _s2_match(self, p: PaperState, q: str, a: Answers) -> None:
        self._one("s2", p, q, a, lambda: s2.match(self.http, p.title), "title")

    def _dblp(self, p: PaperState, q: str, a: Answers) -> None:
        if q.startswith("rec:"):
            key = q.removeprefix("rec:")
            self._one("dblp", p, q, a, lambda: dblp.record(self.http, key), "dblp key")
            return
        hits = self._call("dblp", p.key, lambda: dblp.search(self.http, p.title))
        if hits is _FAILED:
            return
        best, by, rejected = self._pick_dblp(p, hits)  # type: ignore[arg-type]
        if best is None:
            a.rejected.extend(rejected[:1])
            a.asked["dblp"] = (q, "rejected" if rejected else "not found",
                               rejected[0].source_id if rejected else None)
            return
        full = self._call("dblp", p.key, lambda: dblp.record(self.http, best.source_id))
        self._accept(p, a, q, full if isinstance(full, Found) else best, by)

    def _pick_dblp(self, p: PaperState, hits: list[Found]
                   ) -> tuple[Found | None, str, list[Rejected]]:
        """The hit that is this paper, preferring the published record over the CoRR one."""
        a, d = arxiv_of(p), (p.values.get("doi") or "").lower()
        good: list[tuple[Found, str]] = []
        rejected: list[Rejected] = []
        for h in hits:
            if d and (h.doi or "").lower() == d:
                by = "doi"
            elif a and h.arxiv_id == a:
                by = "arxiv"
            elif p.openreview_id and p.openreview_id in (h.url or ""):
                by = "openreview"
            else:
                by = "title"
            why = rejection(h, p.title, p.year, by_title=by == "title")
            if why is None:
                good.append((h, by))
            else:
                rejected.append(Rejected("dblp", h.title, h.source_id, why))
        if not good:
            return None, "", rejected
        good.sort(key=lambda hb: (hb[0].preprint, hb[1] == "title"))
        return good[0][0], good[0][1], rejected

    def _crossref(self, p: PaperState, q: str, a: Answers) -> None:
        if q.startswith("doi:"):
            doi = q.removeprefix("doi:")
            self._one("crossref", p, q, a, lambda: crossref.fetch(self.http, doi), "doi")
            return
        if a.found or any(r["outcome"] == "found" for r in p.lookups.values()):
            return  # a title query is the last resort, for papers no other source knows
        items = self._call("crossref", p.key, lambda: crossref.search(self.http, p.title))
        if items is _FAILED:
            return
        if not items:
            a.asked["crossref"] = (q, "not found", None)
            return
        self._accept(p, a, q, items[0], "title")  # type: ignore[index]


_FAILED = object()
