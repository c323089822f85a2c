"""One pagination scheme for every list: bounded ``limit``, opaque keyset ``cursor``, ``Link`` header.

Keyset (seek) pagination on ``(sort column, id)``: stable under concurrent inserts, O(page) whatever the
offset, and the page size is bounded (``limit`` > 100 is a 422, never a slow answer).

A short list (a budget's projects) may also be read in a random order that a seed makes reproducible
(:func:`shuffled_page`): the same keyset pagination, on a keyed hash of each id instead of a column.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import BigInteger, Integer, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from civicapi.core.errors import InvalidInput

MAX_LIMIT = 100
DEFAULT_LIMIT = 20

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null at the end."
    )


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    cursor: str | None
    sort: str | None
    sorts: tuple[str, ...] = ()
    """The sort names the route declares (:func:`sorted_by`); empty for a route that declares none."""


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (1-100).")]
Cursor = Annotated[str | None, Query(max_length=512, description="Opaque cursor from `next_cursor`.")]


async def _page_params(
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    sort: Annotated[
        str | None, Query(max_length=64, description="Sort field; prefix with '-' for descending.")
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor, sort=sort)


PageParamsDep = Annotated[PageParams, Depends(_page_params)]


def sorted_by(
    *names: str, default: str | None = None, also: Sequence[str] = ()
) -> Callable[..., Awaitable[PageParams]]:
    """The page parameters of a list sortable by ``names`` (each also descending, prefixed with ``-``) and
    by the values ``also`` (as they are, e.g. ``random``), for ``Annotated[PageParams,
    Depends(sorted_by(...))]``: the OpenAPI document lists the sorts as a closed vocabulary (an enum, so a
    generated client offers exactly them) and names the ``default`` (what an absent ``sort`` means; the
    route decides it); anything else is a 422 ``invalid_sort`` problem before the route runs."""
    allowed = [value for name in names for value in (name, "-" + name)] + list(also)
    if default is not None and default not in allowed:
        raise ValueError(f"default sort {default!r} is not one of {allowed}")
    description = "Sort order: a field, or a field prefixed with '-' for descending" + (
        f" (default: `{default}`)." if default else "."
    )

    def closed(schema: dict[str, Any]) -> None:
        schema.pop("anyOf", None)
        schema.update({"type": "string", "enum": allowed})
        if default is not None:
            schema["default"] = default

    async def params(
        limit: int = DEFAULT_LIMIT, cursor: str | None = None, sort: str | None = None
    ) -> PageParams:
        if sort is not None and sort not in allowed:
            raise _invalid_sort(sort.lstrip("-"), [*names, *also])
        return PageParams(limit=limit, cursor=cursor, sort=sort, sorts=(*names, *also))

    # Real objects, not the strings this module's annotations are: FastAPI reads them from the signature.
    params.__annotations__ = {
        "limit": Limit,
        "cursor": Cursor,
        "sort": Annotated[str | None, Query(description=description, json_schema_extra=closed)],
        "return": PageParams,
    }
    return params


def _invalid_sort(name: str, allowed: Sequence[str], also: str | None = None) -> InvalidInput:
    return InvalidInput(
        f"cannot sort by {name!r}",
        errors=[
            {
                "location": ["query", "sort"],
                "message": f"allowed: {', '.join(sorted(allowed))} (prefix '-' for descending)"
                + (f", {also}" if also else ""),
                "code": "invalid_sort",
            }
        ],
    )


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        if "u" in value:
            return uuid.UUID(value["u"])
    return value


class Int32(int):
    """:func:`python_type` of an ``INTEGER`` column: an int within 32 bits."""


class Int64(int):
    """:func:`python_type` of a ``BIGINT`` column: an int within 64 bits."""


_BOUNDS = {Int32: 2**31, Int64: 2**63}


def _is(value: Any, kind: type) -> bool:
    if value is None:
        return True  # a nullable column's value
    if kind in _BOUNDS:
        bound = _BOUNDS[kind]
        return isinstance(value, int) and not isinstance(value, bool) and -bound <= value < bound
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is datetime:
        return isinstance(value, datetime) and value.tzinfo is not None
    return isinstance(value, kind)


def encode_cursor(sort: str, values: Sequence[Any]) -> str:
    raw = json.dumps([sort, [_encode(v) for v in values]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, types: Sequence[type] | None = None) -> list[Any]:
    """The values of a cursor of ``sort``; ``types``: what each must be (a 422 otherwise, as for a
    cursor of another sort: a forged cursor never reaches the database)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        cursor_sort, values = data
        if cursor_sort != sort or not isinstance(values, list):
            raise ValueError("sort changed")
        decoded = [_decode(v) for v in values]
        if types is not None and (
            len(decoded) != len(types)
            or not all(_is(value, kind) for value, kind in zip(decoded, types, strict=False))
        ):
            raise ValueError("not this sort's values")
        return decoded
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise _invalid_cursor() from exc


