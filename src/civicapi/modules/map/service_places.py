"""Reading the map: a keyset page of the places a caller sees as GeoJSON, and the same places grouped in
a grid for a zoom (clusters), computed in SQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.pagination import decode_cursor, encode_cursor
from civicapi.modules.map import repository as repo
from civicapi.modules.map import visibility
from civicapi.modules.map.features import cluster_feature, collection, place_feature
from civicapi.modules.map.filters import MapFilters
from civicapi.registry import ModuleRegistry, ResourceCaller
from civicapi.spaces.kit import previews

CURSOR_SORT = "position"
CLUSTER_SUBDIVISION = 2
"""A cluster cell is a quarter of a 256-pixel tile's side (64 pixels): ``2^(zoom + 2)`` cells per side of
the world. A city viewport (about 5 by 4 tiles) then answers at most about 320 clusters."""


@dataclass(slots=True)
class MapReader:
    """Who reads which commune's map (for one request)."""

    session: AsyncSession
    registry: ModuleRegistry
    commune_id: uuid.UUID
    caller: ResourceCaller
    _scope: repo.Scope | None = field(default=None, init=False)

    async def scope(self) -> repo.Scope:
        """The enabled modules and the components the caller may see (read once)."""
        if self._scope is None:
            self._scope = await repo.load_scope(
                self.session, self.commune_id, include_hidden=previews(self.caller)
            )
        return self._scope

    async def allowed(self, filters: MapFilters) -> set[uuid.UUID]:
        """The index ids of the matching places that only their module may show, that it shows."""
        rows = await repo.to_ask(self.session, await self.scope(), filters)
        return await visibility.allowed(self.session, self.registry, self.commune_id, self.caller, rows)

    async def grid(
        self, filters: MapFilters, cells: int, tile: tuple[int, int, int] | None = None
    ) -> list[repo.Cell]:
        """The places seen grouped by grid cell (``cells`` per side of the world), in SQL."""
        allowed = await self.allowed(filters)
        return await repo.grid(
            self.session, await self.scope(), filters, allowed=allowed, cells=cells, tile=tile
        )

    async def features(self, rows: Sequence[Any]) -> list[dict[str, Any]]:
        """The rows as features, with their resources' paths (one ``describe`` per resource type)."""
        urls = await visibility.paths(self.session, self.registry, self.commune_id, rows)
        return [place_feature(row, urls) for row in rows]

    async def singles(self, cells: Sequence[repo.Cell]) -> dict[uuid.UUID, dict[str, Any]]:
        """The features of the cells holding one place, by index id."""
        rows = await repo.features_by_id(self.session, [c.place_id for c in cells if c.place_id])
        return {row.id: feature for row, feature in zip(rows, await self.features(rows), strict=True)}


async def places_page(
    reader: MapReader, filters: MapFilters, *, limit: int, cursor: str | None
) -> dict[str, Any]:
    """One page of the places the caller sees, by the index's order; a page may hold fewer than ``limit``
    features when the modules hide some of the rows read (``next_cursor`` says whether more follow)."""
    after = None
    if cursor:
        mx, place_id = decode_cursor(cursor, CURSOR_SORT, [float, uuid.UUID])
        after = (float(mx), place_id)
    rows = await repo.features_page(reader.session, await reader.scope(), filters, after=after, limit=limit)
    next_cursor = (
        encode_cursor(CURSOR_SORT, [rows[limit - 1].mx, rows[limit - 1].id]) if len(rows) > limit else None
    )
    rows = rows[:limit]
    ask = [row for row in rows if not row.published or row.component_id is None]
    ok = await visibility.allowed(reader.session, reader.registry, reader.commune_id, reader.caller, ask)
    shown = [row for row in rows if (row.published and row.component_id is not None) or row.id in ok]
    return collection(await reader.features(shown), next_cursor=next_cursor)


async def clusters(reader: MapReader, filters: MapFilters, *, zoom: int) -> dict[str, Any]:
    """The places the caller sees grouped in a grid suited to ``zoom``: a cluster Feature per cell (count,
    centroid, bounding box), the place's own Feature where a cell holds one."""
    cells = await reader.grid(filters, 2 ** (zoom + CLUSTER_SUBDIVISION))
    singles = await reader.singles(cells)
    features = [
        singles[cell.place_id] if cell.place_id in singles else cluster_feature(cell) for cell in cells
    ]
    return collection(features, zoom=zoom)
