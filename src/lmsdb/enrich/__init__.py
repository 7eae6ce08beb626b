"""``lmsdb enrich``: fill authors, DOIs, pages and published venues from metadata services.

The papers that lack something enrichment can fill are taken in batches; for each batch the
services are asked (:mod:`lmsdb.enrich.consult`), the answers turned into writes
(:mod:`lmsdb.enrich.plan`) and the writes committed (:mod:`lmsdb.enrich.state`) before the
next batch, with a record of which source was asked what. A run that is interrupted keeps the
batches it finished, and the next run asks only what was not asked yet.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, select

from lmsdb.enrich.consult import Consultation, Problems, queries
from lmsdb.enrich.plan import PaperResult, Planner
from lmsdb.enrich.state import BatchWrites, PaperState, load
from lmsdb.services import arxiv, crossref, dblp, s2
from lmsdb.services.http import Clock, Http, Policy

SOURCES = ("dblp", "crossref", "arxiv", "s2")
MAILTO_ENV = "LMSDB_MAILTO"
BATCH = 50  # papers per committed batch


@dataclass
class Options:
    sources: tuple[str, ...] = SOURCES
    refresh: bool = False
    dry_run: bool = False
    offline: bool = False
    apply_venues: bool = False
    mailto: str | None = None
    cache_dir: Path | None = None
    batch: int = BATCH
    clock: Clock | None = None


def policies(sources: tuple[str, ...], mailto: str | None) -> list[Policy]:
    """Each source's base URL from its environment variable, else the real service."""
    def base(mod: Any) -> str:
        return os.environ.get(mod.ENV) or mod.DEFAULT_URL

    out = []
    if "dblp" in sources:
        out.append(dblp.policy(base(dblp)))
    if "crossref" in sources:
        out.append(crossref.policy(base(crossref), mailto))
    if "arxiv" in sources:
        out.append(arxiv.policy(base(arxiv)))
    if "s2" in sources:
        out.append(s2.policy(base(s2)))
    return out


def open_http(opts: Options) -> Http:
    mailto = opts.mailto or os.environ.get(MAILTO_ENV) or None
    agent = "lmsdb/0.1" + (f" (mailto:{mailto})" if mailto else "")
    return Http(policies(opts.sources, mailto), cache_dir=opts.cache_dir, refresh=opts.refresh,
                offline=opts.offline, clock=opts.clock, user_agent=agent)


@dataclass
class Report:
    dry_run: bool
    sources: tuple[str, ...]
    papers: int = 0  # papers looked up
    results: list[PaperResult] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)
    sent: dict[str, int] = field(default_factory=dict)
    cached: dict[str, int] = field(default_factory=dict)
    asked: dict[str, int] = field(default_factory=dict)  # papers answered, per source

    def filled(self) -> dict[str, dict[str, int]]:
        """Fields filled per source: {source: {field: count}}."""
        out: dict[str, dict[str, int]] = {}
        for r in self.results:
            for c in r.changes:
                name = "orcid" if c.field.startswith("orcid of ") else c.field
                per = out.setdefault(c.source, {})
                per[name] = per.get(name, 0) + 1
        return out

    def diff(self) -> str:
        lines: list[str] = []
        for r in self.results:
            if r.changes:
                lines.append(f"~ {r.key}  {r.title}")
                lines.extend(f"    {c}" for c in r.changes)
        return "\n".join(lines)

    def summary(self) -> str:
        would = "would " if self.dry_run else ""
        asked = ", ".join(
            f"{s} {self.asked.get(s, 0)} ({_n(self.sent.get(s, 0), 'request')}, "
            f"{self.cached.get(s, 0)} from the cache)" for s in self.sources)
        lines = [f"looked up {self.papers} papers: {asked}"]
        filled = self.filled()
        for s in self.sources:
            if filled.get(s):
                per = ", ".join(f"{k} {v}" for k, v in filled[s].items())
                lines.append(f"{would}fill from {s}: {per}")
        rejected = sum(len(r.rejected) for r in self.results)
        conflicts = sum(len(r.conflicts) for r in self.results)
        lines.append(f"matches rejected: {rejected}; conflicts kept: {conflicts}")
        published = [r.published for r in self.results if r.published]
        if published:
            named = ", ".join(f"{p.key} ({p.venue}{f' {p.year}' if p.year else ''})"
                              for p in published)
            tail = (f"; their venues {would}set" if published[0].applied
                    else " (--apply-venues sets their venues)")
            lines.append(f"{len(published)} preprints were published: {named}{tail}")
        if self.problems.not_cached:
            lines.append("not in the cache (--offline): " + ", ".join(
                f"{s} {n}" for s, n in self.problems.not_cached.items()))
        if self.problems.failed:
            lines.append("sources that failed: " + "; ".join(
                f"{s} ({why})" for s, why in self.problems.failed.items()))
        if not any(r.changes for r in self.results):
            lines.append("nothing to change" if self.dry_run else "nothing changed")
        return "\n".join(lines)

    def warnings(self) -> list[str]:
        """One line per rejected candidate, conflict and refused request."""
        out = []
        for r in self.results:
            for j in r.rejected:
                out.append(f"{r.key}: warning: {j.source} candidate {j.source_id} rejected: "
                           f"{j.reason}")
            for c in r.conflicts:
                out.append(f"{r.key}: warning: conflict: {c.field} is {c.old!r} in the "
                           f"database, {c.source} says {c.new!r}: kept")
        for key, source, why in self.problems.refused:
            out.append(f"{key or source}: warning: {source} refused the request: {why}")
        return out