def _invalid_cursor() -> InvalidInput:
    return InvalidInput(
        "the cursor is invalid or belongs to another sort order; start again without it",
        errors=[{"location": ["query", "cursor"], "message": "invalid cursor", "code": "invalid_cursor"}],
    )


async def keyset_page(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    params: PageParams,
    sorts: Mapping[str, InstrumentedAttribute[Any]],
    default_sort: str,
    id_column: InstrumentedAttribute[Any],
    also: str | None = None,
) -> tuple[list[Any], str | None]:
    """Run ``stmt`` for one page. ``sorts`` maps public sort names to columns (ties broken by id);
    ``also``: the caller's other sorts, named in the 422 that refuses an unknown one."""
    # A route declaring its sorts (sorted_by) declares at least those it serves here.
    assert not params.sorts or set(sorts) <= set(params.sorts), (sorted(sorts), params.sorts)
    sort = params.sort or default_sort
    name = sort.lstrip("-")
    if name not in sorts:
        raise _invalid_sort(name, list(sorts), also)
    column = sorts[name]
    descending = sort.startswith("-")
    if params.cursor:
        last_value, last_id = decode_cursor(
            params.cursor, sort, [python_type(column), python_type(id_column)]
        )
        if descending:
            cond = or_(column < last_value, and_(column == last_value, id_column < last_id))
        else:
            cond = or_(column > last_value, and_(column == last_value, id_column > last_id))
        stmt = stmt.where(cond)
    if descending:
        stmt = stmt.order_by(column.desc(), id_column.desc())
    else:
        stmt = stmt.order_by(column.asc(), id_column.asc())
    rows = list((await session.execute(stmt.limit(params.limit + 1))).scalars().all())
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        last = rows[-1]
        next_cursor = encode_cursor(sort, [getattr(last, column.key), getattr(last, id_column.key)])
    return rows, next_cursor


def python_type(expression: Any) -> type:
    """The Python type of a column's (or SQL expression's) values, for :func:`decode_cursor`; integers
    as :class:`Int32` or :class:`Int64`, so that a value the database cannot compare is refused here."""
    sql_type = expression.type
    if isinstance(sql_type, BigInteger):
        return Int64
    if isinstance(sql_type, Integer):
        return Int32
    try:
        kind: type = sql_type.python_type
    except NotImplementedError:
        return object
    return kind


RANDOM = "random"
"""The sort name of :func:`shuffled_page`."""
MAX_SEED = 2**31


def daily_seed() -> int:
    """The default seed: it changes daily, so a shuffled list pages consistently without a seed kept by
    the client (the proposals' lists use the same)."""
    return datetime.now(UTC).date().toordinal()


def shuffle_key(seed: int, row_id: uuid.UUID) -> str:
    """Where ``row_id`` stands in the order of ``seed``: a keyed hash, so every seed gives another order
    and the same seed always the same one."""
    return hashlib.blake2b(row_id.bytes, digest_size=8, key=str(seed).encode()).hexdigest()


