from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Request, Response, status

from civicapi.communes import service
from civicapi.communes.dependencies import Caller, CurrentCommune, RegistryDep, require
from civicapi.communes.schemas import (
    CommuneCreate,
    CommuneModuleEnable,
    CommuneModuleRead,
    CommuneRead,
    CommuneUpdate,
    EnabledModuleRead,
    MembershipCreate,
    MembershipRead,
    ModuleInfo,
)
from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.etag import check_if_match, etag_for
from civicapi.core.pagination import (
    BY_CREATED,
    Page,
    PageParams,
    by_name,
    in_order,
    memory_page,
    set_link_header,
    sorted_by,
)
from civicapi.core.routing import GuardedRouter
from civicapi.identity.dependencies import PlatformAdmin

router = GuardedRouter(tags=["communes"])

ManageCommune = Annotated[Caller, Depends(require("commune.manage"))]
ManageMembers = Annotated[Caller, Depends(require("commune.members.manage"))]
IfMatch = Annotated[str | None, Header(description="ETag from a previous read; a stale one gets 412.")]


def _module_row(row: object) -> CommuneModuleRead:
    return CommuneModuleRead(
        key=row.module_key,  # type: ignore[attr-defined]
        enabled=row.enabled,  # type: ignore[attr-defined]
        settings=row.settings,  # type: ignore[attr-defined]
        enabled_at=row.enabled_at,  # type: ignore[attr-defined]
        updated_at=row.updated_at,  # type: ignore[attr-defined]
    )


@router.get(
    "/v1/modules",
    operation_id="modules_catalog",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="Modules installed on this platform",
)
async def modules_catalog(
    registry: RegistryDep,
    page: Annotated[PageParams, Depends(sorted_by("key", default="key"))],
    request: Request,
    response: Response,
) -> Page[ModuleInfo]:
    items = [
        ModuleInfo(
            key=m.key,
            title=dict(m.title),
            description=dict(m.description),
            version=m.version,
            settings_schema=m.settings_schema.model_json_schema(),
            component_settings_schema=m.component_settings_schema.model_json_schema(),
            step_settings_schema=m.step_settings_schema.model_json_schema(),
            permissions=[p.name for p in m.permissions],
        )
        for m in registry
    ]
    return memory_page(request, response, items, page, by_name("key"))


@router.get(
    "/v1/communes",
    operation_id="communes_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="List communes",
    responses=problem_responses(422),
)
async def list_communes(
    request: Request,
    response: Response,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("slug", "created_at", "name", default="slug"))],
) -> Page[CommuneRead]:
    rows, cursor = await service.list_communes(session, page)
    set_link_header(request, response, cursor)
    return Page(items=[CommuneRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.post(
    "/v1/communes",
    operation_id="communes_create",
    summary="Create a commune (platform administrator)",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
)
async def create_commune(
    body: CommuneCreate, session: SessionDep, _admin: PlatformAdmin, response: Response
) -> CommuneRead:
    commune = await service.create_commune(session, body)
    response.headers["Location"] = f"/v1/communes/{commune.slug}"
    response.headers["ETag"] = etag_for(commune.id, commune.updated_at)
    return CommuneRead.model_validate(commune)


@router.get(
    "/v1/communes/{commune}",
    operation_id="communes_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="One commune",
    responses=problem_responses(404),
)
async def get_commune(commune: CurrentCommune, response: Response) -> CommuneRead:
    response.headers["ETag"] = etag_for(commune.id, commune.updated_at)
    return CommuneRead.model_validate(commune)


@router.patch(
    "/v1/communes/{commune}",
    operation_id="communes_update",
    summary="Edit a commune (applies only the fields sent)",
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def update_commune(
    body: CommuneUpdate,
    caller: ManageCommune,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> CommuneRead:
    commune = caller.commune
    await check_if_match(session, commune, if_match)
    commune = await service.update_commune(session, commune, body)
    response.headers["ETag"] = etag_for(commune.id, commune.updated_at)
    return CommuneRead.model_validate(commune)


@router.get(
    "/v1/communes/{commune}/modules",
    operation_id="communes_modules_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="Modules enabled for the commune (front-ends build their menus from it)",
    responses=problem_responses(404),
)
async def list_enabled_modules(
    commune: CurrentCommune,
    registry: RegistryDep,
    page: Annotated[PageParams, Depends(sorted_by("key", default="key"))],
    request: Request,
    response: Response,
) -> Page[EnabledModuleRead]:
    enabled = {m.module_key: m for m in commune.modules if m.enabled}
    items = [
        EnabledModuleRead(
            key=m.key,
            title=dict(m.title),
            description=dict(m.description),
            path=f"/v1/communes/{commune.slug}/{m.key}",
            enabled_at=enabled[m.key].enabled_at,
        )
        for m in registry
        if m.key in enabled
    ]
    return memory_page(request, response, items, page, by_name("key"))


@router.get(
    "/v1/communes/{commune}/modules/{key}",
    operation_id="communes_modules_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="A module's state and settings for the commune",
    responses=problem_responses(401, 403, 404),
)
async def get_module(
    key: str, caller: ManageCommune, session: SessionDep, registry: RegistryDep
) -> CommuneModuleRead:
    row = await service.get_commune_module(session, registry, caller.commune, key)
    return _module_row(row)


@router.put(
    "/v1/communes/{commune}/modules/{key}",
    operation_id="communes_modules_enable",
    summary="Enable a module for the commune, with its settings",
    responses=problem_responses(401, 403, 404, 422),
)
async def enable_module(
    key: str, body: CommuneModuleEnable, caller: ManageCommune, session: SessionDep, registry: RegistryDep
) -> CommuneModuleRead:
    row = await service.enable_module(session, registry, caller.commune, key, body.settings)
    return _module_row(row)


@router.delete(
    "/v1/communes/{commune}/modules/{key}",
    operation_id="communes_modules_disable",
    summary="Disable a module: its routes disappear for the commune, its data is kept",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def disable_module(key: str, caller: ManageCommune, session: SessionDep, registry: RegistryDep) -> None:
    await service.disable_module(session, registry, caller.commune, key)


@router.get(
    "/v1/communes/{commune}/members",
    operation_id="communes_members_list",
    summary="Roles held in the commune",
    responses=problem_responses(401, 403, 404),
)
async def list_members(
    caller: ManageMembers,
    session: SessionDep,
    page: Annotated[PageParams, Depends(in_order(BY_CREATED))],
    request: Request,
    response: Response,
) -> Page[MembershipRead]:
    items = [MembershipRead.model_validate(m) for m in await service.list_members(session, caller.commune)]
    return memory_page(request, response, items, page, BY_CREATED)


@router.post(
    "/v1/communes/{commune}/members",
    operation_id="communes_members_add",
    summary="Give a role to a person",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def add_member(body: MembershipCreate, caller: ManageMembers, session: SessionDep) -> MembershipRead:
    return MembershipRead.model_validate(await service.add_member(session, caller.commune, body))


@router.delete(
    "/v1/communes/{commune}/members/{membership_id}",
    operation_id="communes_members_remove",
    summary="Take a role away",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def remove_member(membership_id: uuid.UUID, caller: ManageMembers, session: SessionDep) -> None:
    await service.remove_member(session, caller.commune, membership_id)
