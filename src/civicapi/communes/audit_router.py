"""The audit trail over HTTP: the admins' filtered list, and the public history of one resource."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response
from pydantic import AwareDatetime

from civicapi.communes import service
from civicapi.communes.audit_repository import AuditFilters
from civicapi.communes.audit_schemas import AuditEntryRead, PublicHistoryEntryRead
from civicapi.communes.dependencies import Caller, CurrentCommune, require
from civicapi.core.audit import ActorType, Visibility
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.links import ResourceRef
from civicapi.core.pagination import Page, PageParams, set_link_header, sorted_by
from civicapi.core.routing import GuardedRouter

router = GuardedRouter(tags=["audit"])

AUDIT_PERMISSION = "commune.audit.read"
ReadAudit = Annotated[Caller, Depends(require(AUDIT_PERMISSION))]

_NAME = r"^[a-z][a-z0-9_]{0,39}$"


async def audit_filters(
    action: Annotated[
        str | None, Query(max_length=80, description="Exact action, e.g. `spaces.process.publish`.")
    ] = None,
    resource_module: Annotated[
        str | None, Query(max_length=40, description="Layer or module, e.g. `spaces`.")
    ] = None,
    resource_type: Annotated[str | None, Query(max_length=40, description="e.g. `process`.")] = None,
    resource_id: Annotated[uuid.UUID | None, Query(description="One resource's id.")] = None,
    actor_id: Annotated[uuid.UUID | None, Query(description="Entries of one user or API key.")] = None,
    actor_type: Annotated[ActorType | None, Query(description="Kind of actor.")] = None,
    visibility: Annotated[Visibility | None, Query(description="`admin` or `public` entries only.")] = None,
    since: Annotated[
        AwareDatetime | None, Query(description="Entries at or after this time (ISO 8601 with offset).")
    ] = None,
    until: Annotated[
        AwareDatetime | None, Query(description="Entries before this time (ISO 8601 with offset).")
    ] = None,
) -> AuditFilters:
    return AuditFilters(
        action=action,
        resource_module=resource_module,
        resource_type=resource_type,
        resource_id=resource_id,
        actor_id=actor_id,
        actor_type=actor_type,
        visibility=visibility,
        since=since,
        until=until,
    )


AuditFiltersDep = Annotated[AuditFilters, Depends(audit_filters)]


@router.get(
    "/v1/communes/{commune}/audit",
    operation_id="audit_list",
    summary="The commune's audit trail: who changed what, and when (admins)",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_audit_entries(
    request: Request,
    response: Response,
    caller: ReadAudit,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("created_at", default="-created_at"))],
    filters: AuditFiltersDep,
) -> Page[AuditEntryRead]:
    rows, cursor = await service.list_audit_entries(session, caller.commune, page, filters)
    set_link_header(request, response, cursor)
    return Page(items=[AuditEntryRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get(
    "/v1/communes/{commune}/history/{resource_module}/{resource_type}/{resource_id}",
    operation_id="audit_history",
    summary="Public history of one resource, oldest first",
    responses=problem_responses(404, 422),
)
async def resource_history(
    request: Request,
    response: Response,
    commune: CurrentCommune,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("created_at", default="created_at"))],
    resource_module: Annotated[str, Path(pattern=_NAME, description="e.g. `spaces`.")],
    resource_type: Annotated[str, Path(pattern=_NAME, description="e.g. `process`.")],
    resource_id: Annotated[uuid.UUID, Path(description="The resource's id.")],
) -> Page[PublicHistoryEntryRead]:
    resource = ResourceRef(resource_module, resource_type, resource_id)
    rows, cursor = await service.public_history(session, commune, resource, page)
    set_link_header(request, response, cursor)
    return Page(items=[PublicHistoryEntryRead.model_validate(r) for r in rows], next_cursor=cursor)
