"""``lmsdb show KEY``: one paper, whole, with where each field came from.

Everything the database holds about the paper: every column of ``papers`` (whatever later
revisions add), its venue, authors with ORCIDs, frameworks, sections with positions, other
URLs, the provenance of the fields enrichment wrote, which services were asked about it, and
its former citation keys (``paper_aliases``, kept by ``lmsdb rekey``; an old key shows
its paper too).
"""

from __future__ import annotations

from typing import Any, TextIO

from sqlalchemy import Connection, MetaData, Table, select

from lmsdb.diagnostics import LmsdbError
from lmsdb.store.schema import (
    Author,
    Category,
    EnrichLookup,
    FieldProvenance,
    Framework,
    Paper,
    PaperAlias,
    PaperAuthor,
    PaperCategory,
    PaperFramework,
    PaperUrl,
    Venue,
)
from lmsdb.store.searchtext import SEARCH_COLUMNS

papers_t = Paper.__table__

#: Fields listed first, in this order; other columns of ``papers`` follow in table order.
_FIRST = ("title", "year", "venue", "authors", "url", "doi", "arxiv_id", "openreview_id")
# The stored search text derives from the title and authors (lmsdb.store.searchtext); not a field.
_HIDDEN = {"id", "citation_key", "venue_id", *SEARCH_COLUMNS}


class UnknownKey(LmsdbError):
    """No paper has this citation key."""


def _paper_row(conn: Connection, key: str) -> dict[str, Any]:
    # All columns as the database has them (reflected), so fields added by later revisions
    # show without a change here.
    table = Table("papers", MetaData(), autoload_with=conn)
    row = conn.execute(select(table).where(table.c.citation_key == key)).mappings().first()
    if row is None:  # an old key (from `lmsdb rekey`) names its paper still
        a = PaperAlias.__table__
        row = conn.execute(select(table).join(a, a.c.paper_id == table.c.id)
                           .where(a.c.alias == key)).mappings().first()
    if row is None:
        raise UnknownKey(f"no paper has the citation key {key!r}")
    return dict(row)


def _aliases(conn: Connection, pid: int) -> list[str]:
    """Former keys of the paper (kept by `lmsdb rekey`), alphabetically."""
    a = PaperAlias.__table__
    return sorted(conn.execute(select(a.c.alias).where(a.c.paper_id == pid)).scalars())


def load(conn: Connection, key: str) -> dict[str, Any]:
    """The paper with citation key ``key`` as a JSON-ready dict."""
    row = _paper_row(conn, key)
    pid = row["id"]
    venue = None
    if row.get("venue_id") is not None:
        v = Venue.__table__
        vr = conn.execute(select(v.c.name, v.c.full_name, v.c.kind, v.c.known)
                          .where(v.c.id == row["venue_id"])).first()
        if vr is not None:
            venue = {"name": vr.name, "full_name": vr.full_name, "kind": vr.kind,
                     "known": bool(vr.known)}
    pa, au = PaperAuthor.__table__, Author.__table__
    authors = [{"family": r.family, "given": r.given, "orcid": r.orcid} for r in conn.execute(
        select(au.c.family, au.c.given, pa.c.orcid).join(au, au.c.id == pa.c.author_id)
        .where(pa.c.paper_id == pid).order_by(pa.c.position))]
    pf, fw = PaperFramework.__table__, Framework.__table__
    frameworks = [{"slug": r.slug, "name": r.name, "position": r.position}
                  for r in conn.execute(select(fw.c.slug, fw.c.name, pf.c.position)
                                        .join(fw, fw.c.id == pf.c.framework_id)
                                        .where(pf.c.paper_id == pid).order_by(pf.c.position))]
    pc, cat = PaperCategory.__table__, Category.__table__
    sections = [{"category": r.name, "position": r.position}
                for r in conn.execute(select(cat.c.name, pc.c.position)
                                      .join(cat, cat.c.id == pc.c.category_id)
                                      .where(pc.c.paper_id == pid).order_by(cat.c.position))]
    u = PaperUrl.__table__
    urls = sorted(conn.execute(select(u.c.url).where(u.c.paper_id == pid)).scalars())
    fields = {k: v for k, v in row.items() if k not in _HIDDEN}
    fields["venue"] = venue["name"] if venue else None
    fields["authors"] = " and ".join(
        f"{a['family']}, {a['given']}" if a["given"] else a["family"] for a in authors) or None
    provenance = _provenance(conn, pid, fields)
    out: dict[str, Any] = {
        "citation_key": row["citation_key"], "id": pid,
        "fields": {k: fields[k] for k in _order(fields)}, "venue": venue, "authors": authors,
        "frameworks": frameworks, "sections": sections, "urls": urls,
        "provenance": provenance, "lookups": _lookups(conn, pid),
    }
    out["aliases"] = _aliases(conn, pid)
    return out


