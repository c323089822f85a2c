"""Vector tiles of the map: layer ``places`` (the places the caller sees in the tile, grouped in a 64 by 64
grid of the tile: a cell of several places is one point with ``cluster`` and ``count``, a cell of one is
the place with its properties) and layer ``districts`` (the shapes meeting the tile). The ETag is a hash of
what the tile is made of, computed before any encoding, so a revalidation and an empty tile cost two
queries and no encoding."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from civicapi.modules.map import repository as repo
from civicapi.modules.map import repository_districts
from civicapi.modules.map.exceptions import MapInvalid
from civicapi.modules.map.filters import BBox, MapFilters
from civicapi.modules.map.service_places import MapReader
from civicapi.modules.map.tiles import Tile, encode, point, properties, shape_in_tile

TILE_SUBDIVISION = 6
"""A tile's grid for clusters: 2^6 = 64 cells per side (64 of the tile's 4096 units, 4 pixels of a
256-pixel tile): points closer than that are one cluster, at every zoom."""


def check_tile(z: int, x: int, y: int) -> Tile:
    """The tile, if ``x`` and ``y`` are in ``0..2^z-1`` (``z`` is checked by the route: 0..22)."""
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise MapInvalid(
            f"tile {z}/{x}/{y}: x and y must be in 0..{2**z - 1} at zoom {z}",
            reason="tile_out_of_range",
            errors=[
                {"location": ["path", "x"], "message": "outside the zoom's grid", "code": "tile_out_of_range"}
            ],
        )
    return Tile(z, x, y)


@dataclass(slots=True)
class TileContent:
    """What a tile is made of, before encoding."""

    tile: Tile
    cells: list[repo.Cell] = field(default_factory=list)
    singles: dict[Any, dict[str, Any]] = field(default_factory=dict)
    districts: list[Any] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.cells and not self.districts

    def etag(self, filters: MapFilters, locale: str) -> str:
        """A hash of the tile's makings (one ``repr`` of them all: cheaper than any encoding)."""
        cells = [(c.count, c.mx, c.my, self.singles.get(c.place_id)) for c in self.cells]
        areas = [(d.id, d.updated_at, parent) for d, parent in self.districts]
        made = (self.tile, filters.key, locale, cells, areas)
        return f'"{hashlib.sha256(repr(made).encode()).hexdigest()[:32]}"'


async def tile_content(reader: MapReader, filters: MapFilters, tile: Tile) -> TileContent:
    cells = await reader.grid(filters, 2 ** (tile.z + TILE_SUBDIVISION), (tile.z, tile.x, tile.y))
    districts = await repository_districts.districts(reader.session, reader.commune_id, BBox(*tile.bounds()))
    return TileContent(tile=tile, cells=cells, singles=await reader.singles(cells), districts=districts)


def _text(value: dict[str, str], locale: str) -> str | None:
    return value.get(locale) or next(iter(value.values()), None)


def encode_tile(content: TileContent, locale: str) -> bytes:
    """The tile's bytes: ``title`` and ``name`` in ``locale`` (else the first one given)."""
    tile = content.tile
    places = []
    for cell in content.cells:
        feature = content.singles.get(cell.place_id)
        if feature is None:
            props: dict[str, Any] = {"cluster": True, "count": cell.count}
        else:
            shown = feature["properties"]
            props = {"id": feature["id"], **shown, "title": _text(shown["title"], locale), "cluster": False}
        places.append({"geometry": point(*tile.project(cell.mx, cell.my)), "properties": properties(props)})
    districts = []
    for district, parent in content.districts:
        geometry = shape_in_tile(tile, district.geometry)
        if geometry is not None:
            props = {"code": district.code, "name": _text(district.name, locale), "kind": district.kind}
            districts.append({"geometry": geometry, "properties": properties({**props, "parent": parent})})
    return encode([("places", places), ("districts", districts)])
