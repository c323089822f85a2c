from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from civicapi.communes.models import Commune
from civicapi.communes.repository import module_enabled_clause
from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.core.pagination import PageParams, keyset_page
from civicapi.spaces.models import Component, ParticipatoryProcess, Phase


class ProcessRepository(CommuneScopedRepository[ParticipatoryProcess]):
    model = ParticipatoryProcess
    resource_name = "process"

    def visible_statement(self, *, include_unpublished: bool) -> Select[ParticipatoryProcess]:
        stmt = self.base_statement().options(selectinload(ParticipatoryProcess.phases))
        if not include_unpublished:
            stmt = stmt.where(ParticipatoryProcess.published_at.is_not(None))
        return stmt

    async def get_visible(self, id: uuid.UUID, *, include_unpublished: bool) -> ParticipatoryProcess | None:
        """The process with its phases loaded, or None when absent, another commune's or unpublished."""
        stmt = self.visible_statement(include_unpublished=include_unpublished)
        return await self.first(stmt.where(ParticipatoryProcess.id == id))

    async def by_slug(self, slug: str) -> ParticipatoryProcess | None:
        """A process of the commune, published or not, with its phases."""
        stmt = self.base_statement().options(selectinload(ParticipatoryProcess.phases))
        return await self.first(stmt.where(ParticipatoryProcess.slug == slug))

    async def slug_taken(self, slug: str, *, exclude: uuid.UUID | None = None) -> bool:
        stmt = self.base_statement().where(ParticipatoryProcess.slug == slug)
        if exclude is not None:
            stmt = stmt.where(ParticipatoryProcess.id != exclude)
        return await self.first(stmt) is not None

    async def page(
        self, params: PageParams, *, include_unpublished: bool, published: bool | None = None
    ) -> tuple[list[ParticipatoryProcess], str | None]:
        stmt = self.visible_statement(include_unpublished=include_unpublished)
        if published is True:
            stmt = stmt.where(ParticipatoryProcess.published_at.is_not(None))
        elif published is False:
            stmt = stmt.where(ParticipatoryProcess.published_at.is_(None))
        return await keyset_page(
            self.session,
            stmt,
            params=params,
            sorts={
                "created_at": ParticipatoryProcess.created_at,
                "updated_at": ParticipatoryProcess.updated_at,
                "slug": ParticipatoryProcess.slug,
            },
            default_sort="-created_at",
            id_column=ParticipatoryProcess.id,
        )


class PhaseRepository(CommuneScopedRepository[Phase]):
    model = Phase
    resource_name = "phase"

    async def page(self, process_id: uuid.UUID, params: PageParams) -> tuple[list[Phase], str | None]:
        return await keyset_page(
            self.session,
            self.base_statement().where(Phase.process_id == process_id),
            params=params,
            sorts={"position": Phase.position, "created_at": Phase.created_at},
            default_sort="position",
            id_column=Phase.id,
        )

    async def next_position(self, process_id: uuid.UUID) -> int:
        return await _next_position(self, Phase.position, Phase.process_id, process_id)


class ComponentRepository(CommuneScopedRepository[Component]):
    model = Component
    resource_name = "component"

    def visible_statement(
        self, *, include_hidden: bool, visible_modules: Collection[str]
    ) -> Select[Component]:
        """Components as a caller may see them. Without ``include_hidden``: published components of
        published processes, of modules in ``visible_modules`` (installed and enabled by the commune)."""
        stmt = self.base_statement()
        if not include_hidden:
            stmt = (
                stmt.join(ParticipatoryProcess, Component.process_id == ParticipatoryProcess.id)
                .where(Component.published_at.is_not(None), ParticipatoryProcess.published_at.is_not(None))
                .where(Component.module_key.in_(list(visible_modules)))
            )
        return stmt

    async def get_visible(
        self,
        id: uuid.UUID,
        *,
        include_hidden: bool,
        visible_modules: Collection[str],
        process_id: uuid.UUID | None = None,
        module_key: str | None = None,
        with_process: bool = False,
    ) -> Component | None:
        stmt = self.visible_statement(include_hidden=include_hidden, visible_modules=visible_modules)
        stmt = stmt.where(Component.id == id)
        if process_id is not None:
            stmt = stmt.where(Component.process_id == process_id)
        if module_key is not None:
            stmt = stmt.where(Component.module_key == module_key)
        if with_process:
            # One round trip for the component, its process and the phases (every module route needs them).
            stmt = stmt.options(joinedload(Component.process).joinedload(ParticipatoryProcess.phases))
            return (await self.session.execute(stmt)).unique().scalar_one_or_none()
        return await self.first(stmt)

    async def page(
        self,
        process_id: uuid.UUID,
        params: PageParams,
        *,
        include_hidden: bool,
        visible_modules: Collection[str],
        module_key: str | None = None,
        published: bool | None = None,
    ) -> tuple[list[Component], str | None]:
        stmt = self.visible_statement(include_hidden=include_hidden, visible_modules=visible_modules)
        stmt = stmt.where(Component.process_id == process_id)
        if module_key is not None:
            stmt = stmt.where(Component.module_key == module_key)
        if published is True:
            stmt = stmt.where(Component.published_at.is_not(None))
        elif published is False:
            stmt = stmt.where(Component.published_at.is_(None))
        return await keyset_page(
            self.session,
            stmt,
            params=params,
            sorts={"position": Component.position, "created_at": Component.created_at},
            default_sort="position",
            id_column=Component.id,
        )

    async def of_process(self, process_id: uuid.UUID) -> list[Component]:
        return await self.all(
            self.base_statement()
            .where(Component.process_id == process_id)
            .order_by(Component.position, Component.id)
        )

    async def next_position(self, process_id: uuid.UUID) -> int:
        return await _next_position(self, Component.position, Component.process_id, process_id)