async def shuffled_page(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    params: PageParams,
    seed: int | None,
    id_column: InstrumentedAttribute[Any],
) -> tuple[list[Any], str | None]:
    """One page of ``stmt``'s rows in the random order of ``seed`` (default: :func:`daily_seed`), with
    the same keyset pagination as the other sorts: ``(key, id)`` after the cursor's. Every row is read and
    ordered here: for short lists only (a budget's projects). The cursor carries its seed; a cursor of
    another seed is a 422."""
    if params.cursor:
        cursor_seed, last_key, last_id = decode_cursor(params.cursor, RANDOM, [int, str, str])
        if None in (cursor_seed, last_key, last_id) or not 0 <= cursor_seed <= MAX_SEED:
            raise _invalid_cursor()
        if seed is not None and seed != cursor_seed:
            raise _invalid_cursor()
        seed, after = cursor_seed, (last_key, last_id)
    else:
        seed, after = daily_seed() if seed is None else seed, None
    rows = list((await session.execute(stmt)).scalars().all())
    keyed = sorted(
        (
            ((shuffle_key(seed, getattr(row, id_column.key)), str(getattr(row, id_column.key))), row)
            for row in rows
        ),
        key=lambda item: item[0],
    )
    if after is not None:
        keyed = [item for item in keyed if item[0] > after]
    page = keyed[: params.limit + 1]
    next_cursor = None
    if len(page) > params.limit:
        page = page[: params.limit]
        last_key, last_id = page[-1][0]
        next_cursor = encode_cursor(RANDOM, [seed, last_key, last_id])
    return [row for _, row in page], next_cursor


def set_link_header(request: Request, response: Response, next_cursor: str | None) -> None:
    if next_cursor:
        url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'


@dataclass(frozen=True, slots=True)
class Order:
    """The order of a list held in memory: its sort ``name``, the unique ``key`` of an item and the
    ``types`` of the key's values (checked when a cursor comes back)."""

    name: str
    key: Callable[[Any], tuple[Any, ...]]
    types: tuple[type, ...]
    descending: bool = False


BY_CREATED = Order("created_at", lambda item: (item.created_at, item.id), (datetime, uuid.UUID))
NEWEST_FIRST = Order("created_at", BY_CREATED.key, BY_CREATED.types, descending=True)
BY_POSITION = Order("position", lambda item: (item.position, item.id), (int, uuid.UUID))


def by_name(attribute: str) -> Order:
    """The order of items named by a unique string ``attribute`` (a module's key, a handler's name)."""
    return Order(attribute, lambda item: (getattr(item, attribute),), (str,))


def in_order(order: Order) -> Callable[..., Awaitable[PageParams]]:
    """:func:`sorted_by` for a list held in memory in ``order`` (:func:`memory_page`)."""
    return sorted_by(order.name, default=("-" if order.descending else "") + order.name)


def sequence_page(items: Sequence[T], params: PageParams, order: Order) -> tuple[list[T], str | None]:
    """One page of a list already in memory (a short list: a registry's modules, a component's states),
    with the same contract as :func:`keyset_page`: ``sort`` is the order's name or its reverse (anything
    else is a 422), the cursor holds the last item's key and the page starts after it, so an item added
    or removed meanwhile neither repeats nor skips the others."""
    name, key = order.name, order.key
    assert not params.sorts or params.sorts == (name,), (name, params.sorts)  # declared as served
    sort = params.sort or ("-" + name if order.descending else name)
    if sort.lstrip("-") != name:
        raise _invalid_sort(sort.lstrip("-"), [name])
    descending = sort.startswith("-")
    ordered = sorted(items, key=key, reverse=descending)
    if params.cursor:
        after = tuple(decode_cursor(params.cursor, sort, order.types))
        if None in after:
            raise _invalid_cursor()
        try:
            ordered = [item for item in ordered if (key(item) < after if descending else key(item) > after)]
        except TypeError as exc:  # values the key's cannot be compared with
            raise _invalid_cursor() from exc
    page = ordered[: params.limit + 1]
    next_cursor = None
    if len(page) > params.limit:
        page = page[: params.limit]
        next_cursor = encode_cursor(sort, list(key(page[-1])))
    return page, next_cursor


def memory_page(
    request: Request, response: Response, items: Sequence[T], params: PageParams, order: Order
) -> Page[T]:
    """:func:`sequence_page` answered as every list is: the page, its ``next_cursor`` and ``Link``."""
    rows, cursor = sequence_page(items, params, order)
    set_link_header(request, response, cursor)
    return Page(items=rows, next_cursor=cursor)
