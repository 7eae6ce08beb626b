"""A paper's places in the list's sections and its framework links, one paper at a time.

``lmsdb add`` and ``edit`` put a paper at its place in a section (newest year first where
the section is kept so) and keep positions dense when it leaves one.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, insert, select, update

from lmsdb.diagnostics import Diagnostics, LmsdbError
from lmsdb.store.tables import categories_t as cats_t
from lmsdb.store.tables import frameworks_t as fws_t
from lmsdb.store.tables import papers_t, pc_t, pf_t


def category_id(conn: Connection, name: str, create: Diagnostics | None = None) -> int:
    """A section's id; an unknown name is an error, or (``create``) a new last section."""
    cid = conn.execute(select(cats_t.c.id).where(cats_t.c.name == name)).scalar()
    if cid is None and create is not None and name.strip():
        last = conn.execute(select(func.max(cats_t.c.position))).scalar()
        create.note("lmsdb", None, f"new section {name!r}, after the others")
        return int(conn.execute(insert(cats_t).values(
            name=" ".join(name.split()), position=0 if last is None else last + 1)
        ).inserted_primary_key[0])
    if cid is None:
        known = ", ".join(conn.execute(select(cats_t.c.name).order_by(cats_t.c.position))
                          .scalars()) or "none yet"
        raise LmsdbError(f"no section is named {name!r} (sections: {known})")
    return int(cid)


def framework_id(conn: Connection, slug: str) -> int:
    fid = conn.execute(select(fws_t.c.id).where(fws_t.c.slug == slug)).scalar()
    if fid is None:
        known = ", ".join(conn.execute(select(fws_t.c.slug).order_by(fws_t.c.position))
                          .scalars()) or "none yet"
        raise LmsdbError(f"no framework has the anchor {slug!r} (frameworks: {known})")
    return int(fid)


def place(members: list[tuple[int, int]], year: int) -> int:
    """Where a paper of ``year`` goes among a section's ``(position, year)`` rows.

    A section kept newest year first (as the reference list is) gets the paper after the
    last paper of the same or a later year; any other section gets it at the end.

    >>> place([(0, 2023), (1, 2022), (2, 2020)], 2022), place([(0, 2020), (1, 2023)], 2022)
    (2, 2)
    """
    years = [y for _, y in sorted(members)]
    if all(a >= b for a, b in zip(years, years[1:], strict=False)):
        return sum(1 for y in years if y >= year)
    return len(years)


def _section(conn: Connection, cid: int) -> list[tuple[int, int]]:
    return [tuple(r) for r in conn.execute(  # type: ignore[misc]
        select(pc_t.c.position, papers_t.c.year).join(papers_t, papers_t.c.id == pc_t.c.paper_id)
        .where(pc_t.c.category_id == cid))]


def insert_into_section(conn: Connection, pid: int, cid: int, year: int) -> int:
    """List the paper in a section at its place; later rows move down one."""
    pos = place(_section(conn, cid), year)
    conn.execute(update(pc_t).where(pc_t.c.category_id == cid, pc_t.c.position >= pos)
                 .values(position=pc_t.c.position + 1))
    conn.execute(insert(pc_t).values(paper_id=pid, category_id=cid, position=pos))
    return pos


def remove_from_section(conn: Connection, pid: int, cid: int) -> None:
    """Take the paper out of a section; later rows move up one (positions stay dense)."""
    pos = conn.execute(select(pc_t.c.position).where(pc_t.c.paper_id == pid,
                                                     pc_t.c.category_id == cid)).scalar()
    if pos is None:
        return
    conn.execute(delete(pc_t).where(pc_t.c.paper_id == pid, pc_t.c.category_id == cid))
    conn.execute(update(pc_t).where(pc_t.c.category_id == cid, pc_t.c.position > pos)
                 .values(position=pc_t.c.position - 1))


def sections_of(conn: Connection, pid: int) -> list[str]:
    return list(conn.execute(select(cats_t.c.name).join(pc_t, pc_t.c.category_id == cats_t.c.id)
                             .where(pc_t.c.paper_id == pid).order_by(cats_t.c.position)).scalars())


def frameworks_of(conn: Connection, pid: int) -> list[str]:
    return list(conn.execute(select(fws_t.c.slug).join(pf_t, pf_t.c.framework_id == fws_t.c.id)
                             .where(pf_t.c.paper_id == pid).order_by(pf_t.c.position)).scalars())
