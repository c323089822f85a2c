"""RawStatement: a Core statement compiled once for asyncpg, its parameters ordered and converted as
SQLAlchemy would send them (no database needed: compilation only)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Dialect,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    Uuid,
    bindparam,
    select,
)
from sqlalchemy.ext.asyncio import create_async_engine

from civicapi.core.db.raw import RawStatement


class Shouted(TypeDecorator[str]):
    """A type with conversions of its own, both ways."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else value.lower()

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else value.upper()


_T = Table(
    "t",
    MetaData(),
    Column("id", Uuid, primary_key=True),
    Column("n", Integer),
    Column("doc", JSON),
    Column("tag", Shouted()),
)
DIALECT = create_async_engine("postgresql+asyncpg://nobody@nowhere/none").dialect
"""The asyncpg dialect (creating an engine connects nowhere)."""


def test_parameters_follow_the_placeholders_once_each_with_conversions_and_defaults() -> None:
    stmt = _T.insert().from_select(
        ["id", "n", "doc"],
        select(
            bindparam("id", type_=Uuid()), bindparam("n", 7, type_=Integer()), bindparam("doc", type_=JSON())
        ).where(bindparam("id", type_=Uuid()) != bindparam("other", type_=Uuid())),
    )
    raw = RawStatement(stmt, DIALECT)
    assert raw.sql.count("$1") == 2  # a name used twice is one placeholder
    assert sorted(raw.names) == ["doc", "id", "n", "other"]
    one, two = uuid.uuid4(), uuid.uuid4()
    args = dict(zip(raw.names, raw.args({"id": one, "other": two, "doc": {"a": [1]}}), strict=True))
    assert args["id"] == one and args["other"] == two
    assert args["n"] == 7  # the statement's own value
    assert isinstance(args["doc"], str) and '"a"' in args["doc"]  # JSON travels as text to the codec


def test_result_rows_are_converted_by_column_type() -> None:
    """As SQLAlchemy converts them; JSON is decoded by the codec SQLAlchemy installs on every pooled
    connection, so it arrives decoded and passes through."""
    raw = RawStatement(select(_T.c.n, _T.c.doc, _T.c.tag).where(_T.c.tag == bindparam("tag")), DIALECT)
    assert raw.names == ("tag",)
    assert raw.args({"tag": "Hello"}) == ["hello"]
    assert raw.row((3, {"a": 1}, "hello")) == (3, {"a": 1}, "HELLO")
    assert raw.row((None, None, None)) == (None, None, None)


def test_expanding_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="ANY"):
        RawStatement(select(_T.c.n).where(_T.c.id.in_(bindparam("ids", expanding=True))), DIALECT)
