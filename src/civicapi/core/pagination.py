"""One pagination scheme for every list: bounded ``limit``, opaque keyset ``cursor``, ``Link`` header.

Keyset (seek) pagination on ``(sort column, id)``: stable under concurrent inserts, O(page) whatever the
offset, and the page size is bounded (``limit`` > 100 is a 422, never a slow answer).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import Select, and_, or_
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


async def _page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (1-100).")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=512, description="Opaque cursor from `next_cursor`.")
    ] = None,
    sort: Annotated[
        str | None, Query(max_length=64, description="Sort field; prefix with '-' for descending.")
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor, sort=sort)


PageParamsDep = Annotated[PageParams, Depends(_page_params)]


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


def encode_cursor(sort: str, values: Sequence[Any]) -> str:
    raw = json.dumps([sort, [_encode(v) for v in values]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        cursor_sort, values = data
        if cursor_sort != sort or not isinstance(values, list):
            raise ValueError("sort changed")
        return [_decode(v) for v in values]
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise InvalidInput(
            "the cursor is invalid or belongs to another sort order; start again without it",
            errors=[{"location": ["query", "cursor"], "message": "invalid cursor", "code": "invalid_cursor"}],
        ) from exc


async def keyset_page(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    params: PageParams,
    sorts: Mapping[str, InstrumentedAttribute[Any]],
    default_sort: str,
    id_column: InstrumentedAttribute[Any],
) -> tuple[list[Any], str | None]:
    """Run ``stmt`` for one page. ``sorts`` maps public sort names to columns (ties broken by id)."""
    sort = params.sort or default_sort
    name = sort.lstrip("-")
    if name not in sorts:
        raise InvalidInput(
            f"cannot sort by {name!r}",
            errors=[
                {
                    "location": ["query", "sort"],
                    "message": f"allowed: {', '.join(sorted(sorts))} (prefix '-' for descending)",
                    "code": "invalid_sort",
                }
            ],
        )
    column = sorts[name]
    descending = sort.startswith("-")
    if params.cursor:
        last_value, last_id = decode_cursor(params.cursor, sort)
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


def set_link_header(request: Request, response: Response, next_cursor: str | None) -> None:
    if next_cursor:
        url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'
