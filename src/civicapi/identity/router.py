from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response, status
from fastapi.responses import JSONResponse

from civicapi.core.deps import SessionDep, SettingsDep
from civicapi.core.errors import Unauthorized, problem_response, problem_responses
from civicapi.core.routing import GuardedRouter
from civicapi.core.security import TokenClaims
from civicapi.identity import service, tokens
from civicapi.identity.dependencies import (
    ClientAddress,
    CurrentUser,
    RateLimiterDep,
    TokenServiceDep,
    get_token_claims,
)
from civicapi.identity.schemas import (
    LogoutRequest,
    PasswordChange,
    PasswordForgot,
    PasswordReset,
    RefreshRequest,
    TokenOnly,
    TokenRead,
    TokenRequest,
    UserCreate,
    UserRead,
    UserUpdate,
)

router = GuardedRouter(tags=["identity"])


@router.post(
    "/v1/auth/register",
    operation_id="identity_register",
    summary="Create an account; a confirmation code is mailed",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, 422, 429),
)
async def register(
    body: UserCreate,
    client: ClientAddress,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> UserRead:
    await limiter.hit("register", settings.rate_limit_register, client)
    user = await service.register(
        session,
        settings,
        email=body.email,
        display_name=body.display_name,
        password=body.password,
        locale=body.locale,
    )
    response.headers["Location"] = "/v1/me"
    return UserRead.model_validate(user)


@router.post(
    "/v1/auth/confirm-email",
    operation_id="identity_confirm_email",
    summary="Confirm the email address with the mailed code",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(422),
)
async def confirm_email(body: TokenOnly, session: SessionDep) -> None:
    await service.confirm_email(session, body.token)


@router.post(
    "/v1/auth/token",
    operation_id="identity_login",
    summary="Log in with email and password",
    responses=problem_responses(401, 422, 429),
)
async def login(
    body: TokenRequest,
    client: ClientAddress,
    session: SessionDep,
    access: TokenServiceDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenRead:
    email = service.normalize_email(body.email)
    # Per address and account; per address across accounts (spraying); per account across addresses.
    await limiter.hit("login", settings.rate_limit_login, client, email)
    await limiter.hit("login_address", settings.rate_limit_login_ip, client)
    await limiter.hit("login_account", settings.rate_limit_login_account, email)
    user = await service.authenticate(session, email=body.email, password=body.password)
    pair = await service.start_session(session, settings, access, user)
    return TokenRead(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@router.post(
    "/v1/auth/refresh",
    operation_id="identity_refresh",
    summary="Exchange a refresh token for a new pair (the old one stops working)",
    response_model=TokenRead,
    responses=problem_responses(401, 422),
)
async def refresh(
    body: RefreshRequest,
    request: Request,
    session: SessionDep,
    access: TokenServiceDep,
    settings: SettingsDep,
) -> TokenRead | JSONResponse:
    result = await service.refresh_session(session, settings, access, body.refresh_token)
    if isinstance(result, service.TokenPair):
        return TokenRead(
            access_token=result.access_token, refresh_token=result.refresh_token, expires_in=result.expires_in
        )
    # Answer 401 without raising, so that the revocation of a reused token's family is committed.
    problem = Unauthorized(result.failure, reason="refresh_token_reused" if result.reuse_detected else None)
    return problem_response(request, problem.to_problem(request.url.path), problem.headers)


@router.post(
    "/v1/auth/logout",
    operation_id="identity_logout",
    summary="Revoke this access token and the refresh token's whole family",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 422),
)
async def logout(
    body: LogoutRequest,
    user: CurrentUser,
    session: SessionDep,
    claims: Annotated[TokenClaims | None, Depends(get_token_claims)],
) -> None:
    if claims is not None:
        await tokens.revoke_access_token(session, claims)
    if body.refresh_token:
        await tokens.revoke_refresh_token(session, body.refresh_token, user_id=user.id)


@router.post(
    "/v1/auth/password/forgot",
    operation_id="identity_password_forgot",
    summary="Mail a password-reset code (same answer whether the account exists or not)",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(422, 429),
)
async def password_forgot(
    body: PasswordForgot,
    client: ClientAddress,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> dict[str, str]:
    await limiter.hit("password_reset", settings.rate_limit_password_reset, client)
    await limiter.hit(
        "password_reset", settings.rate_limit_password_reset, service.normalize_email(body.email)
    )
    await service.request_password_reset(session, settings, body.email)
    return {"status": "if the account exists, a reset code was mailed"}


@router.post(
    "/v1/auth/password/reset",
    operation_id="identity_password_reset",
    summary="Set a new password with a mailed reset code (single use, expiring); ends every session",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(422, 429),
)
async def password_reset(
    body: PasswordReset,
    client: ClientAddress,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> None:
    await limiter.hit("password_reset", settings.rate_limit_password_reset, client)
    await service.reset_password(session, token=body.token, new_password=body.new_password)


@router.get(
    "/v1/me", operation_id="identity_me", summary="The current account", responses=problem_responses(401)
)
async def me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@router.patch(
    "/v1/me",
    operation_id="identity_me_update",
    summary="Edit the current account (applies only the fields sent)",
    responses=problem_responses(401, 422),
)
async def update_me(body: UserUpdate, user: CurrentUser, session: SessionDep) -> UserRead:
    user = await service.update_profile(session, user, body.model_dump(exclude_unset=True))
    return UserRead.model_validate(user)


@router.post(
    "/v1/me/password",
    operation_id="identity_password_change",
    summary="Change the password; ends every other session",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 422),
)
async def change_password(body: PasswordChange, user: CurrentUser, session: SessionDep) -> None:
    await service.change_password(session, user, current=body.current_password, new=body.new_password)