def _n(count: int, noun: str) -> str:
    """``count noun``, plural unless one.

    >>> _n(1, "request"), _n(2, "request")
    ('1 request', '2 requests')
    """
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


def select_ids(engine: Engine, where: Any) -> set[int] | None:
    """The ids of the papers that pass an export filter (None: no filter)."""
    if where is None:
        return None
    from lmsdb.store.tables import papers_t as papers

    conds = where.conditions()
    if not conds:
        return None
    with engine.connect() as conn:
        return set(conn.execute(select(papers.c.id).where(and_(*conds))).scalars())


def todo(p: PaperState, opts: Options) -> dict[str, str]:
    """The queries still to ask about ``p`` in this run.

    A source that found the paper is not asked again (until ``--refresh``, or
    ``--apply-venues`` for a preprint); one that did not is asked again only when the paper
    has gained a stronger identifier since.
    """
    # A preprint is asked again with --apply-venues: DBLP's record and Crossref's work that
    # said where it was published are single requests in the cache, so this costs no request
    # (arXiv's and S2's answers came in batches, whose make-up differs from run to run).
    venue_wanted = opts.apply_venues and p.venue is None
    if not p.lacks() and not opts.refresh and not venue_wanted:
        return {}
    qs = queries(p, opts.sources)
    if opts.refresh:
        return qs
    out = {}
    for s, q in qs.items():
        done = p.lookups.get(s)
        if done is None or (done["outcome"] != "found" and done["query"] != q) or (
                venue_wanted and done["outcome"] == "found" and s in ("dblp", "crossref")):
            out[s] = q
    if out.get("crossref", "").startswith("title:") and any(
            r["outcome"] == "found" for r in p.lookups.values()):
        del out["crossref"]  # Crossref's title query is only for papers nobody else knows
    return out


def run(engine: Engine, opts: Options, *, where: Any = None, http: Http | None = None,
        progress: Any = None, on_batch: Callable[[int], None] | None = None) -> Report:
    """Enrich the papers that pass ``where``; each batch is committed before the next."""
    ids = select_ids(engine, where)
    with engine.connect() as conn:
        papers = load(conn, ids)
    work = [(p, t) for p in papers if (t := todo(p, opts))]
    report = Report(opts.dry_run, opts.sources, papers=len(work))
    own_http = http is None
    http = http or open_http(opts)
    if progress is not None:
        progress.total = len(work)
    try:
        consult = Consultation(http, opts.sources, report.problems)
        for start in range(0, len(work), opts.batch):
            chunk = work[start:start + opts.batch]
            _one_batch(engine, opts, consult, chunk, report)
            _count(report, http)
            if progress is not None:
                progress.update(len(chunk))
                if hasattr(progress, "set_postfix_str"):
                    progress.set_postfix_str(" ".join(
                        f"{s} {report.asked.get(s, 0)}" for s in opts.sources))
            if on_batch is not None:
                on_batch(start + len(chunk))
    finally:
        _count(report, http)
        if own_http:
            http.close()
    return report


def _count(report: Report, http: Http) -> None:
    for s in report.sources:
        if s in http.adapters:
            report.sent[s] = http.sent(s)
            report.cached[s] = http.cached.get(s, 0)


def _one_batch(engine: Engine, opts: Options, consult: Consultation,
               chunk: list[tuple[PaperState, dict[str, str]]], report: Report) -> None:
    answers = consult.batch(chunk)
    writes = BatchWrites()
    planner = Planner(writes, refresh=opts.refresh, apply_venues=opts.apply_venues,
                      now=_now())
    for p, _ in chunk:
        report.results.append(planner.paper(p, answers[p.id]))
        for s in answers[p.id].asked:
            report.asked[s] = report.asked.get(s, 0) + 1
    if not opts.dry_run:
        from lmsdb.store.locks import writing

        with writing(engine) as conn:  # writers take turns (lmsdb.store.locks)
            writes.apply(conn)