def _order(fields: dict[str, Any]) -> list[str]:
    return [k for k in _FIRST if k in fields] + [k for k in fields if k not in _FIRST]


def _provenance(conn: Connection, pid: int, fields: dict[str, Any]) -> dict[str, Any]:
    t = FieldProvenance.__table__
    out = {}
    for r in conn.execute(select(t).where(t.c.paper_id == pid).order_by(t.c.field)).mappings():
        current = fields.get(r["field"])
        out[r["field"]] = {
            "source": r["source"], "source_id": r["source_id"], "value": r["value"],
            "retrieved_at": r["retrieved_at"],
            # False once someone changed the field after enrichment wrote it.
            "current": current is not None and str(current) == r["value"],
        }
    return out


def _lookups(conn: Connection, pid: int) -> list[dict[str, Any]]:
    t = EnrichLookup.__table__
    return [{k: v for k, v in r.items() if k != "paper_id"}
            for r in conn.execute(select(t).where(t.c.paper_id == pid)
                                  .order_by(t.c.source)).mappings()]


def _value(v: Any) -> str:
    return "∅" if v is None or v == "" else str(v)


def write_text(out: TextIO, p: dict[str, Any]) -> None:
    """The paper as aligned ``name  value`` lines; a field enrichment wrote names its source."""
    fields, prov = p["fields"], p["provenance"]
    out.write(f"{p['citation_key']}\n")
    width = max(len(k) for k in [*fields, "other urls", "frameworks", "sections", "aliases"])
    for name in fields:
        value = fields[name]
        if name == "authors" and p["authors"]:
            value = "; ".join(
                (f"{a['family']}, {a['given']}" if a["given"] else a["family"])
                + (f" [ORCID {a['orcid']}]" if a["orcid"] else "") for a in p["authors"])
        if name == "venue" and p["venue"]:
            v = p["venue"]
            value = f"{v['name']} ({v['full_name']}; {v['kind']})"
        line = f"  {name:<{width}}  {_value(value)}"
        src = prov.get(name)
        if src:
            state = "" if src["current"] else ", since changed by hand or by the list"
            line += f"   [from {src['source']} {src['source_id'] or ''} on " \
                    f"{src['retrieved_at'][:10]}{state}]"
        out.write(line.rstrip() + "\n")
    lists = {
        "frameworks": ", ".join(f"{f['slug']} ({f['name']})" for f in p["frameworks"]),
        "sections": ", ".join(f"{s['category']} #{s['position'] + 1}" for s in p["sections"]),
        "other urls": ", ".join(p["urls"]),
    }
    lists["aliases"] = ", ".join(p["aliases"])
    for name, value in lists.items():
        out.write(f"  {name:<{width}}  {_value(value)}\n")
    if p["lookups"]:
        asked = "; ".join(f"{r['source']} {r['outcome']} ({r['query']}, "
                          f"{r['looked_up_at'][:10]})" for r in p["lookups"])
        out.write(f"  {'looked up':<{width}}  {asked}\n")