async def _next_position(
    repo: CommuneScopedRepository[Any], position: Any, parent: Any, parent_id: uuid.UUID
) -> int:
    """After the last position among the process's phases (or components). The process row is locked
    first, so that two requests adding to one process at the same time take turns instead of both reading
    the same maximum (PostgreSQL; SQLite writers are serialised already)."""
    await repo.session.execute(
        select(ParticipatoryProcess.id).where(ParticipatoryProcess.id == parent_id).with_for_update()
    )
    stmt = select(func.max(position)).where(repo.model.commune_id == repo.commune_id, parent == parent_id)
    current = (await repo.session.execute(stmt)).scalar_one_or_none()
    return 0 if current is None else int(current) + 1


# --- resources in components, a page of ids at a time (the resource types' hooks) ---------------------


def visible_component_ids(
    commune_id: uuid.UUID, module_key: str, *, include_hidden: bool
) -> Select[uuid.UUID]:
    """The ids of ``module_key``'s components that a caller may see, as a subquery: the module enabled by
    the commune (else its routes answer 404 to everyone), the component and its process published unless
    ``include_hidden`` (the caller holds ``spaces.preview``). The rule of ``component_dependency``."""
    stmt = select(Component.id).where(
        Component.commune_id == commune_id,
        Component.module_key == module_key,
        module_enabled_clause(commune_id, module_key),
    )
    if not include_hidden:
        stmt = stmt.join(ParticipatoryProcess, Component.process_id == ParticipatoryProcess.id).where(
            Component.published_at.is_not(None), ParticipatoryProcess.published_at.is_not(None)
        )
    return stmt


async def visible_in_components(
    session: AsyncSession,
    model: Any,
    commune_id: uuid.UUID,
    module_key: str,
    ids: Collection[uuid.UUID],
    *,
    include_hidden: bool,
    where: Sequence[ColumnElement[bool]] = (),
) -> set[uuid.UUID]:
    """Which of ``ids`` are rows of ``model`` (commune-scoped, with a ``component_id``) in the commune, in a
    component the caller may see (:func:`visible_component_ids`), meeting the module's own ``where``: one
    statement, whatever the number of ids."""
    if not ids:
        return set()
    stmt = select(model.id).where(
        model.commune_id == commune_id,
        model.id.in_(list(ids)),
        model.component_id.in_(visible_component_ids(commune_id, module_key, include_hidden=include_hidden)),
        *where,
    )
    return set((await session.execute(stmt)).scalars())


async def rows_with_slug(
    session: AsyncSession, model: Any, commune_id: uuid.UUID, ids: Collection[uuid.UUID], *columns: Any
) -> Sequence[Row[Any]]:
    """``(id, slug, default_locale, *columns)`` (the commune's slug and locale) of the rows of ``model`` among ``ids`` in the commune (what a
    resource type's ``describe`` needs to build paths): one statement, whatever the number of ids."""
    if not ids:
        return []
    stmt = (
        select(model.id, Commune.slug, Commune.default_locale, *columns)
        .join(Commune, Commune.id == model.commune_id)
        .where(model.commune_id == commune_id, model.id.in_(list(ids)))
    )
    return (await session.execute(stmt)).all()
