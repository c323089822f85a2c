"""What modules share when writing the index (:func:`write_place`: a resource with a point is put, one
without is removed) and rebuilding it from the modules (:func:`reindex`, ``civicapi places reindex``).

A module's resource types offer their points through the optional ``places`` hook of the module contract
(``registry.resources.PlacesHook``); this capability never imports a module, it walks the registry."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.repository import CommuneRepository
from civicapi.places import repository_reindex as repo
from civicapi.places.service_index import Located, PlaceFacts, PlaceRef, put_place, remove_place
from civicapi.registry import CivicModule
from civicapi.registry.resources import PlacesHook

MAX_LATITUDE = 85.05
"""Web Mercator stops near 85.06°: a point further north or south is not on any map, so not indexed."""


def mappable(latitude: float | None, longitude: float | None) -> bool:
    """A point the index can hold: both coordinates, inside Web Mercator's latitudes."""
    return latitude is not None and longitude is not None and abs(latitude) <= MAX_LATITUDE


async def write_place(session: AsyncSession, ref: PlaceRef, facts: PlaceFacts | None) -> Located | None:
    """Put the resource's place (``facts``), or remove it when it has none (``None``: no point, or one no
    map shows). Answers the districts its point falls in, None when removed."""
    if facts is None or not mappable(facts.latitude, facts.longitude):
        await remove_place(session, ref)
        return None
    return await put_place(session, ref, facts)


def row_facts(row: Any, **facts: Any) -> PlaceFacts | None:
    """The facts of a module's row that carry them under the usual names (``latitude``, ``longitude``,
    ``component_id``, a multilingual ``title``, ``address``, ``category``), with the module's own ``facts``
    (status, published, date, figures); None when it has no point."""
    if row.latitude is None or row.longitude is None:
        return None
    return PlaceFacts(
        latitude=row.latitude,
        longitude=row.longitude,
        component_id=row.component_id,
        title=dict(row.title),
        address=row.address,
        category=row.category,
        **facts,
    )


def district_to_adopt(located: Located | None, allowed: Sequence[str] = ()) -> str | None:
    """The district code a resource written without one adopts from its point: the district the point falls
    in, when the module's component allows it (``allowed``: its list of districts; empty: any)."""
    code = located.district if located is not None else None
    return code if code is not None and (not allowed or code in allowed) else None


async def remove_places(
    session: AsyncSession, commune_id: uuid.UUID, module: str, resource_type: str, ids: Collection[uuid.UUID]
) -> None:
    """Many resources of one type lost their place at once (their parent deleted with them)."""
    await repo.remove_ids(session, commune_id, module, resource_type, ids)


async def set_figures(session: AsyncSession, ref: PlaceRef, figures: dict[str, Any]) -> None:
    """Only the figures of an indexed resource changed (a proposal's supports): one statement, no district
    computed; nothing when the resource has no place."""
    await repo.set_figures(session, ref, figures)


PlacesOf = Callable[[AsyncSession, Sequence[Any]], Awaitable[Sequence[tuple[PlaceRef, PlaceFacts | None]]]]
"""(session, a page of a module's rows) -> their places: for a module whose places need more than the row
(e.g. its status's key), read once per page."""


def places_hook(
    model: Any,
    place_of: Callable[[Any], tuple[PlaceRef, PlaceFacts | None]] | None = None,
    *,
    places_of: PlacesOf | None = None,
    batch: int = 500,
) -> PlacesHook:
    """The ``places`` hook of a module's resource type (see ``registry.resources.PlacesHook``) whose rows
    (``model``: ``id``, ``commune_id``, ``latitude``, ``longitude``) carry their point: pages of ``batch``
    rows by id, each turned into its place by ``place_of`` (what the module writes on every change), or
    the whole page by ``places_of``."""
    assert (place_of is None) != (places_of is None), "give place_of or places_of"

    async def each(_session: AsyncSession, rows: Sequence[Any]) -> list[tuple[PlaceRef, PlaceFacts | None]]:
        assert place_of is not None
        return [place_of(row) for row in rows]

    of_page: PlacesOf = places_of if places_of is not None else each

    async def places(
        session: AsyncSession, commune_id: uuid.UUID
    ) -> AsyncIterator[Sequence[tuple[PlaceRef, PlaceFacts | None]]]:
        after: uuid.UUID | None = None
        while rows := await repo.rows_with_point(session, model, commune_id, after=after, limit=batch):
            yield await of_page(session, rows)
            after = rows[-1].id
            if len(rows) < batch:
                return

    return places


async def communes_to_reindex(session: AsyncSession, slug: str | None) -> list[tuple[uuid.UUID, str]]:
    """(id, slug) of the commune ``slug`` (none when unknown), or of every commune."""
    repo = CommuneRepository(session)
    if slug is not None:
        commune = await repo.by_slug(slug)
        return [] if commune is None else [(commune.id, commune.slug)]
    return sorted(((c.id, c.slug) for c in await repo.all(repo.base_statement())), key=lambda c: c[1])


@dataclass(frozen=True, slots=True)
class Reindexed:
    """What a rebuild did for one resource type of one commune."""

    module: str
    resource_type: str
    written: int
    removed: int


async def reindex(
    session: AsyncSession, modules: Iterable[CivicModule], commune_id: uuid.UUID
) -> list[Reindexed]:
    """Rebuild the commune's index from every loaded module's resource types that have a ``places`` hook:
    each place they list is written again (districts recomputed), and the rows of those types that no
    resource backs any more are removed. Rows of modules not loaded are left as they are."""
    done: list[Reindexed] = []
    for module in modules:
        key = module.key
        for rtype in module.resource_types:
            if rtype.places is None:
                continue
            stale = await repo.indexed_ids(session, commune_id, key, rtype.name)
            written = 0
            async for batch in rtype.places(session, commune_id):
                for ref, facts in batch:
                    if facts is not None and mappable(facts.latitude, facts.longitude):
                        await put_place(session, ref, facts, bounded=False)  # stored: never refused
                        written += 1
                        stale.discard(ref.resource_id)
            await repo.remove_ids(session, commune_id, key, rtype.name, stale)
            done.append(Reindexed(key, rtype.name, written, len(stale)))
    return done
