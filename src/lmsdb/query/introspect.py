"""Describe the live database: its tables, views and columns (SQLAlchemy's inspector)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from lmsdb.store.objects import FTS_TABLE, is_derived

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass
class Column:
    name: str
    type: str
    nullable: bool
    primary_key: bool


@dataclass
class ForeignKey:
    columns: list[str]
    references: str  # table
    referred_columns: list[str]
    on_delete: str | None


@dataclass
class Constraint:
    """A unique constraint or an index (``unique`` says whether it enforces uniqueness)."""

    name: str | None
    columns: list[str]
    unique: bool


@dataclass
class Relation:
    name: str
    kind: str  # "table", "view" or "search index"
    columns: list[Column]
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    unique: list[Constraint] = field(default_factory=list)
    indexes: list[Constraint] = field(default_factory=list)


def describe(engine: Engine) -> list[Relation]:
    """Tables (without the full-text index's shadow tables and SQLite's own), then views,
    then the full-text index, each with its columns, in name order."""
    from sqlalchemy import inspect

    insp = inspect(engine)
    tables = sorted(t for t in insp.get_table_names() if not is_derived(t, "table"))
    out = [_relation(insp, t, "table") for t in tables]
    out += [_relation(insp, v, "view") for v in sorted(insp.get_view_names())]
    if FTS_TABLE in insp.get_table_names():
        out.append(_relation(insp, FTS_TABLE, "search index"))
    return out


def _relation(insp: Any, name: str, kind: str) -> Relation:
    pk = set(insp.get_pk_constraint(name).get("constrained_columns") or []) \
        if kind == "table" else set()
    cols = [Column(c["name"], _type(c["type"]), bool(c.get("nullable", True)), c["name"] in pk)
            for c in insp.get_columns(name)]
    rel = Relation(name, kind, cols)
    if kind == "table":
        rel.foreign_keys = [
            ForeignKey(fk["constrained_columns"], fk["referred_table"], fk["referred_columns"],
                       (fk.get("options") or {}).get("ondelete"))
            for fk in sorted(insp.get_foreign_keys(name), key=lambda f: f["constrained_columns"])]
        rel.unique = sorted((Constraint(u.get("name"), u["column_names"], True)
                             for u in insp.get_unique_constraints(name)),
                            key=lambda c: c.columns)
        # PostgreSQL reports a unique constraint's index as an index too: list it once.
        uniques = {tuple(u.columns) for u in rel.unique}
        rel.indexes = sorted((Constraint(i.get("name"), [c for c in i["column_names"] if c],
                                         bool(i.get("unique")))
                              for i in insp.get_indexes(name)
                              if not (i.get("unique") and tuple(i["column_names"]) in uniques)
                              and any(i["column_names"])),
                             key=lambda c: c.name or "")
    return rel


def _type(t: Any) -> str:
    from sqlalchemy.types import NullType

    # Untyped: FTS5 columns, and SQLite view columns computed by an expression.
    return "" if isinstance(t, NullType) else str(t)


def write_text(out: TextIO, relations: list[Relation]) -> None:
    """``table papers`` then one indented line per column: name, type, flags."""
    for i, rel in enumerate(relations):
        if i:
            out.write("\n")
        out.write(f"{rel.kind} {rel.name}\n")
        width = max((len(c.name) for c in rel.columns), default=0)
        type_w = max((len(c.type) for c in rel.columns), default=0)
        for c in rel.columns:
            flags = " ".join(f for f, on in (("primary key", c.primary_key),
                                             ("not null", not c.nullable and not c.primary_key))
                             if on)
            out.write(f"  {c.name.ljust(width)}  {c.type.ljust(type_w)}  {flags}".rstrip() + "\n")
        for fk in rel.foreign_keys:
            on = f" on delete {fk.on_delete.lower()}" if fk.on_delete else ""
            out.write(f"  foreign key ({', '.join(fk.columns)}) references "
                      f"{fk.references} ({', '.join(fk.referred_columns)}){on}\n")
        for u in rel.unique:
            out.write(f"  unique ({', '.join(u.columns)})\n")
        for ix in rel.indexes:
            kind = "unique index" if ix.unique else "index"
            out.write(f"  {kind} {ix.name} ({', '.join(ix.columns)})\n")


def as_json(relations: list[Relation]) -> list[dict[str, Any]]:
    return [{"name": r.name, "kind": r.kind, "columns": [vars(c) for c in r.columns],
             **({"foreign_keys": [vars(f) for f in r.foreign_keys],
                 "unique": [u.columns for u in r.unique],
                 "indexes": [vars(i) for i in r.indexes]} if r.kind == "table" else {})}
            for r in relations]
