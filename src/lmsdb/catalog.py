"""Describe the live database: its tables, views and columns (SQLAlchemy's inspector)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from lmsdb.dbobjects import FTS_TABLE, is_derived

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass
class Column:
    name: str
    type: str
    nullable: bool
    primary_key: bool


@dataclass
class Relation:
    name: str
    kind: str  # "table", "view" or "search index"
    columns: list[Column]


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
    return Relation(name, kind, cols)


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


def as_json(relations: list[Relation]) -> list[dict[str, Any]]:
    return [{"name": r.name, "kind": r.kind,
             "columns": [vars(c) for c in r.columns]} for r in relations]
