"""SQLAlchemy Core statements run on the driver's own connection (PostgreSQL, asyncpg), for the few
requests whose cost is mostly the way to the database: the statement is still built with SQLAlchemy in
its layer (same tables, same types), compiled once here, and each execution skips the session, the
greenlet bridge and the result machinery.

What it keeps from SQLAlchemy: the SQL text, the order of the parameters, and each type's bind and result
conversions (JSON columns travel as text through the codecs SQLAlchemy's dialect installs on every pooled
connection). What it drops: ``expanding`` parameters (``IN``; use ``= ANY(:array)``), result conversions
that depend on the driver's type code (``Numeric``), ORM loading, events.
Transactions are the caller's (``async with connection.transaction()``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

T = TypeVar("T")


class RawStatement:
    """``statement`` compiled once for ``dialect`` (asyncpg): :meth:`args` orders and converts the
    parameters; :meth:`row` converts a result row (selected columns only)."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        if any(getattr(b, "expanding", False) for b in compiled.binds.values()):
            raise ValueError("expanding parameters (IN) are not supported: use = ANY(:array)")
        self.sql = str(compiled)
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        processors: Mapping[str, Any] = compiled._bind_processors
        self._binds = [processors.get(name) for name in self.names]
        self._defaults = {name: bind.value for name, bind in compiled.binds.items() if bind.value is not None}
        columns = getattr(statement, "selected_columns", None)
        self._results: list[Callable[[Any], Any] | None] = [
            column.type._cached_result_processor(dialect, None) for column in (columns or ())
        ]

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        values = []
        for name, process in zip(self.names, self._binds, strict=True):
            value = params[name] if name in params else self._defaults[name]
            values.append(process(value) if process is not None and value is not None else value)
        return values

    def row(self, record: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            process(value) if process is not None and value is not None else value
            for process, value in zip(self._results, record, strict=True)
        )

    async def fetch(self, connection: Any, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return [self.row(r) for r in await connection.fetch(self.sql, *self.args(params))]

    async def fetchrow(self, connection: Any, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        record = await connection.fetchrow(self.sql, *self.args(params))
        return None if record is None else self.row(record)


def is_constraint_violation(exc: BaseException) -> bool:
    """Whether the driver refused a statement for an integrity constraint (SQLSTATE class 23: unique,
    foreign key, not null, check); the statement then wrote nothing."""
    return str(getattr(exc, "sqlstate", "")).startswith("23")


def transient(model: type[T], columns: Sequence[str], row: Sequence[Any]) -> T:
    """An ORM object (never added to a session) from a row of ``model``'s table columns named
    ``columns`` (see :func:`table_columns`)."""
    return model(**dict(zip(columns, row, strict=True)))


def table_columns(model: type[Any]) -> tuple[list[Any], list[str]]:
    """Every mapped column of ``model`` and its attribute name (they differ where a column is renamed)."""
    mapper = inspect(model)
    pairs = [(key, prop.columns[0]) for key, prop in mapper.column_attrs.items()]
    return [column for _, column in pairs], [key for key, _ in pairs]


@asynccontextmanager
async def driver_connection(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A pooled connection's driver connection (asyncpg), lent for the block; the pool's checks apply.
    Whatever transaction the block opens, it must close."""
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        try:
            yield driver
        except BaseException:
            if driver is not None and driver.is_closed():
                # Lost on the way (the server went away): the pool replaces it instead of lending it again.
                await connection.invalidate()
            raise
