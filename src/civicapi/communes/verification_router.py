"""HTTP routes of resident verification (the use cases live in ``civicapi.identity.verification``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Path, Query, Request, Response, status

from civicapi.communes.dependencies import Caller, CallerDep, CurrentCommune, RegistryDep, require
from civicapi.communes.models import Commune
from civicapi.core.deps import SessionDep, SettingsDep
from civicapi.core.errors import InvalidInput, Unauthorized, problem_responses
from civicapi.core.pagination import Order, Page, PageParams, by_name, memory_page, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.identity.dependencies import RateLimiterDep
from civicapi.identity.models import User
from civicapi.identity.verification import census, service
from civicapi.identity.verification.dependencies import IdentityHasherDep
from civicapi.identity.verification.errors import UnsupportedMediaType
from civicapi.identity.verification.handlers import available_handlers, handler_names
from civicapi.identity.verification.requirements import (
    ActionRequirement,
    RequirementConditions,
    RequirementResult,
    check_requirements,
)
from civicapi.identity.verification.schemas import (
    CensusUploadRead,
    CensusVerificationCreate,
    DeskVerificationCreate,
    VerificationHandlerRead,
    VerificationRead,
)

router = GuardedRouter(prefix="/v1/communes/{commune}", tags=["verification"])

ManageCensus = Annotated[Caller, Depends(require(service.CENSUS_MANAGE_PERMISSION))]
DeskStaff = Annotated[Caller, Depends(require(service.DESK_PERMISSION))]
VerificationId = Annotated[uuid.UUID, Path(description="The verification's id.")]
CSV_BODY = {
    "requestBody": {
        "required": True,
        "description": "UTF-8 CSV with a header line: `identifier,birth_date,district,postal_code` "
        "(`birth_date` as YYYY-MM-DD; `,` or `;` as delimiter; district and postal_code optional).",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


def _user(caller: Caller) -> User:
    if caller.user is None:
        raise Unauthorized("authentication required")
    return caller.user


def _today(commune: Commune) -> date:
    return datetime.now(ZoneInfo(commune.timezone)).date()


def _created(response: Response, commune: Commune, verification_id: uuid.UUID) -> None:
    response.headers["Location"] = f"/v1/communes/{commune.slug}/verifications/{verification_id}"


@router.get(
    "/verification-handlers",
    operation_id="verification_handlers_list",
    summary="Ways residents can be verified in this commune",
    responses=problem_responses(404),
)
async def list_handlers(
    commune: CurrentCommune,
    registry: RegistryDep,
    page: Annotated[PageParams, Depends(sorted_by("name", default="name"))],
    request: Request,
    response: Response,
) -> Page[VerificationHandlerRead]:
    items = [
        VerificationHandlerRead(
            name=h.handler.name,
            title=dict(h.handler.title),
            description=dict(h.handler.description),
            module=h.module,
        )
        for h in available_handlers(registry)
    ]
    return memory_page(request, response, items, page, by_name("name"))


@router.put(
    "/census",
    operation_id="verification_census_replace",
    summary="Replace the commune's census (CSV, all or nothing; stored hashed)",
    openapi_extra=CSV_BODY,
    responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
)
async def replace_census(
    request: Request, caller: ManageCensus, session: SessionDep, hasher: IdentityHasherDep
) -> CensusUploadRead:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "text/csv":
        raise UnsupportedMediaType("send the census as text/csv", accepted=["text/csv"])
    result = await census.replace_census(
        session,
        hasher,
        commune_id=caller.commune.id,
        data=await request.body(),
        today=_today(caller.commune),
    )
    return CensusUploadRead(entries=result.entries, previous_entries=result.previous_entries)


@router.post(
    "/verifications/census",
    operation_id="verification_census_verify",
    summary="Verify my account against the census (identifier and birth date)",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422, 429),  # 403: email not confirmed
)
async def verify_with_census(
    body: CensusVerificationCreate,
    caller: CallerDep,
    session: SessionDep,
    hasher: IdentityHasherDep,
    response: Response,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> VerificationRead:
    user = _user(caller)
    # Attempts are counted per person and per identifier: a birth date is only ~36,500 guesses, and
    # several accounts could share the guessing of one identifier.
    limit = settings.rate_limit_verification
    await limiter.hit("verification", limit, str(caller.commune.id), str(user.id))
    await limiter.hit("verification", limit, hasher.identity_key(caller.commune.id, body.identifier))
    verification = await census.verify_with_census(
        session,
        hasher,
        commune_id=caller.commune.id,
        user_id=user.id,
        identifier=body.identifier,
        birth_date=body.birth_date,
    )
    _created(response, caller.commune, verification.id)
    return service.to_read(verification)


@router.post(
    "/verifications/desk",
    operation_id="verification_desk_verify",
    summary="Verify a person in person, at the desk (staff)",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def verify_at_desk(
    body: DeskVerificationCreate,
    caller: DeskStaff,
    session: SessionDep,
    hasher: IdentityHasherDep,
    response: Response,
) -> VerificationRead:
    verification = await service.verify_at_desk(
        session, hasher, commune_id=caller.commune.id, staff_user_id=_user(caller).id, data=body
    )
    _created(response, caller.commune, verification.id)
    return service.to_read(verification)


@router.get(
    "/verifications/{verification_id}",
    operation_id="verification_get",
    summary="One verification (its owner or an administrator)",
    responses=problem_responses(401, 403, 404),
)
async def get_verification(
    verification_id: VerificationId, caller: CallerDep, session: SessionDep
) -> VerificationRead:
    verification = await service.get_verification(
        session,
        commune_id=caller.commune.id,
        verification_id=verification_id,
        user_id=_user(caller).id,
        may_manage=caller.can(service.CENSUS_MANAGE_PERMISSION),
    )
    return service.to_read(verification)


@router.delete(
    "/verifications/{verification_id}",
    operation_id="verification_revoke",
    summary="Revoke a verification (its owner or an administrator)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def revoke_verification(
    verification_id: VerificationId, caller: CallerDep, session: SessionDep
) -> None:
    user = _user(caller)
    verification = await service.get_verification(
        session,
        commune_id=caller.commune.id,
        verification_id=verification_id,
        user_id=user.id,
        may_manage=caller.can(service.CENSUS_MANAGE_PERMISSION),
    )
    await service.revoke_verification(session, verification, by_user_id=user.id)


@router.get(
    "/me/verifications",
    operation_id="verification_mine",
    summary="My verifications in this commune",
    responses=problem_responses(401, 404),
)
async def my_verifications(
    caller: CallerDep,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("granted_at", default="granted_at"))],
    request: Request,
    response: Response,
) -> Page[VerificationRead]:
    rows = await service.list_user_verifications(
        session, commune_id=caller.commune.id, user_id=_user(caller).id
    )
    return memory_page(
        request,
        response,
        [service.to_read(v) for v in rows],
        page,
        Order("granted_at", lambda v: (v.granted_at, v.id), (datetime, uuid.UUID)),
    )


def _csv_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


@router.get(
    "/me/authorization",
    operation_id="verification_authorization",
    summary="Would I meet this requirement? (front-ends test an action's requirement)",
    responses=problem_responses(404, 422),
)
async def my_authorization(
    caller: CallerDep,
    session: SessionDep,
    registry: RegistryDep,
    handler: Annotated[str, Query(max_length=64, description="Handler name, e.g. `census`.")],
    districts: Annotated[str | None, Query(max_length=2000, description="Comma-separated.")] = None,
    postal_codes: Annotated[str | None, Query(max_length=2000, description="Comma-separated.")] = None,
    min_age: Annotated[int | None, Query(ge=0, le=150)] = None,
    max_age: Annotated[int | None, Query(ge=0, le=150)] = None,
) -> RequirementResult:
    if handler not in handler_names(registry):
        raise InvalidInput(
            f"no verification handler {handler!r}",
            errors=[
                {"location": ["query", "handler"], "message": "unknown handler", "code": "unknown_handler"}
            ],
        )
    requirement = ActionRequirement(
        handler=handler,
        conditions=RequirementConditions(
            districts=_csv_list(districts),
            postal_codes=_csv_list(postal_codes),
            min_age=min_age,
            max_age=max_age,
        ),
    )
    return await check_requirements(
        session,
        commune_id=caller.commune.id,
        user_id=caller.user.id if caller.user else None,
        requirements=[requirement],
        today=_today(caller.commune),
    )
