"""HTTP only: parse, call a service, shape the response. Path resources come validated from dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response, status

from civicapi.communes.dependencies import Caller, CallerDep, RegistryDep
from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.etag import check_if_match, etag_for
from civicapi.core.pagination import Page, PageParams, set_link_header, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.registry import ModuleRegistry
from civicapi.spaces import service, service_components
from civicapi.spaces.dependencies import (
    CurrentComponent,
    CurrentPhase,
    CurrentProcess,
    ManageSpaces,
    can_preview,
)
from civicapi.spaces.models import Component, ParticipatoryProcess
from civicapi.spaces.schemas import (
    ActivePhaseUpdate,
    ComponentCreate,
    ComponentRead,
    ComponentUpdate,
    PhaseCreate,
    PhaseRead,
    PhaseUpdate,
    ProcessCreate,
    ProcessRead,
    ProcessUpdate,
)

router = GuardedRouter(tags=["spaces"])

PROCESSES = "/v1/communes/{commune}/processes"
PROCESS = PROCESSES + "/{process_id}"
PHASE = PROCESS + "/phases/{phase_id}"
COMPONENTS = PROCESS + "/components"
COMPONENT = COMPONENTS + "/{component_id}"

IfMatch = Annotated[str | None, Header(description="ETag from a previous read; a stale one gets 412.")]
PublishedFilter = Annotated[
    bool | None,
    Query(description="Only published (true) or only draft (false) items; drafts need `spaces.preview`."),
]


def _process(process: ParticipatoryProcess, caller: Caller, response: Response) -> ProcessRead:
    response.headers["ETag"] = etag_for(process.id, process.updated_at)
    return service.process_read(process, today=service.today_in(caller.commune.timezone))


def _component(
    component: Component,
    process: ParticipatoryProcess,
    caller: Caller,
    registry: ModuleRegistry,
    response: Response,
) -> ComponentRead:
    response.headers["ETag"] = etag_for(component.id, component.updated_at)
    phase = service.current_phase(process, caller.commune.timezone)
    return service.component_read(component, phase=phase, module=registry.get(component.module_key))


# --- processes -------------------------------------------------------------------------------------------


@router.get(
    PROCESSES,
    operation_id="spaces_processes_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="List participatory processes",
    responses=problem_responses(404, 422),
)
async def list_processes(
    request: Request,
    response: Response,
    caller: CallerDep,
    session: SessionDep,
    page: Annotated[
        PageParams, Depends(sorted_by("created_at", "updated_at", "slug", default="-created_at"))
    ],
    published: PublishedFilter = None,
) -> Page[ProcessRead]:
    rows, cursor = await service.list_processes(
        session, caller.commune, page, include_unpublished=can_preview(caller), published=published
    )
    set_link_header(request, response, cursor)
    today = service.today_in(caller.commune.timezone)
    return Page(items=[service.process_read(p, today=today) for p in rows], next_cursor=cursor)


@router.post(
    PROCESSES,
    operation_id="spaces_processes_create",
    summary="Create a process (as a draft)",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_process(
    body: ProcessCreate, caller: ManageSpaces, session: SessionDep, response: Response
) -> ProcessRead:
    process = await service.create_process(session, caller.commune, body)
    response.headers["Location"] = f"/v1/communes/{caller.commune.slug}/processes/{process.id}"
    return _process(process, caller, response)


@router.get(
    PROCESS,
    operation_id="spaces_processes_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="One process, with its phases",
    responses=problem_responses(404),
)
async def get_process(process: CurrentProcess, caller: CallerDep, response: Response) -> ProcessRead:
    return _process(process, caller, response)


@router.patch(
    PROCESS,
    operation_id="spaces_processes_update",
    summary="Edit a process (applies only the fields sent)",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update_process(
    body: ProcessUpdate,
    caller: ManageSpaces,
    process: CurrentProcess,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ProcessRead:
    await check_if_match(session, process, if_match)
    process = await service.update_process(session, caller.commune, process, body)
    return _process(process, caller, response)


@router.delete(
    PROCESS,
    operation_id="spaces_processes_delete",
    summary="Delete a process with its phases and components",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def delete_process(_caller: ManageSpaces, process: CurrentProcess, session: SessionDep) -> None:
    await service.delete_process(session, process)


@router.post(
    PROCESS + "/publish",
    operation_id="spaces_processes_publish",
    summary="Publish a process: the public sees it and its published components",
    responses=problem_responses(401, 403, 404),
)
async def publish_process(
    caller: ManageSpaces, process: CurrentProcess, session: SessionDep, response: Response
) -> ProcessRead:
    await service.set_published(session, process, True)
    return _process(process, caller, response)


@router.post(
    PROCESS + "/unpublish",
    operation_id="spaces_processes_unpublish",
    summary="Unpublish a process: back to a draft, hidden with its components",
    responses=problem_responses(401, 403, 404),
)
async def unpublish_process(
    caller: ManageSpaces, process: CurrentProcess, session: SessionDep, response: Response
) -> ProcessRead:
    await service.set_published(session, process, False)
    return _process(process, caller, response)


@router.put(
    PROCESS + "/active-phase",
    operation_id="spaces_processes_active_phase_set",
    summary="Pin the active phase, or null to let the phases' dates decide",
    responses=problem_responses(401, 403, 404, 422),
)
async def set_active_phase(
    body: ActivePhaseUpdate,
    caller: ManageSpaces,
    process: CurrentProcess,
    session: SessionDep,
    response: Response,
) -> ProcessRead:
    process = await service.set_active_phase(session, process, body.phase_id)
    return _process(process, caller, response)


# --- phases ----------------------------------------------------------------------------------------------


@router.get(
    PROCESS + "/phases",
    operation_id="spaces_phases_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="Phases of a process, by position",
    responses=problem_responses(404, 422),
)
async def list_phases(
    request: Request,
    response: Response,
    caller: CallerDep,
    process: CurrentProcess,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("position", "created_at", default="position"))],
) -> Page[PhaseRead]:
    rows, cursor = await service.list_phases(session, caller.commune, process, page)
    set_link_header(request, response, cursor)
    return Page(items=[PhaseRead.model_validate(p) for p in rows], next_cursor=cursor)


@router.post(
    PROCESS + "/phases",
    operation_id="spaces_phases_create",
    summary="Add a phase to a process",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 422),
)
async def create_phase(
    body: PhaseCreate, caller: ManageSpaces, process: CurrentProcess, session: SessionDep, response: Response
) -> PhaseRead:
    phase = await service.create_phase(session, caller.commune, process, body)
    response.headers["Location"] = (
        f"/v1/communes/{caller.commune.slug}/processes/{process.id}/phases/{phase.id}"
    )
    response.headers["ETag"] = etag_for(phase.id, phase.updated_at)
    return PhaseRead.model_validate(phase)


@router.get(
    PHASE,
    operation_id="spaces_phases_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="One phase",
    responses=problem_responses(404),
)
async def get_phase(phase: CurrentPhase, response: Response) -> PhaseRead:
    response.headers["ETag"] = etag_for(phase.id, phase.updated_at)
    return PhaseRead.model_validate(phase)


@router.patch(
    PHASE,
    operation_id="spaces_phases_update",
    summary="Edit a phase (applies only the fields sent)",
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def update_phase(
    body: PhaseUpdate,
    caller: ManageSpaces,
    process: CurrentProcess,
    phase: CurrentPhase,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> PhaseRead:
    await check_if_match(session, phase, if_match)
    phase = await service.update_phase(session, caller.commune, process, phase, body)
    response.headers["ETag"] = etag_for(phase.id, phase.updated_at)
    return PhaseRead.model_validate(phase)


@router.delete(
    PHASE,
    operation_id="spaces_phases_delete",
    summary="Delete a phase (and the step settings components kept for it)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def delete_phase(
    caller: ManageSpaces, process: CurrentProcess, phase: CurrentPhase, session: SessionDep
) -> None:
    await service.delete_phase(session, caller.commune, process, phase)


# --- components ------------------------------------------------------------------------------------------


@router.get(
    COMPONENTS,
    operation_id="spaces_components_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="Components of a process, by position",
    responses=problem_responses(404, 422),
)
async def list_components(
    request: Request,
    response: Response,
    caller: CallerDep,
    process: CurrentProcess,
    session: SessionDep,
    registry: RegistryDep,
    page: Annotated[PageParams, Depends(sorted_by("position", "created_at", default="position"))],
    published: PublishedFilter = None,
    module_key: Annotated[
        str | None, Query(max_length=30, description="Only components of this module.")
    ] = None,
) -> Page[ComponentRead]:
    rows, cursor = await service_components.list_components(
        session,
        caller.commune,
        registry,
        process,
        page,
        include_hidden=can_preview(caller),
        module_key=module_key,
        published=published,
    )
    set_link_header(request, response, cursor)
    phase = service.current_phase(process, caller.commune.timezone)
    items = [service.component_read(c, phase=phase, module=registry.get(c.module_key)) for c in rows]
    return Page(items=items, next_cursor=cursor)


@router.post(
    COMPONENTS,
    operation_id="spaces_components_create",
    summary="Add a component (an instance of an enabled module) to a process, as a draft",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 422),
)
async def create_component(
    body: ComponentCreate,
    caller: ManageSpaces,
    process: CurrentProcess,
    session: SessionDep,
    registry: RegistryDep,
    response: Response,
) -> ComponentRead:
    component = await service_components.create_component(session, registry, caller.commune, process, body)
    response.headers["Location"] = (
        f"/v1/communes/{caller.commune.slug}/processes/{process.id}/components/{component.id}"
    )
    return _component(component, process, caller, registry, response)


@router.get(
    COMPONENT,
    operation_id="spaces_components_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="One component, with its effective settings",
    responses=problem_responses(404),
)
async def get_component(
    component: CurrentComponent,
    process: CurrentProcess,
    caller: CallerDep,
    registry: RegistryDep,
    response: Response,
) -> ComponentRead:
    return _component(component, process, caller, registry, response)


@router.patch(
    COMPONENT,
    operation_id="spaces_components_update",
    summary="Edit a component (applies only the fields sent)",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update_component(
    body: ComponentUpdate,
    caller: ManageSpaces,
    process: CurrentProcess,
    component: CurrentComponent,
    session: SessionDep,
    registry: RegistryDep,
    response: Response,
    if_match: IfMatch = None,
) -> ComponentRead:
    await check_if_match(session, component, if_match)
    component = await service_components.update_component(
        session, registry, caller.commune, process, component, body
    )
    return _component(component, process, caller, registry, response)


@router.delete(
    COMPONENT,
    operation_id="spaces_components_delete",
    summary="Delete a component",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def delete_component(_caller: ManageSpaces, component: CurrentComponent, session: SessionDep) -> None:
    await service_components.delete_component(session, component)


@router.post(
    COMPONENT + "/publish",
    operation_id="spaces_components_publish",
    summary="Publish a component (visible once its process is published too)",
    responses=problem_responses(401, 403, 404),
)
async def publish_component(
    caller: ManageSpaces,
    process: CurrentProcess,
    component: CurrentComponent,
    session: SessionDep,
    registry: RegistryDep,
    response: Response,
) -> ComponentRead:
    await service.set_published(session, component, True)
    return _component(component, process, caller, registry, response)


@router.post(
    COMPONENT + "/unpublish",
    operation_id="spaces_components_unpublish",
    summary="Unpublish a component: back to a draft",
    responses=problem_responses(401, 403, 404),
)
async def unpublish_component(
    caller: ManageSpaces,
    process: CurrentProcess,
    component: CurrentComponent,
    session: SessionDep,
    registry: RegistryDep,
    response: Response,
) -> ComponentRead:
    await service.set_published(session, component, False)
    return _component(component, process, caller, registry, response)
