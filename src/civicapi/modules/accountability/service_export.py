"""Open-data export of a component's results, as JSON or CSV. The CSV has the columns the CSV import reads
(plus a few read-only ones it ignores), so a commune can export, edit in a spreadsheet and import back."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import tabular
from civicapi.modules.accountability.models import Result
from civicapi.modules.accountability.repository import (
    PROJECT_LINK,
    PROPOSAL_LINK,
    ResultRepository,
    StatusRepository,
)
from civicapi.modules.accountability.schemas_io import ResultExport
from civicapi.modules.accountability.settings import ComponentContext

MULTILINGUAL = ("title", "description")
PLAIN_BEFORE = ("id", "parent_id", "external_id", "parent_external_id", "reference")
PLAIN_AFTER = (
    "start_date",
    "end_date",
    "status",
    "progress",
    "weight",
    "planned_amount",
    "spent_amount",
    "address",
    "latitude",
    "longitude",
    "category",
    "district",
    "position",
)
READ_ONLY = ("progress_rolled_up", "project_ids", "proposal_ids", "updated_at")
"""Exported for information; the import ignores them (and ``status_name_<locale>``)."""


def tree_order(results: Sequence[Result]) -> list[Result]:
    """Parents before their children, siblings by position: a file that imports in one pass."""
    children: dict[uuid.UUID | None, list[Result]] = defaultdict(list)
    ids = {r.id for r in results}
    for r in results:
        children[r.parent_id if r.parent_id in ids else None].append(r)
    out: list[Result] = []
    stack = list(reversed(children[None]))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(children.get(node.id, [])))
    return out


async def export_rows(session: AsyncSession, ctx: ComponentContext) -> list[ResultExport]:
    repo = ResultRepository(session, ctx.commune_id)
    results = tree_order(await repo.all_of_component(ctx.component_id))
    statuses = {
        s.id: s for s in await StatusRepository(session, ctx.commune_id).all_of_component(ctx.component_id)
    }
    links = await repo.links_of_component(ctx.component_id)
    external = {r.id: r.external_id for r in results}
    parents = {r.parent_id for r in results}
    rows = []
    for r in results:
        status = statuses.get(r.status_id) if r.status_id else None
        own = links.get(r.id, [])
        rows.append(
            ResultExport(
                id=r.id,
                parent_id=r.parent_id,
                parent_external_id=external.get(r.parent_id) if r.parent_id else None,
                reference=r.reference,
                external_id=r.external_id,
                title=r.title,
                description=r.description,
                start_date=r.start_date,
                end_date=r.end_date,
                status=status.key if status else None,
                status_name=status.name if status else None,
                progress=r.progress,
                progress_rolled_up=r.id in parents,
                weight=r.weight,
                planned_amount=r.planned_amount,
                spent_amount=r.spent_amount,
                address=r.address,
                latitude=r.latitude,
                longitude=r.longitude,
                category=r.category,
                district=r.district,
                position=r.position,
                project_ids=[k.to_id for k in own if k.name == PROJECT_LINK],
                proposal_ids=[k.to_id for k in own if k.name == PROPOSAL_LINK],
                updated_at=r.updated_at,
            )
        )
    return rows


def _value(value: Any) -> Any:
    """Progress and weights with four decimals at most; lists (of proposal ids) as one ``;``-joined cell."""
    if isinstance(value, float):
        return format(round(value, 4), "g")
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value


def export_csv(rows: Sequence[ResultExport], locales: Sequence[str]) -> str:
    """One line per result; multilingual fields as one column per commune locale (``title_fr``...)."""
    localized = [f"{field}_{locale}" for field in MULTILINGUAL for locale in locales]
    status_names = [f"status_name_{locale}" for locale in locales]

    def lines() -> Iterator[list[Any]]:
        for row in rows:
            data = row.model_dump()
            texts = [(data[field] or {}).get(locale) for field in MULTILINGUAL for locale in locales]
            names = [(data["status_name"] or {}).get(locale) for locale in locales]
            yield [
                _value(v)
                for v in [
                    *(data[c] for c in PLAIN_BEFORE),
                    *texts,
                    *(data[c] for c in PLAIN_AFTER),
                    *names,
                    *(data[c] for c in READ_ONLY),
                ]
            ]

    return tabular.csv_text([*PLAIN_BEFORE, *localized, *PLAIN_AFTER, *status_names, *READ_ONLY], lines())
