"""Integrator API keys of a commune: created by its admins, shown once, revocable."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request, Response, status

from civicapi.communes.dependencies import Caller, RegistryDep, require
from civicapi.core import audit
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.links import ResourceRef
from civicapi.core.pagination import BY_CREATED, Page, PageParams, in_order, memory_page
from civicapi.core.routing import GuardedRouter
from civicapi.identity import api_keys
from civicapi.identity.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead

router = GuardedRouter(tags=["api-keys"])

ManageKeys = Annotated[Caller, Depends(require("commune.api_keys.manage"))]


@router.post(
    "/v1/communes/{commune}/api-keys",
    operation_id="api_keys_create",
    summary="Create an API key for an integrator; the key is in this answer only",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 422),
)
async def create_key(
    body: ApiKeyCreate, caller: ManageKeys, session: SessionDep, registry: RegistryDep, response: Response
) -> ApiKeyCreated:
    key, plaintext = await api_keys.create_api_key(
        session,
        commune_id=caller.commune.id,
        name=body.name,
        scopes=body.scopes,
        module_keys=registry.keys,
        created_by=caller.user.id if caller.user else None,
    )
    audit.record(
        session,
        commune_id=caller.commune.id,
        action="communes.api_key.create",
        resource=ResourceRef("communes", "api_key", key.id),
        changes={"name": [None, key.name], "scopes": [None, key.scopes]},
    )
    response.headers["Location"] = f"/v1/communes/{caller.commune.slug}/api-keys/{key.id}"
    return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), key=plaintext)


@router.get(
    "/v1/communes/{commune}/api-keys",
    operation_id="api_keys_list",
    summary="The commune's API keys (never the keys themselves)",
    responses=problem_responses(401, 403, 404),
)
async def list_keys(
    caller: ManageKeys,
    session: SessionDep,
    page: Annotated[PageParams, Depends(in_order(BY_CREATED))],
    request: Request,
    response: Response,
) -> Page[ApiKeyRead]:
    items = [ApiKeyRead.model_validate(k) for k in await api_keys.list_api_keys(session, caller.commune.id)]
    return memory_page(request, response, items, page, BY_CREATED)


@router.delete(
    "/v1/communes/{commune}/api-keys/{api_key_id}",
    operation_id="api_keys_revoke",
    summary="Revoke an API key (it stops working at once)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def revoke_key(api_key_id: uuid.UUID, caller: ManageKeys, session: SessionDep) -> None:
    key = await api_keys.revoke_api_key(session, caller.commune.id, api_key_id)
    audit.record(
        session,
        commune_id=caller.commune.id,
        action="communes.api_key.revoke",
        resource=ResourceRef("communes", "api_key", key.id),
    )
